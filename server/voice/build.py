"""`hallq sounds build`: synthesise every clip announcements can need, ahead of time.

Writes `<out>/chime.wav`, `<out>/<lang>/<name>.wav` and `<out>/manifest.json` (clip id -> file,
duration_ms, sample_rate, sha256, and what was said). The chime is generated in pure Python, so
it exists even where espeak-ng does not. Run: `hallq sounds build [--out sounds]
[--languages cmn,en,yue] [--config hall.toml]` or `python -m server.voice.build ...`.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import sys
import time
import tomllib
from pathlib import Path

from . import pcm
from .synth import Pyttsx3Worker, SynthesisError, check_voice, espeak_voices, synthesize_clip
from .templates import CHIME, KNOWN_LANGUAGES, ClipSpec, VoiceSettings, clip_plan

log = logging.getLogger("hallq.voice.build")

MANIFEST = "manifest.json"


def chime_frames() -> bytes:
    """A two-tone ding-dong (E5 then C5) with bell partials and exponential decay, ~1.3 s."""
    ding = pcm.tone((659.25, 1318.5, 1977.8), 700, decay_s=0.35)
    dong = pcm.tone((523.25, 1046.5, 1569.8), 900, decay_s=0.45)
    return pcm.normalise_peak(pcm.mix(ding, dong, 420), peak_dbfs=-4.0)


def clip_file(clip_id: str) -> str:
    return f"{clip_id}.wav"


def _entry(out_dir: Path, clip_id: str, extra: dict) -> dict:
    path = out_dir / clip_file(clip_id)
    frames = pcm.read_frames(path)
    return {"file": clip_file(clip_id), "duration_ms": pcm.duration_ms(frames),
            "sample_rate": pcm.RATE, "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
            **extra}


def load_manifest(out_dir: Path) -> dict:
    try:
        return json.loads((out_dir / MANIFEST).read_text("utf-8"))
    except (OSError, ValueError):
        return {"clips": {}}


def _up_to_date(out_dir: Path, old: dict | None, extra: dict) -> bool:
    if not old or any(old.get(key) != value for key, value in extra.items()):
        return False
    path = out_dir / old["file"]
    return path.is_file() and hashlib.sha256(path.read_bytes()).hexdigest() == old["sha256"]


def _build_spoken(out_dir: Path, spec: ClipSpec, rate: int, worker: Pyttsx3Worker,
                  old: dict | None, known_voices: set[str]) -> dict:
    said = {"text": spec.text, "voice": spec.voice, "rate": rate}
    if old is not None and _up_to_date(out_dir, old, said):
        return old
    path = out_dir / clip_file(spec.clip_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    engine = synthesize_clip(spec.text, spec.voice, rate, path, worker, known_voices=known_voices)
    return _entry(out_dir, spec.clip_id, {**said, "engine": engine})


def build_clips(out_dir: str | Path, settings: VoiceSettings,
                languages: tuple[str, ...] | None = None) -> dict:
    """Build the chime and every clip for `languages` (default: the enabled ones); returns the
    manifest. Entries of other languages already in the manifest are kept. A clip that cannot be
    synthesised is logged and left out (its announcements skip it); raises SynthesisError at the
    end if any failed, after writing the manifest."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    old = load_manifest(out_dir).get("clips", {})
    clips = {k: v for k, v in old.items() if (out_dir / v.get("file", "")).is_file()}
    pcm.write_wav(out_dir / clip_file(CHIME), chime_frames())
    clips[CHIME] = _entry(out_dir, CHIME, {"text": "", "voice": "", "engine": "generated"})
    failed, known_voices = [], espeak_voices()
    plan = clip_plan(settings, languages)
    for voice in sorted({spec.voice for spec in plan}):
        check_voice(voice, known_voices)
    with Pyttsx3Worker() as worker:
        for spec in plan:
            try:
                clips[spec.clip_id] = _build_spoken(out_dir, spec, settings.rate, worker,
                                                    old.get(spec.clip_id), known_voices)
            except SynthesisError as exc:
                log.error("voice clip %s (%r) not built: %s", spec.clip_id, spec.text, exc)
                failed.append(spec.clip_id)
    manifest = {"format": {"sample_rate": pcm.RATE, "channels": pcm.CHANNELS, "bits": 16},
                "clips": dict(sorted(clips.items()))}
    (out_dir / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n",
                                    "utf-8")
    if failed:
        raise SynthesisError(f"{len(failed)} clips not built: {', '.join(failed[:10])}")
    return manifest


def settings_from_config(path: str | None) -> VoiceSettings:
    if not path:
        return VoiceSettings()
    with open(path, "rb") as f:
        return VoiceSettings.from_dict(tomllib.load(f).get("voice", {}))


def _parse_languages(text: str) -> tuple[str, ...]:
    languages = tuple(part.strip() for part in text.split(",") if part.strip())
    for lang in languages:
        if lang not in KNOWN_LANGUAGES:
            raise argparse.ArgumentTypeError(f"unknown language {lang!r}; known: "
                                             + ",".join(KNOWN_LANGUAGES))
    return languages


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="hallq sounds build",
                                     description="Synthesise the voice clips into a sounds folder.")
    parser.add_argument("--out", default=None, help="output folder (default: voice.sounds_dir)")
    parser.add_argument("--languages", type=_parse_languages, default=KNOWN_LANGUAGES,
                        help="comma-separated, default: cmn,en,yue (all, so any can be enabled)")
    parser.add_argument("--config", help="hall TOML file; its [voice] table is used")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        settings = settings_from_config(args.config)
    except (OSError, ValueError) as exc:
        print(f"hallq sounds build: {exc}", file=sys.stderr)
        return 2
    out = Path(args.out or settings.sounds_dir)
    started = time.perf_counter()
    try:
        manifest = build_clips(out, settings, args.languages)
    except SynthesisError as exc:
        print(f"hallq sounds build: {exc}", file=sys.stderr)
        return 1
    print(f"{len(manifest['clips'])} clips in {out}/ "
          f"({time.perf_counter() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
