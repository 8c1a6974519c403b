"""Draw the ticket layout as a 1-bit image with Pillow and Noto Sans CJK (raster mode, previews)."""

import os
from dataclasses import dataclass, field
from pathlib import Path

import qrcode
from PIL import Image, ImageDraw, ImageFont

from kiosk.layout import Line, TicketLayout, line_break

FONT_DIRS = (
    "/usr/share/fonts/opentype/noto",
    "/usr/share/fonts/noto-cjk",
    "/usr/share/fonts/google-noto-cjk",
    "/usr/share/fonts/opentype",
    "/usr/share/fonts",
    "/usr/local/share/fonts",
    "~/.local/share/fonts",
)
# Noto Sans CJK .ttc files hold one face per region; the Chinese ticket needs the right one.
FAMILY_BY_LANG = {"zh-Hans": "Noto Sans CJK SC", "zh-Hant": "Noto Sans CJK TC", "en": "Noto Sans CJK SC"}
BASE_PX = 26  # size-1 text height in dots (about 3.3 mm at 203 dpi)
NUMBER_PX = 150
MARGIN = 8
GAP = 6


class FontNotFoundError(RuntimeError):
    """No Noto Sans CJK font on this machine."""


@dataclass
class FontBook:
    """Noto Sans CJK regular and bold files, with their faces loaded on demand (per instance)."""

    regular: Path
    bold: Path
    _faces: dict = field(default_factory=dict, repr=False)
    _index: dict = field(default_factory=dict, repr=False)

    @classmethod
    def find(cls) -> "FontBook":
        """HALLQ_CJK_FONT (and HALLQ_CJK_FONT_BOLD) win; otherwise search the usual font folders."""
        regular = _env_path("HALLQ_CJK_FONT") or _search("NotoSansCJK-Regular.ttc")
        bold = _env_path("HALLQ_CJK_FONT_BOLD") or _search("NotoSansCJK-Bold.ttc") or regular
        if regular is None:
            raise FontNotFoundError(
                "Noto Sans CJK not found (NotoSansCJK-Regular.ttc): install the Debian package "
                "fonts-noto-cjk or set HALLQ_CJK_FONT to a .ttc/.otf file"
            )
        return cls(regular=regular, bold=bold)

    def font(self, lang: str, px: int, bold: bool = False) -> ImageFont.FreeTypeFont:
        path = self.bold if bold else self.regular
        key = (path, lang, px)
        if key not in self._faces:
            index = self._face_index(path, FAMILY_BY_LANG.get(lang, FAMILY_BY_LANG["zh-Hans"]))
            self._faces[key] = ImageFont.truetype(str(path), px, index=index)
        return self._faces[key]

    def _face_index(self, path: Path, family: str) -> int:
        if (path, family) not in self._index:
            self._index[(path, family)] = _find_face(path, family)
        return self._index[(path, family)]


def _env_path(name: str) -> Path | None:
    value = os.environ.get(name)
    if not value:
        return None
    path = Path(value).expanduser()
    if not path.is_file():
        raise FontNotFoundError(f"{name}={value} is not a file")
    return path


def _search(filename: str) -> Path | None:
    for folder in FONT_DIRS:
        root = Path(folder).expanduser()
        direct = root / filename
        if direct.is_file():
            return direct
        if root.is_dir():
            found = next(iter(sorted(root.rglob(filename))), None)
            if found:
                return found
    return None


def _find_face(path: Path, family: str) -> int:
    """The index of `family` inside a .ttc; 0 for a single-face file or when not listed."""
    for index in range(16):
        try:
            name, _style = ImageFont.truetype(str(path), 12, index=index).getname()
        except OSError:
            break
        if name == family:
            return index
    return 0


@dataclass(frozen=True)
class _Block:
    height: int
    draw: object  # callable(image, top) -> None


def draw_ticket(layout: TicketLayout, width_px: int, fonts: FontBook) -> Image.Image:
    """The ticket as a white, 1-bit image exactly `width_px` wide."""
    blocks = [block for line in layout.lines() for block in _blocks(line, layout.lang, width_px, fonts)]
    height = MARGIN * 2 + sum(block.height + GAP for block in blocks)
    image = Image.new("L", (width_px, height), 255)
    top = MARGIN
    for block in blocks:
        block.draw(image, top)
        top += block.height + GAP
    return image.point(lambda value: 255 if value > 128 else 0, mode="1")


def _blocks(line: Line, lang: str, width_px: int, fonts: FontBook) -> list[_Block]:
    if line.kind == "rule":
        return [_Block(3, lambda image, top: ImageDraw.Draw(image).line(
            (MARGIN, top + 1, width_px - MARGIN, top + 1), fill=0, width=2))]
    if line.kind == "qr":
        return [_qr_block(line.text, width_px)]
    if line.kind == "feed":
        return [_Block(BASE_PX, lambda image, top: None)]
    return _text_blocks(line, lang, width_px, fonts)


def _text_blocks(line: Line, lang: str, width_px: int, fonts: FontBook) -> list[_Block]:
    px = NUMBER_PX if line.size >= 4 else BASE_PX + (line.size - 1) * 12
    font = fonts.font(lang, px, line.bold)
    usable = width_px - 2 * MARGIN
    font = _shrink_to_fit(fonts, lang, line, font, usable) if line.size >= 4 else font
    return [_text_block(part, font, line.align, width_px) for part in _wrap_px(line.text, font, usable)]


def _shrink_to_fit(fonts: FontBook, lang: str, line: Line, font, usable: int):
    """The ticket number stays on one line: shrink it rather than wrap it."""
    while font.getlength(line.text) > usable and font.size > BASE_PX:
        font = fonts.font(lang, font.size - 10, line.bold)
    return font


def _text_block(text: str, font, align: str, width_px: int) -> _Block:
    left, top, right, bottom = font.getbbox(text)
    ascent, descent = font.getmetrics()
    x = _x_for(align, right - left, width_px) - left

    def draw(image: Image.Image, y: int) -> None:
        ImageDraw.Draw(image).text((x, y), text, font=font, fill=0)

    return _Block(ascent + descent, draw)


def _x_for(align: str, width: int, width_px: int) -> int:
    if align == "center":
        return (width_px - width) // 2
    if align == "right":
        return width_px - MARGIN - width
    return MARGIN


def _wrap_px(text: str, font, usable: int) -> list[str]:
    lines, current = [], ""
    for ch in text:
        if current and font.getlength(current + ch) > usable:
            if ch == " ":  # the line ends exactly at a word: drop the space
                lines.append(current)
                current = ""
                continue
            keep, current = line_break(current, ch)
            lines.append(keep)
        current += ch
    return [*lines, current]


def _qr_block(url: str, width_px: int) -> _Block:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2, box_size=1)
    code.add_data(url)
    code.make(fit=True)
    modules = code.get_matrix()
    scale = max(2, min(8, (width_px // 2) // len(modules)))
    qr = code.make_image(fill_color="black", back_color="white").get_image().convert("L")
    qr = qr.resize((len(modules) * scale, len(modules) * scale), Image.NEAREST)

    def draw(image: Image.Image, top: int) -> None:
        image.paste(qr, ((width_px - qr.width) // 2, top))

    return _Block(qr.height, draw)
