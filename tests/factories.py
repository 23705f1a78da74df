"""Factories for tests: places, people and catalog items, with one trait per lifecycle state."""

import datetime as dt

import factory

from catalog.models import IssuableItem, NonIssuableItem, Scope, Status
from portal.demo import demo_id_number
from portal.models import Membership, Region, User
from portal.regions import CommunityKind, Level


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    level = Level.COMMUNITY
    name = factory.Sequence(lambda n: f"测试社区{n}")


def region(code: str, name: str, level: str, parent: Region | None = None, **extra) -> Region:
    return RegionFactory(code=code, name=name, level=level, parent=parent, **extra)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    real_name = factory.Sequence(lambda n: f"测试用户{n}")
    password = factory.django.Password("pw-12345678")
    id_number = factory.Sequence(lambda n: demo_id_number("610113000000", dt.date(1985, 5, 5), n))


def member(user: User, role: str, place: Region) -> Membership:
    user.__dict__.pop("_active_memberships", None)  # forget the per-request cache of portal.access
    return Membership.objects.create(user=user, role=role, region=place)


class IssuableItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IssuableItem

    code = factory.Sequence(lambda n: f"T-ZM{n:03d}")
    name = factory.Sequence(lambda n: f"测试可出具证明{n}")
    scope = Scope.COUNTY
    status = Status.DRAFT
    legal_bases = factory.LazyFunction(
        lambda: [{"title": "测试依据条例", "issuer": "国务院", "number": "", "article": "第一条", "effective_date": ""}]
    )
    purposes = factory.LazyFunction(lambda: ["办理公证"])
    materials = factory.LazyFunction(lambda: [{"name": "居民身份证", "requirement": "required"}])
    time_limit_workdays = 3
    body_template = "兹证明{applicant_name}系本社区居民。\n特此证明。"

    class Params:
        published = factory.Trait(status=Status.PUBLISHED, effective_from=dt.date(2024, 1, 1))
        retired = factory.Trait(
            status=Status.PUBLISHED, effective_from=dt.date(2024, 1, 1), effective_to=dt.date(2024, 12, 31)
        )


class NonIssuableItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = NonIssuableItem

    code = factory.Sequence(lambda n: f"T-BZ{n:03d}")
    name = factory.Sequence(lambda n: f"测试不予出具证明{n}")
    scope = Scope.COUNTY
    status = Status.DRAFT
    source_list = "测试县不予出具清单"
    alternative_department = "县公安局"
    alternative_channel = "到户籍派出所窗口办理"

    class Params:
        published = factory.Trait(status=Status.PUBLISHED, effective_from=dt.date(2024, 1, 1))


__all__ = ["CommunityKind", "region"]


def make_request(*, community, item, applicant=None, created_by=None, status="draft", **extra):
    """A request placed directly in a state (for rule tables); journeys use the workflow functions instead."""
    from certificates.models import CertificateRequest

    applicant_user = applicant
    values = {
        "community": community,
        "item": item,
        "applicant": applicant_user,
        "applicant_name": applicant_user.display_name if applicant_user else "窗口申请人",
        "applicant_id_number": applicant_user.id_number
        if applicant_user
        else demo_id_number("610113", dt.date(1970, 1, 1), 1),
        "created_by": created_by or applicant_user,
        "purpose": "办理公证",
        "requesting_body": "西安市某公证处",
        "requesting_basis": "公证法第十一条",
        "status": status,
    }
    values.update(extra)
    return CertificateRequest.objects.create(**values)
