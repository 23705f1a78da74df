"""Delete uploaded files that no record points to (an upload whose transaction was rolled back leaves its file).

Only files older than --min-age-minutes are touched, so an upload in progress is never removed. Dry run unless
--delete is given. Run it from cron, e.g. daily. Walks the file storage itself (local files or the object store).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from django.core.files.storage import Storage, default_storage
from django.core.management.base import BaseCommand
from django.utils import timezone

from certificates.models import Attachment, IssuedCertificate, PendingUpload
from seals.models import Seal

FOLDERS = ("requests", "certificates", "seals", "pending")


def walk(storage: Storage, folder: str) -> Iterator[str]:
    """Every file name under `folder`, through the storage API."""
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:  # local files: the folder was never made
        return
    for name in files:
        yield f"{folder}/{name}"
    for sub in folders:
        yield from walk(storage, f"{folder}/{sub}")


class Command(BaseCommand):
    help = "列出（或用 --delete 删除）没有任何记录引用的上传文件。"

    def add_arguments(self, parser):
        parser.add_argument("--delete", action="store_true")
        parser.add_argument("--min-age-minutes", type=int, default=60)

    def handle(self, *args, delete: bool, min_age_minutes: int, **options):
        storage = default_storage
        referenced = {
            *Attachment.objects.values_list("file", flat=True),
            *PendingUpload.objects.values_list("file", flat=True),  # abandoned ones: clean_pending_uploads
            *IssuedCertificate.objects.values_list("pdf", flat=True),
            *IssuedCertificate.objects.exclude(stub_pdf="").values_list("stub_pdf", flat=True),
            *Seal.objects.exclude(impression="").values_list("impression", flat=True),
        }
        cutoff = timezone.now() - dt.timedelta(minutes=min_age_minutes)
        orphans = [
            name
            for folder in FOLDERS
            for name in walk(storage, folder)
            if name not in referenced and storage.get_modified_time(name) < cutoff
        ]
        for name in orphans:
            self.stdout.write(("删除 " if delete else "孤立文件 ") + name)
            if delete:
                storage.delete(name)
        self.stdout.write(f"共 {len(orphans)} 个孤立文件。")
