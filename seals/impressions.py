"""Seal impression images: reading an uploaded impression, and drawing a specimen (样章) for demo data.

A specimen is visibly not a real seal: it says 样章 across its centre, so a demo document cannot pass for real.
"""

from __future__ import annotations

import base64
import html

from seals.models import Seal

SVG_TYPE = "image/svg+xml"


def specimen_svg(community_name: str) -> str:
    name = html.escape(community_name[:16])
    return f"""<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 200" width="200" height="200">
  <g fill="none" stroke="#d0021b" stroke-width="6" opacity="0.85">
    <circle cx="100" cy="100" r="92"/>
  </g>
  <g fill="#d0021b" opacity="0.85" font-family="Noto Serif CJK SC, serif" text-anchor="middle">
    <polygon points="100,52 111,84 145,84 118,104 128,136 100,117 72,136 82,104 55,84 89,84"/>
    <text x="100" y="160" font-size="15">{name}</text>
    <text x="100" y="40" font-size="17" font-weight="bold">样 章</text>
    <text x="100" y="185" font-size="11">SPECIMEN · 无效</text>
  </g>
</svg>"""


def impression_data_url(seal: Seal) -> str:
    """The seal's impression as a data: URL (the PDF renderer loads nothing else from outside its static files)."""
    if seal.impression:
        with seal.impression.open("rb") as handle:
            data = handle.read()
        kind = SVG_TYPE if seal.impression.name.lower().endswith(".svg") else "image/png"
    else:
        data, kind = specimen_svg(seal.community.name).encode(), SVG_TYPE
    return f"data:{kind};base64,{base64.b64encode(data).decode()}"
