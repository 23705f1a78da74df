"""A battery of malformed and hostile uploads, each sent through the real pages over HTTP (a resident's application,
the counter entry and the desk's supplement by staff, the county officer's seal impression upload) and through the
service functions. Each refusal must give its clear Chinese reason (too large, damaged, not an allowed type, active
content, encrypted) and leave nothing behind: no Attachment row, no request, no file under MEDIA_ROOT.

The files are made in code (tests/security/malformed_files.py); nothing binary is committed.
"""

from __future__ import annotations

import io
import uuid
import zlib
from pathlib import Path
from urllib.parse import quote

import pikepdf
import pytest
from django.conf import settings
from django.urls import reverse

from catalog.models import IssuableItem
from certificates import pdf_inspect, services, uploads
from certificates.demo import TINY_PDF
from certificates.models import Attachment, CertificateRequest, PendingUpload, Status
from certificates.uploads import MAX_FILE_BYTES, UploadRejected, clean_upload
from seals import services as seal_services
from seals.impressions import MAX_IMPRESSION_BYTES, ImpressionRejected
from seals.models import Seal, SealKind
from tests.factories import make_request
from tests.security import malformed_files as bad

X = "610113001001"  # 育才路: resident_a, staff_x; in 雁塔区, the county officer's county

# The reasons, as the user reads them.
TYPE = "不是 PDF、JPEG 或 PNG 文件"
EMPTY = "是空文件"
TOO_BIG_FILE = "文件过大（最大 10MB）"
TOO_BIG_IMAGE = "图片尺寸过大（最大 4000 万像素）"
DAMAGED_IMAGE = "图片文件已损坏或不完整"
DAMAGED_PDF = "PDF 文件已损坏"
INCOMPLETE_PDF = "PDF 文件不完整"
ACTIVE = "含有脚本、自动执行动作、嵌入文件或表单提交等活动内容"
ENCRYPTED = "PDF 文件已加密"

MATERIALS = [
    # polyglots: one file, two readings
    pytest.param("户口簿.png", bad.png_header_then_html, DAMAGED_IMAGE, id="png-signature-then-html"),
    pytest.param("户口簿.jpg", bad.jpeg_header_then_pdf, DAMAGED_IMAGE, id="jpeg-start-then-pdf-with-script"),
    pytest.param("户口簿.pdf", bad.html_inside_pdf_header, DAMAGED_PDF, id="pdf-header-then-html"),
    # size
    pytest.param("空.pdf", lambda: b"", EMPTY, id="empty"),
    pytest.param("大.pdf", lambda: TINY_PDF + b"%" * (MAX_FILE_BYTES + 1), TOO_BIG_FILE, id="over-10MB"),
    pytest.param("巨图.png", lambda: bad.png_declaring(20000, 20000), TOO_BIG_IMAGE, id="png-20000x20000"),
    pytest.param("大图.png", lambda: bad.png_declaring(9000, 9000), TOO_BIG_IMAGE, id="png-9000x9000"),
    pytest.param("巨图.jpg", lambda: bad.jpeg_declaring(65000, 65000), TOO_BIG_IMAGE, id="jpeg-65000x65000"),
    # programs and pages under another name
    pytest.param("身份证.pdf", lambda: bad.ELF, TYPE, id="elf-named-pdf"),
    pytest.param("身份证.jpg", lambda: bad.MZ, TYPE, id="exe-named-jpg"),
    pytest.param("身份证.pdf", lambda: bad.HTML, TYPE, id="html-named-pdf"),
    pytest.param("身份证.png", lambda: bad.SVG_SCRIPT, TYPE, id="svg-named-png"),
    # PDFs with active content
    pytest.param("a.pdf", bad.pdf_with_obfuscated_javascript, ACTIVE, id="pdf-J#61vaScript"),
    pytest.param("a.pdf", bad.pdf_with_obfuscated_launch, ACTIVE, id="pdf-L#61unch"),
    pytest.param("a.pdf", bad.pdf_with_javascript_in_an_object_stream, ACTIVE, id="pdf-js-in-object-stream"),
    pytest.param("a.pdf", bad.pdf_with_javascript_in_an_update, ACTIVE, id="pdf-js-in-incremental-update"),
    pytest.param("a.pdf", bad.pdf_with_javascript_in_a_replaced_revision, ACTIVE, id="pdf-js-in-replaced-revision"),
    pytest.param(
        "a.pdf", bad.pdf_with_javascript_in_a_replaced_object_stream, ACTIVE, id="pdf-js-in-replaced-object-stream"
    ),
    pytest.param("a.pdf", bad.pdf_with_embedded_file, ACTIVE, id="pdf-embedded-file"),
    pytest.param("a.pdf", bad.pdf_with_page_open_action, ACTIVE, id="pdf-page-additional-action"),
    pytest.param("a.pdf", bad.pdf_with_xfa_form, ACTIVE, id="pdf-xfa-form"),
    pytest.param("a.pdf", bad.pdf_with_javascript_link, ACTIVE, id="pdf-javascript-uri"),
    pytest.param("a.pdf", bad.pdf_with_submit_form, ACTIVE, id="pdf-submit-form"),
    # PDFs staff cannot read
    pytest.param("a.pdf", lambda: bad.encrypted_pdf(user_password="1234"), ENCRYPTED, id="pdf-user-password"),
    pytest.param("a.pdf", lambda: bad.encrypted_pdf(user_password=""), ENCRYPTED, id="pdf-owner-password-only"),
    pytest.param("a.pdf", bad.truncated_pdf, INCOMPLETE_PDF, id="pdf-truncated"),
    pytest.param("a.pdf", bad.damaged_pdf, DAMAGED_PDF, id="pdf-damaged"),
    pytest.param("a.jpg", bad.truncated_jpeg, DAMAGED_IMAGE, id="jpeg-truncated"),
]

