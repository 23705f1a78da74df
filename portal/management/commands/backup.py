"""manage.py backup [--to backups]: the database and every stored file into backups/<UTC timestamp>/ (portal/backup.py)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from portal.backup import BackupError, backup


class Command(BaseCommand):
    help = "备份数据库（PostgreSQL 用 pg_dump -Fc）和全部存储文件到 backups/<时间>/。"

    def add_arguments(self, parser):
        parser.add_argument("--to", default=str(settings.BASE_DIR / "backups"), help="备份根目录")

    def handle(self, *args, to: str, **options):
        try:
            folder = backup(Path(to))
        except BackupError as error:
            raise CommandError(str(error)) from None
        manifest = (folder / "manifest.json").read_text()
        self.stdout.write(manifest)
        self.stdout.write(f"backup={folder}")
