"""Apply the data-retention rules (certificates/retention.py): remove attachment files and clear personal-data
fields of requests finished longer ago than the periods in settings.RETENTION_DAYS. Permanent records are never
touched. `--dry-run` only lists what would go. Run it from cron, e.g. weekly."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from certificates.retention import apply_retention


class Command(BaseCommand):
    help = "按留存规则删除已办结申请的附件文件、清除不再需要的个人信息（--dry-run 只列出，不改动）。"

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="只列出将要处理的内容，不做任何改动")
        parser.add_argument("--as-of", help="按此日期（YYYY-MM-DD）计算期限，默认今天")

    def handle(self, *args, dry_run: bool, as_of: str | None, **options):
        now = timezone.now()
        if as_of:
            try:
                day = dt.date.fromisoformat(as_of)
            except ValueError:
                raise CommandError("--as-of 应为 YYYY-MM-DD 格式的日期。") from None
            now = timezone.make_aware(dt.datetime.combine(day, dt.time.max))
        report = apply_retention(now=now, dry_run=dry_run)
        days = settings.RETENTION_DAYS
        verb = "将" if dry_run else "已"
        self.stdout.write(
            f"附件文件（办结满 {days['attachment_files']} 天）：{verb}删除 {len(report.files)} 个，"
            f"共 {report.file_bytes} 字节；附件记录本身永久保留。"
        )
        self.stdout.write(
            f"申请中的个人信息（办结满 {days['request_personal_data']} 天，联系电话和填写内容）："
            f"{verb}清除 {len(report.requests)} 件申请。"
        )
        self.stdout.write("登记簿、用印登记、已出具证明、办理记录等永久记录不在处理范围内。")
        if dry_run:
            self.stdout.write("试运行：没有做任何改动。")
