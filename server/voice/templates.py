"""Announcement wording: settings, templates and the clip sequence for one call. Pure: no I/O.

An announcement is a list of clip ids played back to back ("chime", then per enabled language the
phrase clips of its template with the ticket number spelled character by character and the window
number read as citizens expect) plus the display text in zh-Hans / zh-Hant / en. See docs/voice.md.
"""

from __future__ import annotations

import hashlib
import re
import string
from dataclasses import dataclass, field
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

CHIME = "chime"
KNOWN_LANGUAGES = ("cmn", "en", "yue")
TEXT_LOCALES = ("zh-Hans", "zh-Hant", "en")
WINDOW_READINGS = ("number", "digits")
PLACEHOLDERS = ("number", "window")

DEFAULT_TEMPLATES = MappingProxyType({
    "cmn": "請 {number} 號到 {window} 號窗口辦理",
    "en": "Number {number}, please go to window {window}",
    "yue": "請 {number} 號到 {window} 號窗口辦理",
})
DEFAULT_TEXT_TEMPLATES = MappingProxyType({
    "zh-Hans": "请 {number} 号到 {window} 号窗口办理",
    "zh-Hant": "請 {number} 號到 {window} 號窗口辦理",
    "en": "Number {number}, please go to window {window}",
})
DEFAULT_RECALL_PREFIX = MappingProxyType({"cmn": "再次呼叫", "en": "Calling again", "yue": "再次呼叫"})
DEFAULT_RECALL_TEXT_PREFIX = MappingProxyType({"zh-Hans": "再次呼叫", "zh-Hant": "再次呼叫",
                                               "en": "Calling again:"})
# espeak-ng voices. "cmn" would read hanzi as English-sounding pinyin (espeak-ng 1.51), so Mandarin
# phrases use cmn-latn-pinyin. Letters are spoken by the same voice (Chinese letter names, A = "ei").
DEFAULT_VOICES = MappingProxyType({"cmn": "cmn-latn-pinyin", "en": "en-us", "yue": "yue"})
DEFAULT_RATE = 165

# Readable ids for the phrases of the default templates; any other text gets a slug + hash id.
NAMED_PHRASES = MappingProxyType({
    "請": "qing", "號到": "hao_dao", "號窗口辦理": "hao_chuangkou_banli", "再次呼叫": "zaici_hujiao",
})
DIGIT_WORDS = MappingProxyType({
    "cmn": "零一二三四五六七八九", "yue": "零一二三四五六七八九",
})
TEN_WORDS = MappingProxyType({"cmn": "十", "yue": "十"})
EN_TEENS = ("ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
            "eighteen", "nineteen")
EN_TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
EN_DIGITS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def _frozen(mapping: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True)
class VoiceSettings:
    """The `[voice]` table of the hall TOML. Every key is optional; see docs/voice.md."""

    enabled: bool = True
    languages: tuple[str, ...] = ("cmn", "en")
    templates: Mapping[str, str] = field(default_factory=lambda: DEFAULT_TEMPLATES)
    text_templates: Mapping[str, str] = field(default_factory=lambda: DEFAULT_TEXT_TEMPLATES)
    recall_prefix: Mapping[str, str] = field(default_factory=lambda: DEFAULT_RECALL_PREFIX)
    recall_text_prefix: Mapping[str, str] = field(default_factory=lambda: DEFAULT_RECALL_TEXT_PREFIX)
    voices: Mapping[str, str] = field(default_factory=lambda: DEFAULT_VOICES)
    rate: int = DEFAULT_RATE
    window_reading: str = "number"
    gap_ms: int = 80
    sounds_dir: str = "sounds"

    @classmethod
    def from_dict(cls, d: Mapping[str, Any] | None) -> VoiceSettings:
        """Validate a `[voice]` table; a bad key or value raises ValueError naming `voice.<key>`."""
        d = dict(d or {})
        unknown = sorted(set(d) - set(cls.__dataclass_fields__))
        if unknown:
            raise ValueError(f"voice.{unknown[0]}: unknown key (known: {', '.join(_KEYS)})")
        kwargs = {key: _VALIDATORS[key](d[key]) for key in d}
        settings = cls(**kwargs)
        _check_templates_cover_languages(settings)
        return settings


_KEYS = ("enabled", "languages", "templates", "text_templates", "recall_prefix",
         "recall_text_prefix", "voices", "rate", "window_reading", "gap_ms", "sounds_dir")


def _fail(key: str, why: str) -> ValueError:
    return ValueError(f"voice.{key}: {why}")


