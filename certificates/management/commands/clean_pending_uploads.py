"""Delete files kept for an application form that was never sent again (PendingUpload older than --hours).

A resident's chosen files survive a validation error for the session that chose them; when the form is abandoned,
they are not records and must not stay. Dry run unless --delete is given. Run it from cron, e.g. hourly.
"""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand
from django.utils import timezone

from certificates import services
from certificates.models import PendingUpload


class Command(BaseCommand):
    help = "列出（或用 --delete 删除）申请表退回修改后未再提交而遗留的暂存文件。"

    def add_arguments(self, parser):
        parser.add_argument("--delete", action="store_true")
        parser.add_argument("--hours", type=int, default=24, help="暂存超过多少小时视为放弃（默认 24）")

    def handle(self, *args, delete: bool, hours: int, **options):
        older_than = dt.timedelta(hours=max(hours, 1))  # a form being corrected right now is never touched
        if delete:
            count = services.pending_uploads_expire(older_than=older_than)
            self.stdout.write(f"已删除 {count} 个暂存文件。")
            return
        stale = PendingUpload.objects.filter(created_at__lt=timezone.now() - older_than)
        for row in stale:
            self.stdout.write(f"暂存文件 {row.file.name}（{row.created_at:%Y-%m-%d %H:%M}）")
        self.stdout.write(f"共 {stale.count()} 个放弃的暂存文件。")