SVG_ACTIVE = "SVG 印模含有脚本、动画、事件属性或嵌入内容"
SVG_EXTERNAL = "SVG 印模引用了外部链接、文件或样式"
SVG_DOCTYPE = "SVG 文件不能含有 DOCTYPE 或实体声明"
IMPRESSION_TYPE = "只接受 SVG 或 PNG 格式的印模图像"

IMPRESSIONS = [
    pytest.param("seal.svg", lambda: bad.SVG_SCRIPT, SVG_ACTIVE, id="svg-script"),
    pytest.param("seal.svg", lambda: bad.SVG_ONLOAD, SVG_ACTIVE, id="svg-onload"),
    pytest.param("seal.svg", lambda: bad.SVG_SET_JAVASCRIPT, SVG_ACTIVE, id="svg-set-xlink-href-javascript"),
    pytest.param("seal.svg", lambda: bad.SVG_SET_HREF, SVG_ACTIVE, id="svg-set-href-javascript"),
    pytest.param("seal.svg", lambda: bad.SVG_ANIMATE, SVG_ACTIVE, id="svg-animate"),
    pytest.param("seal.svg", lambda: bad.SVG_FOREIGN, SVG_ACTIVE, id="svg-foreign-object"),
    pytest.param("seal.svg", lambda: bad.SVG_EXTERNAL_USE, SVG_EXTERNAL, id="svg-xlink-href-external"),
    pytest.param("seal.svg", lambda: bad.SVG_EXTERNAL_STYLE, SVG_EXTERNAL, id="svg-style-url-external"),
    pytest.param("seal.svg", lambda: bad.SVG_IMPORT_STYLE, SVG_EXTERNAL, id="svg-style-import"),
    pytest.param("seal.svg", lambda: bad.SVG_BILLION_LAUGHS, SVG_DOCTYPE, id="svg-billion-laughs"),
    pytest.param("seal.svg", lambda: bad.SVG_XXE, SVG_DOCTYPE, id="svg-external-entity"),
    pytest.param("seal.svg", lambda: bad.SVG_USE_CHAIN, "层层嵌套", id="svg-use-chain"),
    pytest.param("seal.svg", lambda: b"", ("空文件", "提交的文件为空"), id="empty"),
    pytest.param("seal.svg", lambda: bad.svg(b" " * MAX_IMPRESSION_BYTES), "文件过大（最大 1MB）", id="svg-over-1MB"),
    pytest.param(
        "seal.png", lambda: bad.png_declaring(20000, 20000), "图片尺寸过大（最大 400 万像素）", id="png-20000x20000"
    ),
    pytest.param("seal.png", bad.png_header_then_html, "PNG 图像已损坏", id="png-signature-then-html"),
    pytest.param("seal.png", lambda: bad.MZ, IMPRESSION_TYPE, id="exe-named-png"),
    pytest.param("seal.svg", lambda: bad.ELF, IMPRESSION_TYPE, id="elf-named-svg"),
    pytest.param("seal.svg", bad.pdf_with_obfuscated_javascript, IMPRESSION_TYPE, id="pdf-named-svg"),
    pytest.param("seal.svg", lambda: bad.HTML, SVG_DOCTYPE, id="html-named-svg"),
]