def _check_bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise _fail("enabled", "must be true or false")
    return value


def _check_languages(value: Any) -> tuple[str, ...]:
    if not isinstance(value, (list, tuple)) or not value:
        raise _fail("languages", f"must be a non-empty list of {list(KNOWN_LANGUAGES)}")
    for lang in value:
        if lang not in KNOWN_LANGUAGES:
            raise _fail("languages", f"unknown language {lang!r} (known: {list(KNOWN_LANGUAGES)})")
    if len(set(value)) != len(value):
        raise _fail("languages", "lists a language twice")
    return tuple(value)


def _merged_table(key: str, value: Any, defaults: Mapping[str, str], allowed: tuple[str, ...],
                  need_placeholders: bool) -> Mapping[str, str]:
    if not isinstance(value, Mapping):
        raise _fail(key, "must be a table keyed by " + ", ".join(allowed))
    for name, text in value.items():
        if name not in allowed:
            raise _fail(f"{key}.{name}", f"unknown key (known: {', '.join(allowed)})")
        if not isinstance(text, str):
            raise _fail(f"{key}.{name}", "must be a string")
        if need_placeholders:
            _check_placeholders(f"{key}.{name}", text)
    return _frozen({**defaults, **value})


def _check_placeholders(key: str, text: str) -> None:
    try:
        fields = [name for _, name, _, _ in string.Formatter().parse(text) if name is not None]
    except ValueError as exc:
        raise _fail(key, f"bad template: {exc}") from None
    if sorted(fields) != sorted(PLACEHOLDERS):
        raise _fail(key, "must contain {number} and {window} exactly once each")


def _check_int(key: str, low: int, high: int):
    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise _fail(key, f"must be an integer from {low} to {high}")
        return value
    return check


def _check_choice(key: str, choices: tuple[str, ...]):
    def check(value: Any) -> str:
        if value not in choices:
            raise _fail(key, f"must be one of {list(choices)}")
        return value
    return check


def _check_str(key: str):
    def check(value: Any) -> str:
        if not isinstance(value, str) or not value:
            raise _fail(key, "must be a non-empty string")
        return value
    return check


_VALIDATORS = MappingProxyType({
    "enabled": _check_bool,
    "languages": _check_languages,
    "templates": lambda v: _merged_table("templates", v, DEFAULT_TEMPLATES, KNOWN_LANGUAGES, True),
    "text_templates": lambda v: _merged_table("text_templates", v, DEFAULT_TEXT_TEMPLATES,
                                              TEXT_LOCALES, True),
    "recall_prefix": lambda v: _merged_table("recall_prefix", v, DEFAULT_RECALL_PREFIX,
                                             KNOWN_LANGUAGES, False),
    "recall_text_prefix": lambda v: _merged_table("recall_text_prefix", v,
                                                  DEFAULT_RECALL_TEXT_PREFIX, TEXT_LOCALES, False),
    "voices": lambda v: _merged_table("voices", v, DEFAULT_VOICES, KNOWN_LANGUAGES, False),
    "rate": _check_int("rate", 80, 400),
    "window_reading": _check_choice("window_reading", WINDOW_READINGS),
    "gap_ms": _check_int("gap_ms", 0, 2000),
    "sounds_dir": _check_str("sounds_dir"),
})


def _check_templates_cover_languages(settings: VoiceSettings) -> None:
    for lang in settings.languages:
        if lang not in settings.voices:
            raise _fail(f"voices.{lang}", "missing for an enabled language")


# --- clip ids -------------------------------------------------------------------------------

def phrase_clip_id(lang: str, text: str) -> str:
    """Stable, filesystem-safe id for a literal piece of template text."""
    text = text.strip()
    if text in NAMED_PHRASES and lang in ("cmn", "yue"):
        return f"{lang}/{NAMED_PHRASES[text]}"
    slug = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")[:24] or "p"
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]
    return f"{lang}/{slug}_{digest}"


def digit_clip(lang: str, digit: str) -> str:
    return f"{lang}/digit_{digit}"


def letter_clip(lang: str, letter: str) -> str:
    return f"{lang}/letter_{letter.upper()}"


def spell(lang: str, label: str) -> list[str]:
    """Ticket numbers are read character by character: A012 -> A, 0, 1, 2."""
    clips = []
    for char in label.upper():
        if char.isascii() and char.isdigit():
            clips.append(digit_clip(lang, char))
        elif char.isascii() and char.isalpha():
            clips.append(letter_clip(lang, char))
    return clips


def number_clips(lang: str, value: int) -> list[str]:
    """10..99 read as a number (12 -> 十二 / twelve); 0..9 are one digit, 100+ read digit by digit."""
    if not 10 <= value <= 99:
        return spell(lang, str(value))
    if lang == "en":
        return _english_number(value)
    tens, units = divmod(value, 10)
    clips = [] if tens == 1 else [digit_clip(lang, str(tens))]
    clips.append(f"{lang}/ten")
    return clips + ([digit_clip(lang, str(units))] if units else [])


def _english_number(value: int) -> list[str]:
    if value < 20:
        return [f"en/num_{value}"]
    tens, units = divmod(value, 10)
    return [f"en/num_{tens * 10}"] + ([digit_clip("en", str(units))] if units else [])


def window_clips(lang: str, window: int | str, reading: str) -> list[str]:
    text = str(window).strip()
    if reading == "number" and text.isascii() and text.isdigit():
        return number_clips(lang, int(text))
    return spell(lang, text)


# --- the announcement -----------------------------------------------------------------------

def template_parts(template: str) -> list[tuple[str, str | None]]:
    """Split a template into (literal text, placeholder or None) pairs, in order."""
    return [(literal, name) for literal, name, _, _ in string.Formatter().parse(template)]


def spoken_clips(lang: str, label: str, window: int | str, recall: bool,
                 voice: VoiceSettings) -> list[str]:
    clips = []
    prefix = voice.recall_prefix.get(lang, "").strip() if recall else ""
    if prefix:
        clips.append(phrase_clip_id(lang, prefix))
    for literal, name in template_parts(voice.templates[lang]):
        if literal.strip(" ,.，。、"):
            clips.append(phrase_clip_id(lang, literal))
        if name == "number":
            clips.extend(spell(lang, label))
        elif name == "window":
            clips.extend(window_clips(lang, window, voice.window_reading))
    return clips


def display_text(label: str, window: int | str, recall: bool, voice: VoiceSettings) -> dict:
    text = {}
    for locale in TEXT_LOCALES:
        line = voice.text_templates[locale].format(number=label, window=window)
        prefix = voice.recall_text_prefix.get(locale, "").strip() if recall else ""
        text[locale] = f"{prefix} {line}" if prefix else line
    return text


def announcement_for(label: str, window: int | str, recall: bool, voice: VoiceSettings) -> dict:
    """The `announcement` of a ticket_called / ticket_recalled event (docs/protocol.md)."""
    clips = [CHIME]
    if voice.enabled:
        for lang in voice.languages:
            clips.extend(spoken_clips(lang, label, window, recall, voice))
    return {"clips": clips, "text": display_text(label, window, recall, voice)}


# --- what `hallq sounds build` has to synthesise ---------------------------------------------

@dataclass(frozen=True)
class ClipSpec:
    """One clip to synthesise: what to say, in which language and espeak-ng voice."""

    clip_id: str
    lang: str
    text: str
    voice: str


def clip_plan(voice: VoiceSettings, languages: tuple[str, ...] | None = None) -> list[ClipSpec]:
    """Every spoken clip an announcement can need for the given languages (default: enabled)."""
    specs: dict[str, ClipSpec] = {}
    for lang in languages or voice.languages:
        for clip_id, text in _clip_texts(lang, voice):
            specs.setdefault(clip_id, ClipSpec(clip_id, lang, text, voice.voices[lang]))
    return list(specs.values())


def _clip_texts(lang: str, voice: VoiceSettings) -> list[tuple[str, str]]:
    texts = [(letter_clip(lang, c), c) for c in string.ascii_uppercase]
    digit_words = DIGIT_WORDS.get(lang, EN_DIGITS)
    texts += [(digit_clip(lang, str(i)), digit_words[i]) for i in range(10)]
    if lang == "en":
        texts += [(f"en/num_{n}", EN_TEENS[n - 10]) for n in range(10, 20)]
        texts += [(f"en/num_{n}", EN_TENS[n // 10]) for n in range(20, 100, 10)]
    else:
        texts.append((f"{lang}/ten", TEN_WORDS[lang]))
    phrases = [literal for literal, _ in template_parts(voice.templates[lang])]
    phrases.append(voice.recall_prefix.get(lang, ""))
    texts += [(phrase_clip_id(lang, p), p.strip(" ,.，。、")) for p in phrases if p.strip(" ,.，。、")]
    return texts
