"""An SVG seal impression reduced to static drawing: an allow-list of elements and attributes, rebuilt into a new
document, so that what is stored and later served or printed is only what we wrote.

Refused outright, with the reason, because a seal image that carries them is not what the public security organ
filed: a DOCTYPE or entity (entity expansion, external entities), scripts, event attributes, animation (<set> and
<animate*> can rewrite a link to javascript:), foreign or embedded content, links or styles that reach outside
the file, and <use> chains that multiply (a "billion laughs" drawn instead of parsed).
Dropped silently: anything else outside the allow-list (editor metadata such as Inkscape's sodipodi:namedview,
comments, processing instructions). The parser never fetches or expands anything (lxml with entities unresolved,
no network, no huge trees).
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _
from lxml import etree

SVG = "http://www.w3.org/2000/svg"
XLINK = "http://www.w3.org/1999/xlink"
XML = "http://www.w3.org/XML/1998/namespace"
MAX_ELEMENTS = 20_000
MAX_USES = 200

# Static drawing only. <use> is kept when it points inside the file (checked below).
ALLOWED_ELEMENTS = frozenset(
    {
        "svg",
        "g",
        "path",
        "circle",
        "ellipse",
        "rect",
        "line",
        "polyline",
        "polygon",
        "text",
        "tspan",
        "textPath",
        "defs",
        "symbol",
        "use",
        "clipPath",
        "mask",
        "linearGradient",
        "radialGradient",
        "stop",
        "title",
        "desc",
        "style",
    }
)
# Elements whose presence means the file does something other than draw: the file is refused.
ACTIVE_ELEMENTS = frozenset(
    {
        "script",
        "foreignObject",
        "set",
        "animate",
        "animateMotion",
        "animateTransform",
        "animateColor",
        "discard",
        "handler",
        "listener",
        "iframe",
        "embed",
        "object",
        "audio",
        "video",
    }
)
# Elements that show another file (a link, a picture): refused as reaching outside the file.
EMBEDDING_ELEMENTS = frozenset({"a", "image", "feImage"})
_ACTIVE_LOWER = frozenset(name.lower() for name in ACTIVE_ELEMENTS)
_EMBEDDING_LOWER = frozenset(name.lower() for name in EMBEDDING_ELEMENTS)
ALLOWED_ATTRIBUTES = frozenset(
    {
        "id",
        "class",
        "style",
        "transform",
        "d",
        "points",
        "x",
        "y",
        "x1",
        "y1",
        "x2",
        "y2",
        "cx",
        "cy",
        "r",
        "rx",
        "ry",
        "fx",
        "fy",
        "fr",
        "dx",
        "dy",
        "rotate",
        "width",
        "height",
        "viewBox",
        "preserveAspectRatio",
        "version",
        "pathLength",
        "fill",
        "fill-opacity",
        "fill-rule",
        "stroke",
        "stroke-width",
        "stroke-linecap",
        "stroke-linejoin",
        "stroke-miterlimit",
        "stroke-dasharray",
        "stroke-dashoffset",
        "stroke-opacity",
        "opacity",
        "color",
        "display",
        "visibility",
        "overflow",
        "clip-path",
        "clip-rule",
        "clipPathUnits",
        "mask",
        "maskUnits",
        "maskContentUnits",
        "offset",
        "stop-color",
        "stop-opacity",
        "gradientUnits",
        "gradientTransform",
        "spreadMethod",
        "font-family",
        "font-size",
        "font-weight",
        "font-style",
        "font-variant",
        "font-stretch",
        "letter-spacing",
        "word-spacing",
        "text-anchor",
        "text-decoration",
        "dominant-baseline",
        "alignment-baseline",
        "baseline-shift",
        "writing-mode",
        "textLength",
        "lengthAdjust",
        "vector-effect",
        "shape-rendering",
        "text-rendering",
        "paint-order",
        "startOffset",
        "method",
        "spacing",
        "side",
        "type",  # <style type="text/css">
    }
)
HREFS = (f"{{{XLINK}}}href", "href")
# In a style or any attribute: fetching (url() to anything but '#…', @import), old script hooks (expression(),
# behavior, -moz-binding), a javascript: or data: URL, and CSS escapes that could spell any of these in disguise.
UNSAFE_VALUE = re.compile(
    r"url\(\s*['\"]?\s*(?!#)|@import|expression\s*\(|behavior\s*:|-moz-binding|javascript\s*:|data\s*:|\\",
    re.IGNORECASE,
)


class SvgRejected(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _local(tag: str) -> tuple[str, str]:
    namespace, _sep, local = tag.rpartition("}")
    return namespace.lstrip("{"), local


def _active(what: str) -> SvgRejected:
    return SvgRejected(
        _("SVG 印模含有脚本、动画、事件属性或嵌入内容（%(what)s），出于安全原因不予接收，请导出为纯矢量 SVG 或 PNG。")
        % {"what": what}
    )


def _external() -> SvgRejected:
    return SvgRejected(_("SVG 印模引用了外部链接、文件或样式，或嵌入了图片，不予接收，请导出为纯矢量 SVG 或 PNG。"))


def _parse(data: bytes):
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SvgRejected(_("SVG 文件应使用 UTF-8 编码。")) from None
    # No document type declarations at all: they are how entity-expansion and external-entity attacks start.
    if re.search(r"<!DOCTYPE|<!ENTITY", text, re.IGNORECASE):
        raise SvgRejected(_("SVG 文件不能含有 DOCTYPE 或实体声明，请导出为普通 SVG 后上传。"))
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    try:
        root = etree.fromstring(text.encode("utf-8"), parser)
    except (etree.XMLSyntaxError, ValueError):
        raise SvgRejected(_("该文件不是有效的 SVG 图像（无法按 XML 解析）。")) from None
    if root.getroottree().docinfo.doctype:  # belt and braces: the text check above already refused it
        raise SvgRejected(_("SVG 文件不能含有 DOCTYPE 或实体声明，请导出为普通 SVG 后上传。"))
    if not isinstance(root.tag, str) or _local(root.tag) not in ((SVG, "svg"), ("", "svg")):
        raise SvgRejected(_("该文件不是 SVG 图像：根元素不是 <svg>。"))
    return root


def _check(root) -> None:
    """Refuse what is active or reaches outside, anywhere in the tree, whatever its namespace."""
    elements = list(root.iter())
    if len(elements) > MAX_ELEMENTS:
        raise SvgRejected(_("SVG 印模过于复杂（超过 %(n)d 个元素）。") % {"n": MAX_ELEMENTS})
    ids = {}
    for element in elements:
        if not isinstance(element.tag, str):  # an entity reference left unexpanded
            raise SvgRejected(_("SVG 文件不能含有 DOCTYPE 或实体声明，请导出为普通 SVG 后上传。"))
        local = _local(element.tag)[1]
        if local.lower() in _ACTIVE_LOWER:
            raise _active(f"<{local}>")
        if local.lower() in _EMBEDDING_LOWER:
            raise _external()
        if local == "style" and UNSAFE_VALUE.search(element.text or ""):
            raise _external()
        for attribute, value in element.attrib.items():
            name = _local(attribute)[1]
            if name.lower().startswith("on"):
                raise _active(name)
            if name == "href":
                if not value.strip().startswith("#"):
                    raise _external()
            elif UNSAFE_VALUE.search(value):
                raise _external()
        if element.get("id"):
            ids[element.get("id")] = element
    uses = [e for e in elements if _local(e.tag) == (SVG, "use")]
    if len(uses) > MAX_USES:
        raise SvgRejected(_("SVG 印模过于复杂（超过 %(n)d 个 <use> 引用）。") % {"n": MAX_USES})
    for use in uses:  # a <use> may show a shape, not another <use>: no exponential chains
        target = ids.get(next((use.get(h) for h in HREFS if use.get(h)), "#")[1:])
        if target is not None and any(_local(e.tag) == (SVG, "use") for e in target.iter()):
            raise SvgRejected(_("SVG 印模的 <use> 引用层层嵌套，不予接收。"))


def _copy(source, parent=None):
    """A new element with only allowed attributes, then its allowed children, recursively."""
    namespace, local = _local(source.tag)
    if namespace not in (SVG, "") or local not in ALLOWED_ELEMENTS:
        return None
    attributes = {}
    for attribute, value in source.attrib.items():
        a_namespace, a_local = _local(attribute)
        if attribute in HREFS:
            attributes[f"{{{XLINK}}}href"] = value.strip()
        elif a_namespace == "" and a_local in ALLOWED_ATTRIBUTES:
            attributes[a_local] = value
        elif a_namespace == XML and a_local == "space":
            attributes[attribute] = value
    tag = f"{{{SVG}}}{local}"
    element = etree.Element(tag, attributes, nsmap={None: SVG, "xlink": XLINK}) if parent is None else None
    if element is None:
        element = etree.SubElement(parent, tag, attributes)
    element.text = source.text
    for child in source:
        copied = _copy(child, element)
        if copied is not None:
            copied.tail = child.tail
    return element


def sanitise_svg(data: bytes) -> bytes:
    """The SVG rebuilt from allowed parts only, as UTF-8 bytes; SvgRejected with the reason otherwise."""
    root = _parse(data)
    _check(root)
    clean = _copy(root)
    return etree.tostring(clean, encoding="utf-8", xml_declaration=False)
