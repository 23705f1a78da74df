"""Load demo places, one user per role, specimen seals, and optionally a larger dataset and requests driven through
the real workflow. Idempotent (except --requests, which adds that many each time). Development only. Creates the development
county CA when there is none, so that demo certificates are signed.

It lives in certificates/ because it orchestrates every app; the places and people come from portal/demo.py.
"""

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from catalog import noticeboards
from certificates import bulkseed
from certificates import demo as request_demo
from certificates.models import RequestingBody, RequestingBodyKind
from certificates.register import find_problems
from portal import demo
from portal.models import Region, User


class Command(BaseCommand):
    help = "载入演示数据（仅限开发环境）。"

    def add_arguments(self, parser):
        parser.add_argument("--communities", type=int, default=0, help="另外生成的社区（村）数量")
        parser.add_argument("--residents", type=int, default=0, help="每个社区（村）至少有的居民数量")
        parser.add_argument("--requests", type=int, default=0, help="通过真实办理流程生成的申请数量")
        parser.add_argument("--concurrency", type=int, default=1, help="生成申请的并发线程数（PostgreSQL）")
        parser.add_argument(
            "--bulk",
            action="store_true",
            help="批量写入申请（全省规模：分布到区划名录的所有社区（村）和近一年，规则函数相同，不上传材料）",
        )
        parser.add_argument("--days", type=int, default=365, help="--bulk：申请分布的天数")

    def handle(
        self, *args, communities: int, residents: int, requests: int, concurrency: int, bulk: bool, days: int, **options
    ):
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
        # Nothing is issued unsigned: a demo needs the development county CA (`make_county_ca`) before its first
        # issuance, including the requests below and any load a drill puts on it.
        call_command("make_county_ca", stdout=self.stdout)
        if requests and bulk:
            # The boards render on first request: pre-rendering after each publish would render them all again.
            with noticeboards.prerender_suppressed():
                items = bulkseed.province_items(User.objects.get(username="province"))
            self.stdout.write(f"省级演示事项 {len(items)} 项：{'、'.join(i.code for i in items)}")
            if concurrency > 1 and connection.vendor != "postgresql":
                raise CommandError("--concurrency 大于1时需要 PostgreSQL（SQLite 不支持并发写入）。")
            tally = bulkseed.seed_requests_bulk(
                count=requests,
                days=days,
                concurrency=concurrency,
                log=lambda line: (self.stdout.write(line), self.stdout.flush()),
            )
            self.stdout.write(f"批量生成申请 {requests} 件：{tally}")
            problems = find_problems()
            self.stdout.write(f"登记簿核对：{'无断号、重号' if not problems else problems}")
            if problems:
                raise CommandError("登记簿编号不连续")
        elif requests:
            if concurrency > 1 and connection.vendor != "postgresql":
                raise CommandError("--concurrency 大于1时需要 PostgreSQL（SQLite 不支持并发写入）。")
            tally = request_demo.seed_requests(count=requests, concurrency=concurrency)
            self.stdout.write(f"生成申请 {requests} 件：{tally}")
