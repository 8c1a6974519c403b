"""The printed ticket, as data: what goes on it, top to bottom, and how each line looks.

Pure: no I/O, no clock. Built from the `<ticket layout>` payload of a `print_job` message
(docs/protocol.md section 5); both renderers (ESC/POS text and raster) draw the same lines.
"""

import re
from dataclasses import dataclass
from typing import Any
from collections.abc import Mapping

LANGS = ("zh-Hans", "zh-Hant", "en")
CHANNELS = ("normal", "green", "appointment")
ALIGNS = ("left", "center", "right")
KINDS = ("text", "rule", "qr", "feed")

# A run of 11+ digits is a phone or ID number: such text never goes on a ticket (docs/domain.md).
_PERSONAL_NUMBER = re.compile(r"\d{11,}")
_LABEL = re.compile(r"^[A-Z0-9]{1,8}$")

PHRASES: dict[str, dict[str, str]] = {
    "zh-Hans": {
        "ahead": "前面还有 {n} 人",
        "next": "您是下一位",
        "estimate": "预计等候 {low}–{high} 分钟",
        "estimate_one": "预计等候约 {low} 分钟",
        "no_window": "暂无窗口办理",
        "no_wait": "无需等候",
        "where": "请到 {windows} 号窗口附近等候",
        "green": "★ 绿色通道 ★",
        "appointment": "预约",
        "qr": "扫码在手机上查看排队进度",
    },
    "zh-Hant": {
        "ahead": "前面還有 {n} 人",
        "next": "您是下一位",
        "estimate": "預計等候 {low}–{high} 分鐘",
        "estimate_one": "預計等候約 {low} 分鐘",
        "no_window": "暫無窗口辦理",
        "no_wait": "無需等候",
        "where": "請到 {windows} 號窗口附近等候",
        "green": "★ 綠色通道 ★",
        "appointment": "預約",
        "qr": "掃碼在手機上查看排隊進度",
    },
    "en": {
        "ahead": "{n} people ahead of you",
        "next": "You are next",
        "estimate": "Estimated wait {low}-{high} min",
        "estimate_one": "Estimated wait about {low} min",
        "no_window": "No window open now",
        "no_wait": "No wait",
        "where": "Please wait near window {windows}",
        "green": "* GREEN CHANNEL *",
        "appointment": "APPOINTMENT",
        "qr": "Scan to follow the queue on your phone",
    },
}


class LayoutError(ValueError):
    """The payload cannot become a ticket (missing field, wrong type, personal data)."""


@dataclass(frozen=True)
class Line:
    """One block of the ticket. `size` multiplies width and height (1 normal, up to 8)."""

    kind: str = "text"
    text: str = ""
    align: str = "center"
    size: int = 1
    bold: bool = False


@dataclass(frozen=True)
class TicketLayout:
    """Everything printed on one ticket, text already in the ticket's language."""

    center: str
    department: str
    service: str
    label: str
    ahead: int
    estimate_low_min: int
    estimate_high_min: int
    hint: str
    missed_rule: str
    issued_at: str
    tracking_url: str
    lang: str = "zh-Hans"
    channel: str = "normal"
    channel_label: str = ""  # the server's own wording for the channel mark, if it sends one
    open_windows: int | None = None  # windows open for the service when issued; None: not sent
    windows: tuple[int, ...] = ()  # the windows serving the ticket's queue: where to wait

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> "TicketLayout":
        """Validate a protocol payload. Unknown keys are ignored: only known fields are printed."""
        if not isinstance(payload, Mapping):
            raise LayoutError("ticket layout must be a JSON object")
        low, high = _estimate(payload.get("estimate"))
        layout = cls(
            center=_text(payload, "center"),
            department=_text(payload, "department", required=False),
            service=_text(payload, "service"),
            label=_label(payload),
            ahead=_count(payload, "ahead"),
            estimate_low_min=low,
            estimate_high_min=high,
            hint=_text(payload, "hint"),
            missed_rule=_text(payload, "missed_rule"),
            issued_at=_text(payload, "issued_at"),
            tracking_url=_url(payload),
            lang=_choice(payload, "lang", LANGS, "zh-Hans"),
            channel=_choice(payload, "channel", CHANNELS, "normal"),
            channel_label=_text(payload, "channel_label", required=False),
            open_windows=_count(payload, "open_windows") if payload.get("open_windows") is not None else None,
            windows=_windows(payload.get("windows", [])),
        )
        return layout

    def lines(self) -> list[Line]:
        """The ticket top to bottom, as docs/domain.md orders it."""
        words = PHRASES[self.lang]
        return [
            Line(text=self.center, size=2, bold=True),
            *self._service_lines(),
            Line(kind="rule"),
            *self._channel_lines(words),
            Line(text=self.label, size=number_size(self.label), bold=True),
            Line(kind="rule"),
            Line(text=self._ahead_text(words), bold=True),
            Line(text=self._estimate_text(words)),
            *self._where_lines(words),
            Line(text=self.hint),
            Line(text=self.missed_rule, bold=True),
            Line(text=self.issued_at),
            Line(kind="qr", text=self.tracking_url),
            Line(text=words["qr"]),
        ]

    def all_text(self) -> str:
        """Every character the ticket prints (to check a printer encoding can carry it)."""
        return "\n".join(line.text for line in self.lines() if line.kind == "text")

    def _service_lines(self) -> list[Line]:
        if not self.department:
            return [Line(text=self.service, bold=True)]
        return [Line(text=self.department), Line(text=self.service, bold=True)]

    def _channel_lines(self, words: dict[str, str]) -> list[Line]:
        if self.channel == "normal":
            return []
        return [Line(text=self.channel_label or words[self.channel], size=2, bold=True)]

    def _where_lines(self, words: dict[str, str]) -> list[Line]:
        if not self.windows:
            return []
        joiner = ", " if self.lang == "en" else "、"
        return [Line(text=words["where"].format(windows=joiner.join(str(n) for n in self.windows)))]

    def _ahead_text(self, words: dict[str, str]) -> str:
        if self.ahead == 0:
            return words["next"]
        return words["ahead"].format(n=self.ahead)

    def _estimate_text(self, words: dict[str, str]) -> str:
        """As the kiosk screen words it: no number while no window is open (it would be a guess)."""
        if self.open_windows == 0:
            return words["no_window"]
        low, high = self.estimate_low_min, self.estimate_high_min
        if self.ahead == 0 and high <= 1:
            return words["no_wait"]
        key = "estimate_one" if low == high else "estimate"
        return words[key].format(low=low, high=high)