# --- helpers ---------------------------------------------------------------------------------------------------------


class RawUpload(io.BytesIO):
    """An uploaded file exactly as a client could name it: Django's UploadedFile would already strip the path."""

    def __init__(self, name: str, data: bytes):
        super().__init__(data)
        self.name, self.size = name, len(data)


def multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes]]) -> tuple[bytes, str]:
    """A multipart/form-data body written by hand, so file names reach the server as sent (paths, NUL, newline)."""
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, (file_name, data) in files.items():
        parts.append(
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename*=UTF-8''{quote(file_name)}"
            f"\r\nContent-Type: application/octet-stream\r\n\r\n".encode()
            + data
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def post(client, url: str, fields: dict[str, str], files: dict[str, tuple[str, bytes]]):
    body, content_type = multipart(fields, files)
    return client.post(url, data=body, content_type=content_type)


def stored_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def says(text: str, expected: str | tuple[str, ...]) -> bool:
    return any(fragment in text for fragment in ((expected,) if isinstance(expected, str) else expected))


APPLICATION = {
    "applicant_name": "王小明",
    "applicant_phone": "13800000001",
    "purpose": "办理亲属关系公证",
    "requesting_body": "西安市某公证处",
    "requesting_basis": "《公证程序规则》第二十六条",
    "field_relative_name": "李四",
    "field_relation": "父子",
    "field_notary_office": "西安市某公证处",
}


@pytest.fixture
def item(db) -> IssuableItem:
    return IssuableItem.objects.get(code="610113-ZM01")  # 亲属关系证明: materials 0 and 1 required


@pytest.fixture
def seal(personas) -> Seal:
    return seal_services.seal_register(
        community=personas.community_x,
        name="育才路社区居民委员会证明专用章",
        kind=SealKind.CERTIFICATE,
        keeper=personas.keeper,
        actor=personas.director,
        is_specimen=True,
    )


def apply(client, item, name: str, data: bytes):
    return post(
        client,
        reverse("requests:apply", args=[X, item.code]),
        APPLICATION,
        {"material_0": ("身份证.pdf", TINY_PDF), "material_1": (name, data)},
    )


def counter(client, personas, item, name: str, data: bytes):
    fields = {**APPLICATION, "applicant_id_number": personas.resident_a.id_number, "account": ""}
    return post(
        client,
        reverse("desk:counter_entry", args=[X, item.code]),
        fields,
        {"material_0": ("身份证.pdf", TINY_PDF), "material_1": (name, data)},
    )


def awaiting_supplement(personas, item) -> CertificateRequest:
    return make_request(
        community=personas.community_x, item=item, applicant=personas.resident_a, status=Status.AWAITING_SUPPLEMENT
    )


def desk_supplement(client, request: CertificateRequest, name: str, data: bytes):
    request.refresh_from_db()
    fields = {"action": "supplement", "supplement-revision": str(request.revision), "supplement-note": "窗口补交"}
    return post(client, reverse("desk:detail", args=[request.pk]), fields, {"supplement-files": (name, data)})


def impression(client, seal: Seal, name: str, data: bytes):
    url = reverse("seals:impression_upload", args=[X, seal.pk])
    return post(client, url, {"confirm": "on"}, {"file": (name, data)})


# --- materials: refused over HTTP, on every page that takes them ----------------------------------------------------


@pytest.mark.parametrize("name, make, reason", MATERIALS)
def test_a_resident_applying_with_a_bad_file_is_told_why_and_nothing_is_kept(personas, login, item, name, make, reason):
    response = apply(login(personas.resident_a), item, name, make())
    page = response.content.decode()
    assert response.status_code == 200 and says(page, reason), page[:3000]
    assert 'value="李四"' in page  # what was typed is kept
    assert not CertificateRequest.objects.exists() and not Attachment.objects.exists()
    # only the good file is kept for the resident's next submit (a pending upload); the bad one nowhere
    assert list(PendingUpload.objects.values_list("original_name", flat=True)) == ["身份证.pdf"]
    assert [path for path in stored_files() if "pending" not in path.parts] == []
    assert len(stored_files()) == 1


@pytest.mark.parametrize("name, make, reason", MATERIALS)
def test_staff_at_the_counter_with_a_bad_file_are_told_why_and_nothing_is_kept(
    personas, login, item, name, make, reason
):
    response = counter(login(personas.staff_x), personas, item, name, make())
    page = response.content.decode()
    assert response.status_code == 200 and says(page, reason), page[:3000]
    assert not CertificateRequest.objects.exists() and not Attachment.objects.exists()
    assert stored_files() == []


@pytest.mark.parametrize("name, make, reason", MATERIALS)
def test_staff_handing_in_a_bad_supplement_are_told_why_and_nothing_is_kept(personas, login, item, name, make, reason):
    request = awaiting_supplement(personas, item)
    response = desk_supplement(login(personas.staff_x), request, name, make())
    assert response.status_code in (200, 400) and says(response.content.decode(), reason)
    request.refresh_from_db()
    assert request.status == Status.AWAITING_SUPPLEMENT and not Attachment.objects.exists()
    assert stored_files() == []


# --- materials: refused by the services, whoever calls them ---------------------------------------------------------


@pytest.mark.parametrize("name, make, reason", MATERIALS)
def test_the_services_refuse_each_bad_file_with_its_reason(personas, item, name, make, reason):
    with pytest.raises(UploadRejected) as refused:
        clean_upload(RawUpload(name, make()))
    assert says(refused.value.message, reason)
    request = awaiting_supplement(personas, item)
    good = RawUpload("好.pdf", TINY_PDF)
    with pytest.raises(UploadRejected) as refused:  # all or nothing: the good file beside it is not kept either
        services.attachments_add(
            request=request, actor=personas.staff_x, uploads=[("其他", good), ("其他", RawUpload(name, make()))]
        )
    assert says(refused.value.message, reason)
    assert not Attachment.objects.exists() and stored_files() == []


# --- materials that are accepted, and what is kept of them ----------------------------------------------------------


def test_an_image_with_an_archive_appended_is_kept_as_the_image_only(personas, login, item):
    data = bad.jpeg_with_zip_appended()
    assert b"ZIPPAYLOAD" in data and b"PK\x03\x04" in data
    response = apply(login(personas.resident_a), item, "户口簿.jpg", data)
    assert response.status_code == 302
    attachment = Attachment.objects.get(original_name="户口簿.jpg")
    kept = attachment.file.read()
    assert kept.startswith(b"\xff\xd8\xff") and b"PK\x03\x04" not in kept and b"ZIPPAYLOAD" not in kept


def test_a_pdf_with_a_web_link_is_accepted(personas):
    # A link opens only when the reader clicks it, and readers ask first: bank and government documents carry them.
    assert clean_upload(RawUpload("对账单.pdf", bad.pdf_with_web_link())).content_type == "application/pdf"


@pytest.mark.parametrize(
    "sent, shown",
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\windows\\win.ini", "win.ini"),
        ("C:\\windows\\x.pdf", "x.pdf"),
        ("/var/www/media/../../x.pdf", "x.pdf"),
        ("证明\x00.exe.pdf", "证明.exe.pdf"),
        ("户口\n簿\r.pdf", "户口簿.pdf"),
    ],
)
def test_stored_names_never_use_the_clients_path(personas, login, item, sent, shown):
    clean = clean_upload(RawUpload(sent, TINY_PDF))
    assert clean.original_name == shown
    assert clean.content.name.removesuffix(".pdf") == uuid.UUID(clean.content.name[:32]).hex

    response = apply(login(personas.resident_a), item, sent, TINY_PDF)
    assert response.status_code == 302, response.content.decode()[:3000]
    attachment = Attachment.objects.get(material="当事人户口簿")
    assert "\x00" not in attachment.original_name and "\n" not in attachment.original_name
    assert "/" not in attachment.original_name and "\\" not in attachment.original_name
    stored = Path(attachment.file.path)
    assert stored.resolve().is_relative_to(Path(settings.MEDIA_ROOT).resolve())
    assert stored.suffix == ".pdf" and uuid.UUID(stored.stem)  # a random name, nothing of the client's


