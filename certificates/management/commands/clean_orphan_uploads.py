"""Delete uploaded files that no record points to (an upload whose transaction was rolled back leaves its file).

Only files older than --min-age-minutes are touched, so an upload in progress is never removed. Dry run unless
--delete is given. Run it from cron, e.g. daily.
"""

from __future__ import annotations

import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from certificates.models import Attachment, IssuedCertificate, PendingUpload
from seals.models import Seal

FOLDERS = ("requests", "certificates", "seals", "pending")


class Command(BaseCommand):
    help = "列出（或用 --delete 删除）没有任何记录引用的上传文件。"

    def add_arguments(self, parser):
        parser.add_argument("--delete", action="store_true")
        parser.add_argument("--min-age-minutes", type=int, default=60)

    def handle(self, *args, delete: bool, min_age_minutes: int, **options):
        root = Path(settings.MEDIA_ROOT)
        referenced = {
            *Attachment.objects.values_list("file", flat=True),
            *PendingUpload.objects.values_list("file", flat=True),  # abandoned ones: clean_pending_uploads
            *IssuedCertificate.objects.values_list("pdf", flat=True),
            *Seal.objects.exclude(impression="").values_list("impression", flat=True),
        }
        cutoff = time.time() - min_age_minutes * 60
        orphans = [
            path
            for folder in FOLDERS
            if (root / folder).is_dir()
            for path in (root / folder).rglob("*")
            if path.is_file() and path.relative_to(root).as_posix() not in referenced and path.stat().st_mtime < cutoff
        ]
        for path in orphans:
            self.stdout.write(("删除 " if delete else "孤立文件 ") + path.relative_to(root).as_posix())
            if delete:
                path.unlink()
        self.stdout.write(f"共 {len(orphans)} 个孤立文件。")
