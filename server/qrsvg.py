"""A QR code as a small SVG (one path, one unit per module): crisp at any size, no image files."""
from __future__ import annotations

import qrcode
from qrcode.constants import ERROR_CORRECT_M

BORDER = 4  # quiet zone, in modules (the QR standard asks for 4)


def qr_matrix(text: str) -> list[list[bool]]:
    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0)
    qr.add_data(text.encode("utf-8"))
    qr.make(fit=True)
    return qr.get_matrix()


def qr_svg(text: str) -> str:
    matrix = qr_matrix(text)
    size = len(matrix) + 2 * BORDER
    cells = "".join(f"M{x + BORDER} {y + BORDER}h1v1h-1z" for y, row in enumerate(matrix)
                    for x, dark in enumerate(row) if dark)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" shape-rendering="crispEdges">'
            f'<rect width="{size}" height="{size}" fill="#fff"/><path fill="#000" d="{cells}"/></svg>')
