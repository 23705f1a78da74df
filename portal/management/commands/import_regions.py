"""manage.py import_regions FILE: load the statistical division codes (see portal/regions_import.py) and print what
changed per level. Idempotent: a second run of the same file changes nothing."""

import time

from django.core.management.base import BaseCommand

from portal.regions_import import SHIPPED, import_regions, read_rows


class Command(BaseCommand):
    help = "Load 12-digit statistical division codes from a CSV (plain or gzip); rename, create, retire."

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", default=str(SHIPPED), help="default: the shipped Shaanxi list")

    def handle(self, *args, **options):
        started = time.monotonic()
        report = import_regions(read_rows(options["file"]))
        for line in report.lines():
            self.stdout.write(line)
        self.stdout.write(f"changed={report.changed} seconds={time.monotonic() - started:.1f}")
