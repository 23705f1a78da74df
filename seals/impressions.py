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


def arc_text_path(text: str, *, radius: float, size: float, span: float = 220.0, centre: float = 100.0) -> str:
    """SVG path data drawing text glyph by glyph along the top of a circle, as on a seal: each glyph's baseline is
    tangent to the circle of `radius`, its top facing outwards, the whole run centred on the top. WeasyPrint ignores
    SVG <textPath>, so the glyphs are placed one by one as outlines. `span` is the widest arc in degrees."""
    import math

    from fontTools.pens.svgPathPen import SVGPathPen
    from fontTools.pens.transformPen import TransformPen

    if not text:
        return ""
    font = _font()
    cmap, glyphs, metrics = font.getBestCmap(), font.getGlyphSet(), font["hmtx"].metrics
    scale = size / font["head"].unitsPerEm
    names = [cmap.get(ord(ch), ".notdef") for ch in text]
    # Glyphs sit a little apart (a seal's lettering is spaced), and never wider than the span allows.
    step = min(span / max(len(names) - 1, 1), math.degrees(1.15 * size / radius))
    first = -step * (len(names) - 1) / 2
    pen = SVGPathPen(glyphs)
    for i, name in enumerate(names):
        a = math.radians(first + i * step)
        cos, sin = math.cos(a), math.sin(a)
        cx, cy = centre + radius * sin, centre - radius * cos  # the glyph's baseline centre on the circle
        ox = -metrics[name][0] * scale / 2
        glyphs[name].draw(
            TransformPen(pen, (scale * cos, scale * sin, scale * sin, -scale * cos, cx + ox * cos, cy + ox * sin))
        )
    return pen.getCommands()


@functools.cache
def specimen_svg(community_name: str, kind: str = "certificate") -> str:
    """A specimen seal (样章): the committee's full name curved along the ring glyph by glyph, the five-pointed star,
    证明专用章 on a certificate seal, and 样章 / SPECIMEN so that it never passes for a real seal.

    The ink's transparency is fill-opacity / stroke-opacity on the shapes, not a group opacity: WeasyPrint draws a
    group opacity into a separate transparency group after measuring the bounding box of every outline (parsing each
    path a second time), which was about a third of the seal's drawing time. The glyphs do not overlap, so it looks
    the same."""
    with _DRAW_LOCK:
        size = 17 if len(community_name) <= 16 else 14
        name = arc_text_path(community_name[:24], radius=69, size=size, span=250)
        purpose = text_path("证明专用章", centre_x=100, baseline=146, size=15) if kind == "certificate" else ""
        mark = text_path("样章", centre_x=100, baseline=166, size=12)
        latin = text_path("SPECIMEN", centre_x=100, baseline=180, size=8)
    return f"""<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 200" width="200" height="200">
  <circle cx="100" cy="100" r="93" fill="none" stroke="#d0021b" stroke-width="5" stroke-opacity="0.88"/>
  <g fill="#d0021b" fill-opacity="0.88">
    <polygon points="100,76 106.5,95.1 126.6,95.1 110.4,107 116.5,126.1 100,114.4 83.5,126.1 89.6,107 73.4,95.1 93.5,95.1"/>
    <path d="{name}"/><path d="{purpose}"/><path d="{mark}"/><path d="{latin}"/>
  </g>
</svg>"""


def impression_data_url(seal: Seal) -> str:
    """The seal's impression as a data: URL (the PDF renderer loads nothing else from outside its static files)."""
    if seal.impression:
        with seal.impression.open("rb") as handle:
            data = handle.read()
        kind = SVG_TYPE if seal.impression.name.lower().endswith(".svg") else "image/png"
    else:
        data, kind = specimen_svg(seal.community.committee_name(), seal.kind).encode(), SVG_TYPE
    return f"data:{kind};base64,{base64.b64encode(data).decode()}"
