"""Check every stored document against the SHA-256 recorded when it was stored: issued certificates (and their
paper stubs), numbered refusal notices, criticisms and uploaded materials. Exits non-zero naming each problem.

Run after a restore (the backup drill) and from cron: a file that is missing or changed is a record that no longer
proves what it said, reported for a person to look into, never repaired. Materials whose file the retention rule
removed (a RetentionRecord says so) are not expected to be there. Reads through the storage backend, so it checks
the object store as well as a local folder.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass

from django.core.management.base import BaseCommand, CommandError
from django.db.models.fields.files import FieldFile

from certificates.models import Attachment, Criticism, IssuedCertificate, RefusalNotice, RetentionAction

CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Problem:
    kind: str
    subject: str
    detail: str

    def __str__(self) -> str:
        return f"{self.kind} {self.subject}：{self.detail}"


def _digest(field: FieldFile) -> str:
    sha = hashlib.sha256()
    with field.storage.open(field.name, "rb") as handle:
        while block := handle.read(CHUNK):
            sha.update(block)
    return sha.hexdigest()


def _stored() -> Iterator[tuple[str, str, FieldFile, str]]:
    """(kind, subject, file, recorded hash) for every document the database says is stored."""
    for cert in IssuedCertificate.objects.select_related("entry__community").order_by("pk").iterator():
        subject = f"{cert.entry.community.name} {cert.entry.display_number}"
        yield "证明", subject, cert.pdf, cert.sha256
        if cert.stub_sha256:
            yield "存根", subject, cert.stub_pdf, cert.stub_sha256
    for notice in RefusalNotice.objects.exclude(sha256="").order_by("pk").iterator():
        yield "告知单", f"{notice.community_id}/{notice.year}/{notice.number}", notice.pdf, notice.sha256
    for criticism in Criticism.objects.order_by("pk").iterator():
        yield "通报", criticism.display_number, criticism.pdf, criticism.sha256
    removed = Attachment.objects.filter(retention_records__action=RetentionAction.ATTACHMENT_FILE_REMOVED)
    for attachment in Attachment.objects.exclude(pk__in=removed).order_by("pk").iterator():
        yield "申请材料", f"申请{attachment.request_id} {attachment.material}", attachment.file, attachment.sha256


def verify_documents() -> tuple[int, list[Problem]]:
    """How many documents were checked, and every one that is missing or does not match its hash."""
    checked, problems = 0, []
    for kind, subject, field, recorded in _stored():
        checked += 1
        if not field.name:
            problems.append(Problem(kind, subject, "记录了校验值，但没有文件。"))
            continue
        try:
            actual = _digest(field)
        except FileNotFoundError:
            problems.append(Problem(kind, subject, f"文件 {field.name} 不存在。"))
            continue
        if actual != recorded:
            problems.append(Problem(kind, subject, f"文件 {field.name} 与存储时的校验值不一致。"))
    return checked, problems


class Command(BaseCommand):
    help = "核对已存储的文件（证明、存根、告知单、通报、申请材料）：每个文件都在，且与存储时的 SHA-256 一致。"

    def handle(self, *args, **options):
        checked, problems = verify_documents()
        for problem in problems:
            self.stderr.write(str(problem))
        if problems:
            raise CommandError(f"已核对 {checked} 个文件，{len(problems)} 个有问题。")
        self.stdout.write(f"已核对 {checked} 个文件，全部与存储时的校验值一致。")