# --- seal impressions ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name, make, reason", IMPRESSIONS)
def test_a_bad_impression_upload_is_refused_with_its_reason_and_nothing_is_kept(
    personas, login, seal, name, make, reason
):
    response = impression(login(personas.county_officer), seal, name, make())
    page = response.content.decode()
    assert response.status_code == 400 and says(page, reason), page[:3000]
    seal.refresh_from_db()
    assert seal.is_specimen and not seal.impression and stored_files() == []


@pytest.mark.parametrize("name, make, reason", IMPRESSIONS)
def test_the_seal_service_refuses_each_bad_impression(personas, seal, name, make, reason):
    with pytest.raises(ImpressionRejected) as refused:
        seal_services.seal_set_impression(seal=seal, upload=RawUpload(name, make()), actor=personas.county_officer)
    assert says(refused.value.message, reason)
    seal.refresh_from_db()
    assert seal.is_specimen and not seal.impression and stored_files() == []


def test_the_set_element_is_named_in_the_reason(personas, seal):
    with pytest.raises(ImpressionRejected, match="<set>"):
        seal_services.seal_set_impression(
            seal=seal, upload=RawUpload("s.svg", bad.SVG_SET_JAVASCRIPT), actor=personas.county_officer
        )


def test_an_svg_impression_is_stored_rebuilt_from_its_drawing_only(personas, login, seal):
    response = impression(login(personas.county_officer), seal, "seal.svg", bad.CLEAN_SVG)
    assert response.status_code == 302
    seal.refresh_from_db()
    assert not seal.is_specimen and seal.impression.name.endswith(".svg")
    assert Path(seal.impression.name).stem != "seal" and uuid.UUID(Path(seal.impression.name).stem)
    kept = seal.impression.read()
    assert kept != bad.CLEAN_SVG
    for gone in (b"sodipodi", b"metadata", b"editor data", b"a comment", b"<?xml"):
        assert gone not in kept
    for drawn in (
        b"<circle",
        b'<textPath xlink:href="#arc">',
        "育才路社区居民委员会".encode(),
        b'<use xlink:href="#arc"',
    ):
        assert drawn in kept
    served = login(personas.staff_x).get(reverse("seals:impression", args=[X, seal.pk]))
    policy = {d.strip() for d in served["Content-Security-Policy"].split(";")}
    assert served.content == kept and "default-src 'none'" in policy


