"""Ticket layout -> ESC/POS bytes, built with python-escpos's in-memory Dummy printer.

Two modes:
- text: the printer's own font. We enter Chinese mode with `FS &` ourselves and write text
  encoded in the printer's configured encoding (GB18030 or Big5); python-escpos's magic encode
  is never used (it sends `?` for lines of only full-width punctuation and never sends FS &).
- raster: the whole ticket drawn with Pillow and Noto Sans CJK and sent as `GS v 0` images, for
  printers without a Chinese font (or a Big5 printer asked to print zh-Hans text).
"""

import io
import logging
import unicodedata

from kiosk import _escpos
from kiosk.layout import Line, TicketLayout, line_break
from kiosk.raster import FontBook, draw_ticket

ENCODINGS = ("gb18030", "big5", "ascii")
MODES = ("text", "raster")
CUTS = ("full", "partial")
PAPER_PX = {80: 576, 58: 384}  # printable dots at 203 dpi
PAPER_COLUMNS = {80: 48, 58: 32}  # 12-dot font A columns
QR_MODULE_DOTS = {80: 6, 58: 4}

ESC, FS, GS = b"\x1b", b"\x1c", b"\x1d"
CHINESE_ON = FS + b"&"
CHINESE_OFF = FS + b"."

log = logging.getLogger("hallq.kiosk.render")


class UnencodableTextError(ValueError):
    """The ticket holds characters the printer's encoding cannot carry: print it in raster mode."""

    def __init__(self, encoding: str, chars: str) -> None:
        self.encoding = encoding
        self.chars = chars
        super().__init__(
            f"{encoding} cannot carry {chars!r}; use raster mode for this printer "
            "(e.g. a Big5 printer and a zh-Hans ticket)"
        )


def paper_px(paper_width_mm: int) -> int:
    if paper_width_mm not in PAPER_PX:
        raise ValueError(f"paper_width_mm must be one of {sorted(PAPER_PX)}")
    return PAPER_PX[paper_width_mm]


def render_text(layout: TicketLayout, encoding: str = "gb18030", paper_width_mm: int = 80,
                cut: str = "full") -> bytes:
    """The ticket in the printer's font: ESC @, FS &, styled lines, native QR, FS ., cut.

    Raises UnencodableTextError (before producing anything) when a character cannot be encoded.
    """
    encode = encoder(encoding)
    encode(layout.all_text())  # fail early, with every offending character named
    printer = _escpos.new_dummy(paper_px(paper_width_mm))
    printer._raw(ESC + b"@")
    if encoding != "ascii":
        printer._raw(CHINESE_ON)
    columns = PAPER_COLUMNS[paper_width_mm]
    for line in layout.lines():
        _emit(printer, line, encode, columns, QR_MODULE_DOTS[paper_width_mm])
    _finish(printer, encoding, cut)
    return printer.output


def render_raster(layout: TicketLayout, paper_width_px: int = 576, fonts: FontBook | None = None,
                  cut: str = "full") -> bytes:
    """The whole ticket as raster images (GS v 0, in slices of at most 960 rows), then a cut."""
    image = draw_ticket(layout, paper_width_px, fonts or FontBook.find())
    printer = _escpos.new_dummy(paper_width_px)
    printer._raw(ESC + b"@")
    printer.image(image, impl="bitImageRaster")
    _cut(printer, cut)
    return printer.output


def render_preview_png(layout: TicketLayout, paper_width_px: int = 576, fonts: FontBook | None = None) -> bytes:
    """The raster ticket as a PNG (for the dummy printer and the demo)."""
    image = draw_ticket(layout, paper_width_px, fonts or FontBook.find())
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=False)
    return buffer.getvalue()


def render_ticket(layout: TicketLayout, mode: str, encoding: str, paper_width_mm: int,
                  fonts: FontBook | None = None, cut: str = "full") -> bytes:
    """Render by printer configuration. Text mode falls back to raster for unencodable text."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}")
    if mode == "text":
        try:
            return render_text(layout, encoding, paper_width_mm, cut)
        except UnencodableTextError as exc:
            # a readable raster ticket beats a failed job or a ticket full of '?'
            log.warning("%s: printing this ticket as raster", exc)
    return render_raster(layout, paper_px(paper_width_mm), fonts, cut)


def encoder(encoding: str):
    """A strict str -> bytes function for the printer's encoding."""
    if encoding not in ENCODINGS:
        raise ValueError(f"encoding must be one of {', '.join(ENCODINGS)}")

    def encode(text: str) -> bytes:
        bad = "".join(dict.fromkeys(ch for ch in text if not _encodable(ch, encoding)))
        if bad:
            raise UnencodableTextError(encoding, bad)
        return text.encode(encoding)

    return encode


def _encodable(ch: str, encoding: str) -> bool:
    """GB18030's 4-byte range is outside the GBK fonts ticket printers carry: treat as missing."""
    try:
        data = ch.encode(encoding)
    except UnicodeEncodeError:
        return False
    return len(data) <= 2


def _emit(printer, line: Line, encode, columns: int, qr_dots: int) -> None:
    if line.kind == "rule":
        _style(printer, "left", 1, False)
        printer._raw(b"-" * columns + b"\n")
    elif line.kind == "qr":
        _style(printer, "center", 1, False)  # native QR cannot centre itself: align first
        printer.qr(line.text, native=True, size=qr_dots, ec=_escpos.constants.QR_ECLEVEL_M)
        printer._raw(b"\n")
    elif line.kind == "feed":
        printer._raw(b"\n")
    else:
        _emit_text(printer, line, encode, columns)


def _emit_text(printer, line: Line, encode, columns: int) -> None:
    size = fit_size(line.text, line.size, columns)
    _style(printer, line.align, size, line.bold)
    for part in wrap(line.text, columns // size):
        printer._raw(encode(part) + b"\n")


def _style(printer, align: str, size: int, bold: bool) -> None:
    printer.set(align=align, bold=bold, custom_size=True, width=size, height=size)


def _finish(printer, encoding: str, cut: str) -> None:
    _style(printer, "left", 1, False)
    if encoding != "ascii":
        printer._raw(CHINESE_OFF)
    _cut(printer, cut)


def _cut(printer, cut: str) -> None:
    """Feed past the cutter, then cut: `full`, or `partial` (one point left uncut, so a ticket
    hangs from the slot instead of dropping to the floor)."""
    if cut not in CUTS:
        raise ValueError(f"cut must be one of {', '.join(CUTS)}")
    printer.cut(mode="PART" if cut == "partial" else "FULL")


def fit_size(text: str, size: int, columns: int) -> int:
    """Shrink a multiplier so the text fits one line when it can; never below 1."""
    width = display_width(text)
    return max(1, min(size, columns // max(1, width)))


def display_width(text: str) -> int:
    """Printer columns: a CJK (wide or full-width) character takes two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def wrap(text: str, columns: int) -> list[str]:
    """Greedy wrap by display width; breaks Latin text at spaces where it can, and follows the
    Chinese line-breaking rules (kiosk.layout.line_break)."""
    lines, current = [], ""
    for ch in text:
        if display_width(current + ch) > columns:
            if ch == " ":  # the line ends exactly at a word: drop the space
                lines.append(current)
                current = ""
                continue
            current, rest = line_break(current, ch)
            lines.append(current)
            current = rest
        current += ch
    return [*lines, current] if current or not lines else lines
