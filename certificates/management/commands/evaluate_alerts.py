"""Evaluate the anomaly rules (certificates/anomalies.py) and create the alerts not yet there; safe to run again.

Run daily from cron (or call anomalies.evaluate from a periodic task). Prints `created=N` and the count per rule.
"""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from certificates import anomalies


class Command(BaseCommand):
    help = "按各区县设定的阈值检查异常情况，生成尚未生成的预警（可重复运行）。"

    def add_arguments(self, parser):
        parser.add_argument("--as-of", help="检查该日所在的期间及其前一期间（YYYY-MM-DD，默认今天）")

    def handle(self, *args, **options):
        as_of = None
        if options["as_of"]:
            try:
                as_of = dt.date.fromisoformat(options["as_of"])
            except ValueError:
                raise CommandError("--as-of 应为 YYYY-MM-DD 格式的日期") from None
        created = anomalies.evaluate(as_of=as_of)
        per_rule = " ".join(f"{rule}={n}" for rule, n in created.items())
        self.stdout.write(f"created={sum(created.values())} {per_rule}")
