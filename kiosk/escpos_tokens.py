"""A small, strict ESC/POS tokenizer: printer bytes -> commands and decoded text.

Makes printed tickets assertable in tests and lets a simulator show what a printer would do.
Covers the commands hallq emits (and the usual neighbours); anything else raises TokenizeError
with its offset, so an unexpected byte never passes silently.

Text runs are decoded with the printer's encoding. GB18030 and Big5 never use bytes below 0x20
inside a character, so control bytes always start a command.
"""

from dataclasses import dataclass, field
from typing import Any


class TokenizeError(ValueError):
    """Bytes that are not a command this tokenizer knows."""


@dataclass(frozen=True)
class Token:
    """One command (`kind`, with its decoded arguments) or a run of text."""

    kind: str
    value: Any = None
    offset: int = 0
    raw: bytes = field(default=b"", repr=False)


@dataclass(frozen=True)
class RasterImage:
    """A GS v 0 image: 1 bit per dot, rows of `width_bytes`, set bit = black."""

    mode: int
    width_bytes: int
    height: int
    data: bytes

    @property
    def width_px(self) -> int:
        return self.width_bytes * 8

    def black_dots(self) -> int:
        return sum(bin(byte).count("1") for byte in self.data)

    def to_pil(self):
        from PIL import Image, ImageOps

        image = Image.frombytes("1", (self.width_px, self.height), self.data)
        return ImageOps.invert(image.convert("L"))


# fixed-length commands: prefix -> (kind, number of argument bytes)
_FIXED = {
    b"\x1b@": ("init", 0),
    b"\x1ba": ("align", 1),
    b"\x1bE": ("bold", 1),
    b"\x1bG": ("double_strike", 1),
    b"\x1b-": ("underline", 1),
    b"\x1b!": ("print_mode", 1),
    b"\x1bM": ("font", 1),
    b"\x1bd": ("feed_lines", 1),
    b"\x1bJ": ("feed_dots", 1),
    b"\x1b2": ("line_spacing_default", 0),
    b"\x1b3": ("line_spacing", 1),
    b"\x1b{": ("upside_down", 1),
    b"\x1bt": ("codepage", 1),
    b"\x1d!": ("size", 1),
    b"\x1dB": ("invert", 1),
    b"\x1db": ("smoothing", 1),
    b"\x1c&": ("chinese_on", 0),
    b"\x1c.": ("chinese_off", 0),
    b"\x10\x04": ("status_query", 1),
    b"\x1dr": ("transmit_status", 1),
}
ALIGN_NAMES = {0: "left", 1: "center", 2: "right", 48: "left", 49: "center", 50: "right"}


def tokenize(data: bytes, encoding: str = "gb18030") -> list[Token]:
    """Every command and text run in `data`, in order."""
    tokens, pos = [], 0
    while pos < len(data):
        token, pos = _next(data, pos, encoding)
        tokens.append(token)
    return tokens


def _next(data: bytes, pos: int, encoding: str) -> tuple[Token, int]:
    byte = data[pos]
    if byte == 0x0A:
        return Token("lf", None, pos, data[pos:pos + 1]), pos + 1
    if byte >= 0x20:
        return _text(data, pos, encoding)
    prefix = data[pos:pos + 2]
    if prefix in _FIXED:
        return _fixed(data, pos, prefix)
    if prefix == b"\x1d(" and data[pos + 2:pos + 3] == b"k":
        return _two_d_code(data, pos)
    if prefix == b"\x1dv":
        return _raster(data, pos)
    if prefix == b"\x1dV":
        return _cut(data, pos)
    raise TokenizeError(f"unknown command {data[pos:pos + 3]!r} at offset {pos}")


def _need(data: bytes, end: int, pos: int) -> None:
    if end > len(data):
        raise TokenizeError(f"command at offset {pos} is cut short")


def _text(data: bytes, pos: int, encoding: str) -> tuple[Token, int]:
    end = pos
    while end < len(data) and data[end] >= 0x20:
        end += 1
    raw = data[pos:end]
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as exc:
        raise TokenizeError(f"text at offset {pos} is not {encoding}: {exc}") from exc
    return Token("text", text, pos, raw), end