def test_a_png_impression_with_an_archive_appended_is_kept_as_the_image_only(personas, seal):
    data = bad.png() + bad.jpeg_with_zip_appended()[-200:]
    seal = seal_services.seal_set_impression(seal=seal, upload=RawUpload("s.png", data), actor=personas.county_officer)
    kept = seal.impression.read()
    assert kept.startswith(b"\x89PNG") and b"PK" not in kept.split(b"IEND")[-1] and kept.endswith(b"IEND\xaeB`\x82")


# --- the PDF judge: each of its two looks is needed, and its work is bounded ----------------------------------------


def test_the_object_graph_sees_a_script_in_a_compressed_object_stream():
    data = bad.pdf_with_javascript_in_an_object_stream()
    pdf_inspect._check_names(pdf_inspect._STREAM_BODY.sub(b" ", data))  # nothing readable in the raw bytes
    with pikepdf.open(io.BytesIO(data)) as document, pytest.raises(pdf_inspect.Refused) as refused:
        pdf_inspect.walk(document, pikepdf)
    assert refused.value.verdict == "active"


def test_only_the_raw_scan_sees_a_script_in_a_replaced_revision():
    data = bad.pdf_with_javascript_in_a_replaced_revision()
    with pikepdf.open(io.BytesIO(data)) as document:
        pdf_inspect.walk(document, pikepdf)  # the live document is clean
    with pytest.raises(pdf_inspect.Refused) as refused:
        pdf_inspect.scan_raw(data)
    assert refused.value.verdict == "active" and refused.value.detail == "JavaScript"


