"""Seal impression images: judging an uploaded impression, and drawing a specimen (样章) for demo data.

An uploaded impression is SVG or PNG, judged by content. A PNG is re-encoded (portal/images.py); an SVG is
rebuilt from an allow-list of static drawing elements (seals/svg.py). What is stored is the clean result, never
the file as sent.

A specimen is visibly not a real seal: it says 样章 and SPECIMEN, so a demo document cannot pass for real.
Its lettering is drawn as outlines taken from the CJK font, so the image needs no font when it is printed
(an SVG <text> would make the PDF embed a second, large font face).
"""

from __future__ import annotations

import base64
import functools
import threading

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from portal.fontfiles import load_font
from portal.images import ImageDamaged, ImageTooLarge, pixel_count, reencode_image
from seals.models import Seal
from seals.svg import SvgRejected, sanitise_svg

SVG_TYPE = "image/svg+xml"
MAX_IMPRESSION_BYTES = 1024 * 1024
MAX_IMPRESSION_PIXELS = 4_000_000  # 2000×2000 is far more than a seal impression needs
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
LETTERING_FONT = "Noto Serif CJK SC:bold"
# fontTools font objects are not safe to share between threads while they load glyphs: draw one at a time.
_DRAW_LOCK = threading.Lock()


class ImpressionRejected(ValidationError):
    """The uploaded impression file is refused; the message says why (too large, damaged, wrong type, active)."""


def clean_impression(upload) -> tuple[bytes, str]:
    """The clean bytes of an uploaded impression and their extension ("svg" or "png"), or ImpressionRejected."""
    too_big = _("文件过大（最大 %(mb)dMB），请压缩后再上传。") % {"mb": MAX_IMPRESSION_BYTES >> 20}
    if (getattr(upload, "size", None) or 0) > MAX_IMPRESSION_BYTES:
        raise ImpressionRejected(too_big)
    data = upload.read(MAX_IMPRESSION_BYTES + 1)
    if not data:
        raise ImpressionRejected(_("上传的印模图像是空文件。"))
    if len(data) > MAX_IMPRESSION_BYTES:
        raise ImpressionRejected(too_big)
    if data.startswith(PNG_MAGIC):
        try:
            return reencode_image(data, image_format="PNG", max_pixels=MAX_IMPRESSION_PIXELS), "png"
        except ImageTooLarge:
            raise ImpressionRejected(
                _("图片尺寸过大（最大 %(pixels)s像素），请缩小后再上传。")
                % {"pixels": pixel_count(MAX_IMPRESSION_PIXELS)}
            ) from None
        except ImageDamaged:
            raise ImpressionRejected(_("PNG 图像已损坏或不完整，无法读取。")) from None
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<?xml", b"<svg", b"<!--", b"<!doctype")):
        try:
            return sanitise_svg(data), "svg"
        except SvgRejected as rejected:
            raise ImpressionRejected(rejected.message) from None
    raise ImpressionRejected(_("只接受 SVG 或 PNG 格式的印模图像（按文件内容判断，而非文件名）。"))


@functools.cache
def _font():
    return load_font(LETTERING_FONT)


def text_path(text: str, *, centre_x: float, baseline: float, size: float) -> str:
    """SVG path data drawing text centred on centre_x, from the font's glyph outlines."""
    from fontTools.pens.svgPathPen import SVGPathPen
    from fontTools.pens.transformPen import TransformPen

    font = _font()
    cmap, glyphs, metrics = font.getBestCmap(), font.getGlyphSet(), font["hmtx"].metrics
    scale = size / font["head"].unitsPerEm
    names = [cmap.get(ord(ch), ".notdef") for ch in text]
    width = sum(metrics[name][0] for name in names) * scale
    x = centre_x - width / 2
    pen = SVGPathPen(glyphs)
    for name in names:
        glyphs[name].draw(TransformPen(pen, (scale, 0, 0, -scale, x, baseline)))
        x += metrics[name][0] * scale
    return pen.getCommands()


@functools.cache
def specimen_svg(community_name: str) -> str:
    with _DRAW_LOCK:
        name = text_path(community_name[:14], centre_x=100, baseline=150, size=14)
        mark = text_path("样 章", centre_x=100, baseline=124, size=26)
        latin = text_path("SPECIMEN", centre_x=100, baseline=174, size=11)
    return f"""<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 200" width="200" height="200">
  <circle cx="100" cy="100" r="92" fill="none" stroke="#d0021b" stroke-width="6" opacity="0.85"/>
  <g fill="#d0021b" opacity="0.85">
    <polygon points="100,30 107,52 130,52 111,65 118,87 100,74 82,87 89,65 70,52 93,52"/>
    <path d="{name}"/><path d="{mark}"/><path d="{latin}"/>
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