def number_size(label: str, columns: int = 48) -> int:
    """The largest character multiplier (max 6) at which the ticket number fits on one line."""
    return max(1, min(6, columns // max(1, len(label))))


def _text(payload: Mapping[str, Any], key: str, required: bool = True) -> str:
    value = payload.get(key, "")
    if not isinstance(value, str):
        raise LayoutError(f"{key} must be a string")
    value = " ".join(value.split())
    if required and not value:
        raise LayoutError(f"{key} is required")
    if _PERSONAL_NUMBER.search(value):
        raise LayoutError(f"{key} looks like it holds a phone or ID number; refused")
    return value


def _label(payload: Mapping[str, Any]) -> str:
    label = _text(payload, "label")
    if not _LABEL.match(label):
        raise LayoutError("label must be 1-8 capital letters or digits, e.g. A012")
    return label


def _windows(value: Any) -> tuple[int, ...]:
    if not isinstance(value, list) or len(value) > 64 or any(
            isinstance(n, bool) or not isinstance(n, int) or not 0 < n < 10000 for n in value):
        raise LayoutError("windows must be a list of window numbers")
    return tuple(value)


def _count(payload: Mapping[str, Any], key: str) -> int:
    value = payload.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise LayoutError(f"{key} must be a whole number >= 0")
    return value


def _estimate(value: Any) -> tuple[int, int]:
    if not isinstance(value, Mapping):
        raise LayoutError("estimate must be an object {low_min, high_min}")
    low, high = _count(value, "low_min"), _count(value, "high_min")
    if low > high:
        raise LayoutError("estimate low_min must not exceed high_min")
    return low, high


def _url(payload: Mapping[str, Any]) -> str:
    url = payload.get("tracking_url")
    if not isinstance(url, str) or not re.match(r"^https?://\S+$", url):
        raise LayoutError("tracking_url must be an http(s) URL")
    return url


def _choice(payload: Mapping[str, Any], key: str, allowed: tuple[str, ...], default: str) -> str:
    value = payload.get(key, default)
    if value not in allowed:
        raise LayoutError(f"{key} must be one of {', '.join(allowed)}")
    return value


# Chinese line-breaking rules (禁则): no line starts with closing punctuation, none ends with
# opening punctuation. Breaking moves the character before the break down with it instead.
NO_LINE_START = frozenset("、，。．・：；？！）」』】〕〉》〗〙”’％‰…—～ー,.:;?!)]}%")
NO_LINE_END = frozenset("（「『【〔〈《〖〘“‘([{")


def line_break(line: str, next_ch: str) -> tuple[str, str]:
    """Where a full line breaks when `next_ch` does not fit: (this line, carried to the next).

    Latin text breaks at its last space; Chinese text right before `next_ch`, moved back while
    the next line would start with closing punctuation or this one end with opening punctuation.
    """
    head, space, tail = line.rpartition(" ")
    if space and head and tail.isascii():
        return head, tail
    cut = len(line)
    while cut > 1 and (line[cut - 1] in NO_LINE_END or (line[cut:] + next_ch)[0] in NO_LINE_START):
        cut -= 1
    return line[:cut], line[cut:]