def test_only_the_decoded_object_streams_show_a_script_in_a_replaced_object_stream():
    data = bad.pdf_with_javascript_in_a_replaced_object_stream()
    with pikepdf.open(io.BytesIO(data)) as document:
        pdf_inspect.walk(document, pikepdf)  # the live document is clean
    pdf_inspect._check_names(pdf_inspect._STREAM_BODY.sub(b" ", data))  # and so are the bytes outside streams
    with pytest.raises(pdf_inspect.Refused) as refused:
        pdf_inspect.scan_raw(data)
    assert refused.value.verdict == "active"


def test_decoding_object_streams_stops_at_its_budget(monkeypatch):
    """A compressed object stream that inflates without end is read only up to the budget (a 'zip bomb')."""
    bomb = zlib.compress(b" " * (8 * 1024 * 1024) + b"/JavaScript")
    data = bad.pdf(
        more=(b"<</Type/ObjStm/N 1/First 4/Filter/FlateDecode/Length %d>>stream\n" % len(bomb) + bomb + b"\nendstream",)
    )
    with pytest.raises(pdf_inspect.Refused):  # within the budget, the name is found
        pdf_inspect.scan_raw(data)
    monkeypatch.setattr(pdf_inspect, "MAX_OBJECT_STREAM_BYTES", 1024 * 1024)
    pdf_inspect.scan_raw(data)  # past the budget nothing more is decoded: the scan ends, and qpdf judges the rest


def test_a_pdf_with_too_many_pages_is_refused_with_the_limit():
    document = pikepdf.new()
    for _page in range(pdf_inspect.MAX_PAGES + 1):
        document.add_blank_page()
    out = io.BytesIO()
    document.save(out)
    with pytest.raises(UploadRejected, match=f"最多 {pdf_inspect.MAX_PAGES} 页"):
        clean_upload(RawUpload("长.pdf", out.getvalue()))


def test_a_pdf_judge_that_does_not_finish_is_stopped_and_the_file_refused(monkeypatch, tmp_path):
    endless = tmp_path / "endless.py"
    endless.write_text("while True:\n    pass\n")
    monkeypatch.setattr(uploads, "_INSPECTOR", endless)
    monkeypatch.setattr(uploads, "PDF_CHECK_SECONDS", 1)
    monkeypatch.setattr(uploads, "_VERDICTS", {})
    with pytest.raises(UploadRejected, match="无法完成安全检查"):
        clean_upload(RawUpload("复杂.pdf", TINY_PDF))


def test_a_pdf_judge_that_dies_refuses_the_file(monkeypatch, tmp_path):
    dying = tmp_path / "dying.py"
    dying.write_text("raise MemoryError\n")
    monkeypatch.setattr(uploads, "_INSPECTOR", dying)
    monkeypatch.setattr(uploads, "_VERDICTS", {})
    with pytest.raises(UploadRejected, match="无法完成安全检查"):
        clean_upload(RawUpload("复杂.pdf", TINY_PDF))
