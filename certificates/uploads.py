"""Checking uploaded materials: PDF, JPEG and PNG only, judged by content, within size limits.

Images are judged by their declared size before decoding, then decoded fully and re-encoded, which drops EXIF/GPS
metadata and anything appended to the file (portal/images.py). PDFs are parsed by qpdf (pikepdf) in a separate,
resource-limited process that refuses active content: scripts, launch and event actions, embedded files, XFA
forms, form submission (pdf_inspect.py). Every refusal says which: too large, damaged, not allowed, active.
Files are stored under random names; the resident's file name is kept only as display text.
"""

from __future__ import annotations

import hashlib
import json
import logging
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath

from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

from certificates.pdf_inspect import MAX_PAGES as MAX_PDF_PAGES
from portal.images import ImageDamaged, ImageTooLarge, pixel_count, reencode_image

logger = logging.getLogger(__name__)

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_REQUEST_BYTES = 40 * 1024 * 1024
MAX_IMAGE_PIXELS = 40_000_000  # about 7000×5700: any phone photo, but no decompression bomb

PDF, JPEG, PNG = "application/pdf", "image/jpeg", "image/png"
EXTENSIONS = {PDF: "pdf", JPEG: "jpg", PNG: "png"}
PIL_FORMATS = {JPEG: "JPEG", PNG: "PNG"}


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


# The PDF judge runs in its own process (see pdf_inspect.py): a wall-clock bound on top of its CPU and memory limits.
PDF_CHECK_SECONDS = 20
_INSPECTOR = Path(__file__).with_name("pdf_inspect.py")


_VERDICTS: dict[str, tuple[str, str]] = {}  # SHA-256 → verdict: the same bytes (demo data, a re-upload) judged once


def _pdf_verdict(data: bytes) -> tuple[str, str]:
    digest = hashlib.sha256(data).hexdigest()
    if digest in _VERDICTS:
        return _VERDICTS[digest]
    try:
        done = subprocess.run(  # noqa: S603 - our own interpreter and inspector script; the PDF goes in on stdin
            [sys.executable, "-I", str(_INSPECTOR)],
            input=data,
            capture_output=True,
            timeout=PDF_CHECK_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return "too_complex", "timeout"
    try:
        verdict = json.loads(done.stdout.decode())
        result = str(verdict["verdict"]), str(verdict.get("detail", ""))
    except (ValueError, KeyError, TypeError):  # killed at its CPU or memory limit, or could not start
        logger.warning(
            "PDF inspector failed (exit %s): %s", done.returncode, done.stderr.decode(errors="replace")[-500:]
        )
        return "too_complex", "inspector failed"
    if len(_VERDICTS) >= 256:
        _VERDICTS.pop(next(iter(_VERDICTS)), None)
    _VERDICTS[digest] = result
    return result


def _check_pdf(data: bytes, name: str) -> bytes:
    if b"%%EOF" not in data[-2048:]:
        raise UploadRejected(_("“%(name)s”：PDF 文件不完整（可能上传中断），请重新上传。") % {"name": name})
    verdict, detail = _pdf_verdict(data)
    if verdict == "ok":
        return data
    logger.info("PDF upload %r refused: %s %s", name, verdict, detail)
    messages = {
        "damaged": _("“%(name)s”：PDF 文件已损坏，无法读取，请重新生成或重新扫描后上传。"),
        "encrypted": _("“%(name)s”：PDF 文件已加密或设有密码，工作人员无法查看，请去除密码后重新上传。"),
        "active": _(
            "“%(name)s”：PDF 文件含有脚本、自动执行动作、嵌入文件或表单提交等活动内容，出于安全原因不予接收，"
            "请用“打印为 PDF”另存为普通 PDF 后上传。"
        ),
        "too_many_pages": _("“%(name)s”：PDF 文件页数过多（最多 %(pages)d 页），请只上传所需页面。"),
    }
    message = messages.get(verdict) or _(
        "“%(name)s”：PDF 文件结构过于复杂，无法完成安全检查，请用“打印为 PDF”另存为普通 PDF 后上传。"
    )
    raise UploadRejected(message % {"name": name, "pages": MAX_PDF_PAGES})


def _reencode_image(data: bytes, content_type: str, name: str) -> bytes:
    try:
        return reencode_image(data, image_format=PIL_FORMATS[content_type], max_pixels=MAX_IMAGE_PIXELS)
    except ImageTooLarge:
        raise UploadRejected(
            _("“%(name)s”：图片尺寸过大（最大 %(pixels)s像素），请缩小后再上传。")
            % {"name": name, "pixels": pixel_count(MAX_IMAGE_PIXELS)}
        ) from None
    except ImageDamaged:
        raise UploadRejected(_("“%(name)s”：图片文件已损坏或不完整，请重新拍照或重新上传。") % {"name": name}) from None


def clean_upload(uploaded, *, bytes_already: int = 0) -> CleanUpload:
    """Validate one uploaded file; raise UploadRejected with a message naming the rule."""
    name = display_name(getattr(uploaded, "name", ""))
    size = getattr(uploaded, "size", None) or 0
    too_big = _("“%(name)s”：文件过大（最大 %(mb)dMB），请压缩后再上传。") % {"name": name, "mb": MAX_FILE_BYTES >> 20}
    if size > MAX_FILE_BYTES:
        raise UploadRejected(too_big)
    if hasattr(uploaded, "seek"):
        uploaded.seek(0)  # a file checked once already (all errors are collected before anything is kept)
    data = uploaded.read(MAX_FILE_BYTES + 1)  # never more than the limit in memory, whatever size was claimed
    if not data:
        raise UploadRejected(_("“%(name)s”是空文件。") % {"name": name})
    if len(data) > MAX_FILE_BYTES:
        raise UploadRejected(too_big)
    if bytes_already + len(data) > MAX_REQUEST_BYTES:
        raise UploadRejected(_("本次申请的材料合计超过 40MB 的上限。"))
    content_type = sniff(data)
    if content_type is None:
        raise UploadRejected(
            _("“%(name)s”不是 PDF、JPEG 或 PNG 文件（按文件内容判断，与文件名无关）。") % {"name": name}
        )
    data = _check_pdf(data, name) if content_type == PDF else _reencode_image(data, content_type, name)
    stored_name = f"{uuid.uuid4().hex}.{EXTENSIONS[content_type]}"
    return CleanUpload(
        content=ContentFile(data, name=stored_name),
        content_type=content_type,
        original_name=name,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )
