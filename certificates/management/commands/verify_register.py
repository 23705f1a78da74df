"""Check every community-year of the register: numbers 1..n, each once. Exits non-zero naming what is broken."""

from django.core.management.base import BaseCommand, CommandError

from certificates.register import find_problems


class Command(BaseCommand):
    help = "核对登记簿编号：每个社区每年的编号应为1至n、连续且不重复。"

    def handle(self, *args, **options):
        problems = find_problems()
        for p in problems:
            self.stderr.write(f"{p.community_code} {p.community_name} {p.year}年：{p.detail}")
        if problems:
            raise CommandError(f"登记簿有 {len(problems)} 处编号异常。")
        self.stdout.write("登记簿编号核对无误。")
