"""Demo places and people for development and load tests. Used only by `manage.py seed_demo` (DEBUG only)."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import random

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.access import needs_second_factor
from portal.idcard import check_character
from portal.models import Membership, Region, User
from portal.regions import CommunityKind, Level
from portal.roles import Role

DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105 - published in README, seed_demo refuses outside DEBUG

# (code, name, parent code, kind, phone, number prefix)
STREETS = [
    ("610113001000", "小寨路街道", "610113000000"),
    ("610113002000", "大雁塔街道", "610113000000"),
    ("610113010000", "鱼化寨街道", "610113000000"),
    ("610112001000", "张家堡街道", "610112000000"),
]
COMMUNITIES = [
    (
        "610113001001",
        "育才路社区居民委员会",
        "610113001000",
        CommunityKind.RESIDENTS_COMMITTEE,
        "029-85210001",
        "雁育证",
    ),
    (
        "610113001002",
        "西八里村社区居民委员会",
        "610113001000",
        CommunityKind.RESIDENTS_COMMITTEE,
        "029-85210002",
        "雁西证",
    ),
    (
        "610113002001",
        "大雁塔社区居民委员会",
        "610113002000",
        CommunityKind.RESIDENTS_COMMITTEE,
        "029-85520001",
        "雁塔证",
    ),
    ("610113010201", "鱼化寨村民委员会", "610113010000", CommunityKind.VILLAGERS_COMMITTEE, "029-84300201", "鱼村证"),
    (
        "610112001001",
        "张家堡社区居民委员会",
        "610112001000",
        CommunityKind.RESIDENTS_COMMITTEE,
        "029-86520001",
        "未张证",
    ),
]

# username, real name, phone, [(role, region code)]
PEOPLE = [
    ("resident_a", "王小明", "13800000001", [(Role.RESIDENT, "610113001001")]),
    ("resident_b", "李红", "13800000002", [(Role.RESIDENT, "610113002001")]),
    ("staff_x", "赵敏", "13800000003", [(Role.STAFF, "610113001001")]),
    ("staff_y", "钱进", "13800000004", [(Role.STAFF, "610112001001")]),
    ("director", "孙立", "13800000005", [(Role.DIRECTOR, "610113001001")]),
    ("keeper", "周静", "13800000006", [(Role.KEEPER, "610113001001")]),
    ("county_yanta", "吴刚", "13800000007", [(Role.COUNTY_OFFICER, "610113000000")]),
    ("county_weiyang", "郑华", "13800000008", [(Role.COUNTY_OFFICER, "610112000000")]),
    ("province", "冯涛", "13800000009", [(Role.PROVINCIAL_OFFICER, "610000000000")]),
    ("street_xiaozhai", "陈琳", "13800000010", [(Role.STREET_OFFICER, "610113001000")]),
    ("city_xian", "韩磊", "13800000011", [(Role.CITY_OFFICER, "610100000000")]),
    ("dept_yanta", "蒋文", "13800000012", [(Role.DEPARTMENT_OFFICER, "610113000000")]),
]

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国玉兰文辉力红梅鑫宇浩然子涵欣怡"


def demo_totp_key(username: str) -> bytes:
    """A fixed TOTP secret per demo account, published in README.md so that scripts and browser tests can compute
    codes. Public, like the demo password: seed_demo refuses to run outside development."""
    return hashlib.sha1(f"portal-demo-totp:{username}".encode()).digest()  # noqa: S324 - derives a published demo secret, not a security hash


def demo_totp_secret(username: str) -> str:
    """The base32 form an authenticator app (or django_otp.oath.totp) takes."""
    return base64.b32encode(demo_totp_key(username)).decode()


def demo_id_number(region_code: str, born: dt.date, seq: int) -> str:
    first17 = f"{region_code[:6]}{born:%Y%m%d}{seq % 1000:03d}"
    return first17 + check_character(first17)


def random_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


@transaction.atomic
def seed_places() -> list[Region]:
    for code, name, parent_code in STREETS:
        Region.objects.update_or_create(
            code=code, defaults={"level": Level.STREET, "name": name, "parent": Region.objects.get(code=parent_code)}
        )
    communities = []
    for code, name, parent_code, kind, phone, prefix in COMMUNITIES:
        # update_or_create: the demo's places stay as the demo describes them even where the shipped statistical
        # list (loaded on first migrate) has another name for the same code
        region, _ = Region.objects.update_or_create(
            code=code,
            defaults={
                "level": Level.COMMUNITY,
                "name": name,
                "parent": Region.objects.get(code=parent_code),
                "community_kind": kind,
                "phone": phone,
                "number_prefix": prefix,
                "address": f"西安市{name[:-6] if name.endswith('居民委员会') else name}办公室",
            },
        )
        communities.append(region)
    return communities


@transaction.atomic
def seed_people() -> list[tuple[str, str, str]]:
    """Create one demo user per role. Returns (username, phone, roles) for the printed table."""
    rows = []
    password = make_password(DEMO_PASSWORD)
    for index, (username, real_name, phone, roles) in enumerate(PEOPLE, start=1):
        home = roles[0][1]
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "real_name": real_name,
                "phone": phone,
                "password": password,
                "id_number": demo_id_number(home, dt.date(1980 + index, index, 10 + index), index),
            },
        )
        for role, code in roles:
            Membership.objects.get_or_create(user=user, role=role, region=Region.objects.get(code=code))
        rows.append((username, phone, "、".join(str(Role(r).label) for r, _ in roles)))
    admin, created = User.objects.get_or_create(
        username="admin", defaults={"real_name": "系统管理员", "is_staff": True, "is_superuser": True}
    )
    if created:
        admin.password = password
        admin.save(update_fields=["password"])
    rows.append(("admin", "", "超级管理员（仅 Django 管理后台）"))
    return rows


def seed_second_factors(usernames: list[str]) -> dict[str, str]:
    """Give each demo account that needs a second factor a confirmed TOTP device with its fixed secret.

    Returns {username: base32 secret}. Idempotent; a device changed by hand is set back to the published secret.
    """
    secrets = {}
    for user in User.objects.filter(username__in=usernames).order_by("pk"):
        if not needs_second_factor(user):
            continue
        TOTPDevice.objects.update_or_create(
            user=user,
            name="演示验证器",
            defaults={"key": demo_totp_key(user.username).hex(), "confirmed": True, "tolerance": 1},
        )
        secrets[user.username] = demo_totp_secret(user.username)
    return secrets


@transaction.atomic
def seed_bulk(*, communities: int, residents: int, seed: int = 2026) -> tuple[int, int]:
    """Add `communities` extra communities (spread over the demo streets) and `residents` residents in each.

    Uses bulk inserts and one precomputed password hash, so tens of thousands of users take seconds.
    """
    rng = random.Random(seed)  # noqa: S311 - demo data, reproducible by seed
    streets = list(Region.objects.filter(level=Level.STREET).order_by("code"))
    made_communities = 0
    for n in range(communities):
        street = streets[n % len(streets)]
        code = f"{street.code[:9]}{500 + n // len(streets):03d}"
        if n // len(streets) >= 500:
            break
        kind = CommunityKind.VILLAGERS_COMMITTEE if n % 5 == 4 else CommunityKind.RESIDENTS_COMMITTEE
        suffix = "村民委员会" if kind == CommunityKind.VILLAGERS_COMMITTEE else "社区居民委员会"
        _, created = Region.objects.get_or_create(
            code=code,
            defaults={
                "level": Level.COMMUNITY,
                "name": f"{street.name[:-2]}第{n + 1}{suffix}",
                "parent": street,
                "community_kind": kind,
                "phone": f"029-8{rng.randrange(1000000, 9999999)}",
                "number_prefix": "演证",
            },
        )
        made_communities += created
    password = make_password(DEMO_PASSWORD)
    made_residents = 0
    for community in Region.objects.filter(level=Level.COMMUNITY).order_by("code"):
        existing = Membership.objects.filter(region=community, role=Role.RESIDENT).count()
        wanted = max(0, residents - existing)
        if not wanted:
            continue
        users = []
        for i in range(existing, existing + wanted):
            username = f"r{community.code}{i:05d}"
            born = dt.date(1950 + rng.randrange(55), rng.randrange(1, 13), rng.randrange(1, 29))
            users.append(
                User(
                    username=username,
                    real_name=random_name(rng),
                    password=password,
                    id_number=demo_id_number(community.code, born, i),
                )
            )
        User.objects.bulk_create(users, ignore_conflicts=True)
        created_users = User.objects.filter(username__in=[u.username for u in users])
        Membership.objects.bulk_create(
            [Membership(user=u, role=Role.RESIDENT, region=community) for u in created_users],
            ignore_conflicts=True,
        )
        made_residents += len(users)
    return made_communities, made_residents
