"""Personas used across the suite: who they are and where they belong.

Places come from the reference-data migration (陕西省 → 西安市 → 雁塔区, 未央区) plus two communities made here:
X (育才路, 雁塔区) and Y (张家堡, 未央区).
"""

from dataclasses import dataclass

import pytest

from portal.models import Region, User
from portal.regions import CommunityKind, Level
from portal.roles import Role
from tests.factories import UserFactory, member, region


@dataclass
class Personas:
    province: Region
    yanta: Region
    weiyang: Region
    community_x: Region
    community_y: Region
    village: Region
    resident_a: User
    resident_b: User
    staff_x: User
    staff_y: User
    director: User
    keeper: User
    county_officer: User
    other_county_officer: User
    provincial_officer: User

    def by_name(self, name: str) -> User | None:
        return None if name == "anonymous" else getattr(self, name)


PERSONA_NAMES = (
    "anonymous",
    "resident_a",
    "resident_b",
    "staff_x",
    "staff_y",
    "director",
    "keeper",
    "county_officer",
    "other_county_officer",
    "provincial_officer",
)


@pytest.fixture
def personas(db) -> Personas:
    province = Region.objects.get(code="610000000000")
    yanta = Region.objects.get(code="610113000000")
    weiyang = Region.objects.get(code="610112000000")
    street_x = region("610113001000", "小寨路街道", Level.STREET, yanta)
    street_y = region("610112001000", "张家堡街道", Level.STREET, weiyang)
    kinds = {"community_kind": CommunityKind.RESIDENTS_COMMITTEE}
    community_x = region(
        "610113001001", "育才路社区居民委员会", Level.COMMUNITY, street_x, phone="029-85210001", **kinds
    )
    community_y = region("610112001001", "张家堡社区居民委员会", Level.COMMUNITY, street_y, **kinds)
    village = region(
        "610113001201",
        "测试村民委员会",
        Level.COMMUNITY,
        street_x,
        community_kind=CommunityKind.VILLAGERS_COMMITTEE,
    )
    community_b = region("610113001003", "大雁塔社区居民委员会", Level.COMMUNITY, street_x, **kinds)

    def person(username: str, role: str, place: Region) -> User:
        user = UserFactory(username=username)
        member(user, role, place)
        return user

    return Personas(
        province=province,
        yanta=yanta,
        weiyang=weiyang,
        community_x=community_x,
        community_y=community_y,
        village=village,
        resident_a=person("resident_a", Role.RESIDENT, community_x),
        resident_b=person("resident_b", Role.RESIDENT, community_b),
        staff_x=person("staff_x", Role.STAFF, community_x),
        staff_y=person("staff_y", Role.STAFF, community_y),
        director=person("director", Role.DIRECTOR, community_x),
        keeper=person("keeper", Role.KEEPER, community_x),
        county_officer=person("county_officer", Role.COUNTY_OFFICER, yanta),
        other_county_officer=person("other_county_officer", Role.COUNTY_OFFICER, weiyang),
        provincial_officer=person("provincial_officer", Role.PROVINCIAL_OFFICER, province),
    )


@pytest.fixture
def login(client):
    """Log a persona in on the test client: login(user) or login(None) for anonymous."""

    def _login(user: User | None):
        client.logout()
        if user is not None:
            client.force_login(user)
        return client

    return _login


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    """Uploaded and generated files of a test go to its own temporary folder."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def fresh_cache():
    """Rate-limit counters and cached PDFs never leak from one test into another."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def chinese_by_default():
    """Each test starts in the portal's default language (a request may have switched the thread to English)."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)