def _fixed(data: bytes, pos: int, prefix: bytes) -> tuple[Token, int]:
    kind, argc = _FIXED[prefix]
    end = pos + 2 + argc
    _need(data, end, pos)
    value = data[pos + 2] if argc else None
    if kind == "size":
        value = {"width": (value >> 4) + 1, "height": (value & 0x0F) + 1}
    elif kind == "align":
        value = ALIGN_NAMES.get(value, value)
    elif kind in ("bold", "underline", "double_strike"):
        value = bool(value & 1) if kind != "underline" else value % 48
    return Token(kind, value, pos, data[pos:end]), end


def _two_d_code(data: bytes, pos: int) -> tuple[Token, int]:
    """GS ( k pL pH cn fn [m] data: QR settings, store (the payload) and print."""
    _need(data, pos + 5, pos)
    length = data[pos + 3] | data[pos + 4] << 8
    end = pos + 5 + length
    _need(data, end, pos)
    body = data[pos + 5:end]
    cn, fn = body[0], body[1]
    if cn != 49:
        return Token("2d_code", {"cn": cn, "fn": fn, "data": body[2:]}, pos, data[pos:end]), end
    kind, value = _qr_function(fn, body)
    return Token(kind, value, pos, data[pos:end]), end


def _qr_function(fn: int, body: bytes) -> tuple[str, Any]:
    if fn == 65:
        return "qr_model", body[2] - 48
    if fn == 67:
        return "qr_module_size", body[2]
    if fn == 69:
        return "qr_error_correction", "LMQH"[body[2] - 48]
    if fn == 80:
        return "qr_store", body[3:].decode("utf-8")
    if fn == 81:
        return "qr_print", None
    return "qr_other", {"fn": fn, "data": body[2:]}


def _raster(data: bytes, pos: int) -> tuple[Token, int]:
    """GS v 0 m xL xH yL yH d1...dk"""
    _need(data, pos + 8, pos)
    if data[pos + 2] != 0x30:
        raise TokenizeError(f"GS v {data[pos + 2]:#x} at offset {pos} is not GS v 0")
    width_bytes = data[pos + 4] | data[pos + 5] << 8
    height = data[pos + 6] | data[pos + 7] << 8
    end = pos + 8 + width_bytes * height
    _need(data, end, pos)
    image = RasterImage(data[pos + 3], width_bytes, height, data[pos + 8:end])
    return Token("raster", image, pos, data[pos:end]), end


def _cut(data: bytes, pos: int) -> tuple[Token, int]:
    """GS V m (m = 0/1/48/49) or GS V m n (m = 65/66: feed n then cut)."""
    _need(data, pos + 3, pos)
    mode = data[pos + 2]
    end = pos + 4 if mode in (65, 66, 97, 98, 103, 104) else pos + 3
    _need(data, end, pos)
    partial = mode in (1, 49, 66, 98, 104)
    return Token("cut", "partial" if partial else "full", pos, data[pos:end]), end


def commands(tokens: list[Token]) -> list[str]:
    """The token kinds in order (text and line feeds included)."""
    return [token.kind for token in tokens]


def text_lines(tokens: list[Token]) -> list[str]:
    """The printed text, split at line feeds, without empty lines."""
    lines, current = [], []
    for token in tokens:
        if token.kind == "text":
            current.append(token.value)
        elif token.kind == "lf":
            lines.append("".join(current))
            current = []
    lines.append("".join(current))
    return [line for line in lines if line.strip()]


def styled_lines(tokens: list[Token]) -> list[dict]:
    """Each printed line of text with the size, bold and alignment in force when it printed."""
    style = {"align": "left", "bold": False, "width": 1, "height": 1}
    lines = []
    for token in tokens:
        if token.kind in ("align", "bold"):
            style[token.kind] = token.value
        elif token.kind == "size":
            style.update(token.value)
        elif token.kind == "init":
            style = {"align": "left", "bold": False, "width": 1, "height": 1}
        elif token.kind == "text":
            lines.append({"text": token.value, **style})
    return lines


def qr_payloads(tokens: list[Token]) -> list[str]:
    return [token.value for token in tokens if token.kind == "qr_store"]


def raster_images(tokens: list[Token]) -> list[RasterImage]:
    return [token.value for token in tokens if token.kind == "raster"]
