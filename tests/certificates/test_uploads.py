"""Uploaded materials are judged by content; every refusal names the rule."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from certificates.demo import TINY_PDF
from certificates.uploads import MAX_FILE_BYTES, UploadRejected, clean_upload, display_name


def jpeg_with_exif() -> bytes:
    image = Image.new("RGB", (40, 30), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {2: (34.0, 13.0, 0.0)}  # a GPS block
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (20, 20), (0, 0, 255)).save(out, "PNG")
    return out.getvalue()


PDF = TINY_PDF


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


def test_a_jpeg_is_reencoded_without_metadata():
    raw = jpeg_with_exif()
    assert b"PhoneMaker" in raw
    clean = clean_upload(upload("户口簿.jpg", raw))
    data = clean.content.read()
    assert clean.content_type == "image/jpeg" and b"PhoneMaker" not in data
    assert not Image.open(io.BytesIO(data)).getexif()
    assert clean.content.name.endswith(".jpg") and "户口簿" not in clean.content.name  # random stored name
    assert clean.original_name == "户口簿.jpg"


def test_pdf_and_png_are_accepted():
    assert clean_upload(upload("a.pdf", PDF)).content_type == "application/pdf"
    assert clean_upload(upload("b.png", png())).content_type == "image/png"


@pytest.mark.parametrize(
    "name,data,message",
    [
        ("empty.pdf", b"", "空文件"),
        ("tool.pdf", b"MZ\x90\x00\x03" + b"\x00" * 100, "不是 PDF、JPEG 或 PNG"),
        ("page.png", b"<html><script>alert(1)</script></html>", "不是 PDF、JPEG 或 PNG"),
        ("half.jpg", jpeg_with_exif()[:200], "损坏或不完整"),
        ("cut.pdf", PDF[:20], "不完整"),
        ("auto.pdf", b"%PDF-1.4\n<</OpenAction<</S/JavaScript/JS(app.alert(1))>>>>\n%%EOF", "脚本"),
    ],
)
def test_malformed_files_are_refused_with_the_rule(name, data, message):
    with pytest.raises(UploadRejected) as error:
        clean_upload(upload(name, data))
    assert message in error.value.message


def test_size_limits_per_file_and_per_request():
    with pytest.raises(UploadRejected, match="10MB"):
        clean_upload(upload("big.pdf", b"%PDF-" + b"0" * MAX_FILE_BYTES + b"%%EOF"))
    with pytest.raises(UploadRejected, match="40MB"):
        clean_upload(upload("a.pdf", PDF), bytes_already=40 * 1024 * 1024)


def test_paths_in_file_names_are_reduced_to_the_name():
    assert display_name("../../etc/passwd") == "passwd"
    assert display_name("C:\\Users\\wang\\身份证.jpg") == "身份证.jpg"
    assert display_name("") == "未命名文件"
    clean = clean_upload(upload("../../../x.pdf", PDF))
    assert ".." not in clean.content.name and "/" not in clean.content.name
