"""manage.py restore FOLDER: a backup (manage.py backup) into a fresh database and an empty file store, then the
register, seal-ledger and document checks. Exits non-zero when the restore or any check fails."""

from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from portal.backup import BackupError, create_database_if_missing, restore


class Command(BaseCommand):
    help = "把备份恢复到新建的空数据库和空文件存储，然后核对登记簿、用印登记簿和存储文件。"

    def add_arguments(self, parser):
        parser.add_argument("folder", help="备份目录，例如 backups/20260101T000000Z")
        parser.add_argument("--no-verify", action="store_true", help="恢复后不核对")

    def handle(self, *args, folder: str, no_verify: bool, **options):
        try:
            create_database_if_missing()
            result = restore(Path(folder))
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"已恢复数据库（{result['engine']}）和 {result['restored_files']} 个文件。")
        if not no_verify:
            # Each raises CommandError (non-zero exit) naming what is broken.
            for check in ("verify_register", "verify_seal_ledger", "verify_documents"):
                call_command(check, stdout=self.stdout, stderr=self.stderr)
