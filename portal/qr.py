"""QR codes as data: URLs, for pages and PDFs alike (the PDF renderer fetches only our static files and data: URLs).

segno is pure Python and writes SVG, so a code stays sharp at any print size."""

from __future__ import annotations

import base64

import segno


def qr_data_uri(text: str, *, scale: int = 3, error: str = "l") -> str:
    svg = segno.make(text, error=error).svg_inline(scale=scale, border=1)
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
