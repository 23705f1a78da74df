"""Checking uploaded materials: PDF, JPEG and PNG only, judged by content, within size limits.

Images are decoded fully and re-encoded, which drops EXIF/GPS metadata and anything appended to the file.
Files are stored under random names; the resident's file name is kept only as display text.
"""

from __future__ import annotations

import hashlib
import io
import uuid
from dataclasses import dataclass
from pathlib import PurePosixPath, PureWindowsPath

from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_REQUEST_BYTES = 40 * 1024 * 1024
MAX_IMAGE_PIXELS = 40_000_000  # about 7000×5700: any phone photo, but no decompression bomb

PDF, JPEG, PNG = "application/pdf", "image/jpeg", "image/png"
EXTENSIONS = {PDF: "pdf", JPEG: "jpg", PNG: "png"}


class UploadRejected(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class CleanUpload:
    content: ContentFile
    content_type: str
    original_name: str
    size: int
    sha256: str


def display_name(name: str) -> str:
    """The last path component of whatever the browser sent, without control characters, at most 100 chars."""
    base = PureWindowsPath(PurePosixPath(name or "").name).name
    base = "".join(ch for ch in base if ch.isprintable() and ch not in '<>:"/\\|?*')
    return base[:100] or _("未命名文件")


def sniff(data: bytes) -> str | None:
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    return None


def _check_pdf(data: bytes) -> bytes:
    if b"%%EOF" not in data[-2048:]:
        raise UploadRejected(_("PDF 文件不完整（可能上传中断），请重新上传。"))
    lowered = data.lower()
    if b"/javascript" in lowered or b"/launch" in lowered:
        raise UploadRejected(_("PDF 文件含有脚本或自动执行内容，出于安全原因不予接收，请另存为普通 PDF 后上传。"))
    return data


def _reencode_image(data: bytes, content_type: str) -> bytes:
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.width * image.height > MAX_IMAGE_PIXELS:
                raise UploadRejected(_("图片尺寸过大，请缩小后再上传。"))
            image.load()  # decodes every pixel: a truncated or corrupt image fails here
            if content_type == JPEG:
                clean = image.convert("RGB")
                out = io.BytesIO()
                clean.save(out, "JPEG", quality=90, optimize=True)
            else:
                clean = image.convert("RGBA" if "A" in image.getbands() else "RGB")
                out = io.BytesIO()
                clean.save(out, "PNG", optimize=True)
    except UploadRejected:
        raise
    except (OSError, UnidentifiedImageError, Image.DecompressionBombError, SyntaxError, ValueError):
        raise UploadRejected(_("图片文件已损坏或不完整，请重新拍照或重新上传。")) from None
    return out.getvalue()


def clean_upload(uploaded, *, bytes_already: int = 0) -> CleanUpload:
    """Validate one uploaded file; raise UploadRejected with a message naming the rule."""
    name = display_name(getattr(uploaded, "name", ""))
    size = getattr(uploaded, "size", None) or 0
    if size > MAX_FILE_BYTES:
        raise UploadRejected(_("“%(name)s”超过单个文件 10MB 的上限。") % {"name": name})
    data = uploaded.read()
    if not data:
        raise UploadRejected(_("“%(name)s”是空文件。") % {"name": name})
    if len(data) > MAX_FILE_BYTES:
        raise UploadRejected(_("“%(name)s”超过单个文件 10MB 的上限。") % {"name": name})
    if bytes_already + len(data) > MAX_REQUEST_BYTES:
        raise UploadRejected(_("本次申请的材料合计超过 40MB 的上限。"))
    content_type = sniff(data)
    if content_type is None:
        raise UploadRejected(
            _("“%(name)s”不是 PDF、JPEG 或 PNG 文件（按文件内容判断，与文件名无关）。") % {"name": name}
        )
    data = _check_pdf(data) if content_type == PDF else _reencode_image(data, content_type)
    stored_name = f"{uuid.uuid4().hex}.{EXTENSIONS[content_type]}"
    return CleanUpload(
        content=ContentFile(data, name=stored_name),
        content_type=content_type,
        original_name=name,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )
