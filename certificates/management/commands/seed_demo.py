"""Load demo places, one user per role, specimen seals, and optionally a larger dataset and requests driven through
the real workflow. Idempotent (except --requests, which adds that many each time). Development only.

It lives in certificates/ because it orchestrates every app; the places and people come from portal/demo.py.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from certificates import demo as request_demo
from certificates.models import RequestingBody, RequestingBodyKind
from portal import demo
from portal.models import Region


class Command(BaseCommand):
    help = "载入演示数据（仅限开发环境）。"

    def add_arguments(self, parser):
        parser.add_argument("--communities", type=int, default=0, help="另外生成的社区（村）数量")
        parser.add_argument("--residents", type=int, default=0, help="每个社区（村）至少有的居民数量")
        parser.add_argument("--requests", type=int, default=0, help="通过真实办理流程生成的申请数量")
        parser.add_argument("--concurrency", type=int, default=1, help="生成申请的并发线程数（PostgreSQL）")

    def handle(self, *args, communities: int, residents: int, requests: int, concurrency: int, **options):
        if not settings.DEBUG:
            raise CommandError("seed_demo 只能在开发环境（DEBUG=1）运行：演示账号的密码是公开的。")
        places = demo.seed_places()
        rows = demo.seed_people()
        secrets = demo.seed_second_factors([username for username, _phone, _roles in rows])
        self.stdout.write(f"演示社区（村）：{len(places)} 个；演示账号（密码均为 {demo.DEMO_PASSWORD}）：")
        for username, phone, roles in rows:
            self.stdout.write(f"  {username:<16} {phone or '-':<12} {secrets.get(username, '-'):<32}  {roles}")
        self.stdout.write("第三列：登录第二步（动态验证码）的演示密钥（base32），居民不需要。")
        if communities or residents:
            made_c, made_r = demo.seed_bulk(communities=communities, residents=residents)
            self.stdout.write(f"另外新建社区（村）{made_c} 个，居民 {made_r} 人。")
        # the supervision line every 雁塔区 notice board prints (监督电话)
        Region.objects.filter(code="610113000000", supervision_phone="").update(supervision_phone="029-85361234")
        # a department of 雁塔区 for the demo department officer's work-access applications (工作准入)
        RequestingBody.objects.get_or_create(
            county=Region.objects.get(code="610113000000"),
            name="雁塔区人力资源和社会保障局",
            defaults={"kind": RequestingBodyKind.DEPARTMENT},
        )
        seals = request_demo.seed_specimen_seals()
        self.stdout.write(f"新建样章 {seals} 枚（演示印章，盖出的文件带“演示”水印）。")
        if requests:
            if concurrency > 1 and connection.vendor != "postgresql":
                raise CommandError("--concurrency 大于1时需要 PostgreSQL（SQLite 不支持并发写入）。")
            tally = request_demo.seed_requests(count=requests, concurrency=concurrency)
            self.stdout.write(f"生成申请 {requests} 件：{tally}")
