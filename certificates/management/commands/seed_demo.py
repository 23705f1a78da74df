"""Load demo places, one user per role, and optionally a larger dataset. Idempotent. Development only."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from portal import demo


class Command(BaseCommand):
    help = "载入演示数据（仅限开发环境）。"

    def add_arguments(self, parser):
        parser.add_argument("--communities", type=int, default=0, help="另外生成的社区（村）数量")
        parser.add_argument("--residents", type=int, default=0, help="每个社区（村）至少有的居民数量")

    def handle(self, *args, communities: int, residents: int, **options):
        if not settings.DEBUG:
            raise CommandError("seed_demo 只能在开发环境（DEBUG=1）运行：演示账号的密码是公开的。")
        places = demo.seed_places()
        rows = demo.seed_people()
        self.stdout.write(f"演示社区（村）：{len(places)} 个；演示账号（密码均为 {demo.DEMO_PASSWORD}）：")
        for username, phone, roles in rows:
            self.stdout.write(f"  {username:<16} {phone or '-':<12} {roles}")
        if communities or residents:
            made_c, made_r = demo.seed_bulk(communities=communities, residents=residents)
            self.stdout.write(f"另外新建社区（村）{made_c} 个，居民 {made_r} 人。")
