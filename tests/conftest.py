"""Personas used across the suite: who they are and where they belong.

Places come from the reference-data migration (陕西省 → 西安市 → 雁塔区, 未央区) plus two communities made here:
X (育才路, 雁塔区) and Y (张家堡, 未央区).

Signing in: `client.force_login(user)` signs a persona in AND passes the second sign-in step for the accounts that
need one (everyone but residents), with a real confirmed TOTP device, as if they had typed a code. A test of the
second step itself uses `force_login_unverified(client, user)`: signed in with the password only.
"""

from dataclasses import dataclass

import pytest
import redis
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.access import needs_second_factor
from portal.models import Region, User
from portal.regions import CommunityKind, Level
from portal.roles import Role
from tests.factories import UserFactory, member, region


def reachable_redis(url: str) -> redis.Redis:
    """A client of the Redis database at `url` (each suite has its own number), or the test skipped with the reason
    printed when no Redis answers there."""
    client = redis.Redis.from_url(url, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as error:
        reason = f"Redis is not reachable at {url} ({error}); .ci/run starts redis-server"
        print(reason)
        pytest.skip(reason)
    return client


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
    street_officer: User  # 小寨路街道 (雁塔区): reads the oversight area of the street and its communities
    city_officer: User  # 西安市: reads the oversight area of the city and everything below
    department_officer: User  # 雁塔区: a department's officer, applies for work-access (工作准入)

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
# Street and city officers (oversight figures only) and a county department's officer (work-access): the URL
# matrix tests every page against them too.
EXTRA_PERSONA_NAMES = ("street_officer", "city_officer", "department_officer")


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
        street_officer=person("street_officer", Role.STREET_OFFICER, street_x),
        city_officer=person("city_officer", Role.CITY_OFFICER, Region.objects.get(code="610100000000")),
        department_officer=person("department_officer", Role.DEPARTMENT_OFFICER, yanta),
    )


_plain_force_login = Client.force_login
TEST_DEVICE_NAME = "测试验证器"


def force_login_unverified(client: Client, user: User, backend: str | None = None) -> None:
    """Signed in with the password step only (a privileged session that has not passed the second step)."""
    _plain_force_login(client, user, backend)


def pass_second_step(client: Client, user: User) -> None:
    """Mark the client's session as verified with the user's own confirmed TOTP device (what a right code does)."""
    fresh = User.objects.get(pk=user.pk)  # a fresh instance: the persona keeps no cached memberships from here
    if not needs_second_factor(fresh):
        return
    device, _created = TOTPDevice.objects.get_or_create(user=fresh, name=TEST_DEVICE_NAME, defaults={"confirmed": True})
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


@pytest.fixture(autouse=True)
def force_login_passes_second_step(monkeypatch):
    """Client.force_login signs in and passes the second step: the one place the suite's sign-ins are made whole."""

    def force_login(self: Client, user: User, backend: str | None = None) -> None:
        _plain_force_login(self, user, backend)
        pass_second_step(self, user)

    monkeypatch.setattr(Client, "force_login", force_login)


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


@pytest.fixture(scope="session")
def county_ca_dir(tmp_path_factory):
    """One development county CA for the whole run (certificates/pades.py), in a temporary folder: issuance refuses
    without a CA, as a real service does, so every test that issues needs one."""
    from django.test import override_settings

    from certificates.pades import create_county_ca

    path = tmp_path_factory.mktemp("signing-keys")
    with override_settings(SIGNING_KEY_DIR=path):
        create_county_ca()
    return path


@pytest.fixture(autouse=True)
def signing_keys_in_tmp(settings, county_ca_dir):
    """Keys (the county CA, communities' keys issued on first need, the QR key) live in the run's own folder."""
    settings.SIGNING_KEY_DIR = county_ca_dir


# A real S3-protocol server (moto) and the object-storage settings pointed at it: tests/s3.py.
from tests.s3 import bucket, object_storage, s3_server  # noqa: E402,F401 - fixtures


@pytest.fixture
def page_cache(settings):
    """The page cache on (portal/pagecache.py), over the tests' local-memory cache, with the sign-in state it needs."""
    from django.core.cache import cache

    settings.AUTH_STATE_SECONDS = 60
    settings.SESSION_ENGINE = "portal.authstate"
    settings.PAGE_CACHE_SECONDS = 60
    cache.clear()
    yield
    cache.clear()


def commit_page_retirements() -> None:
    """What the commit of the test's transaction would do for the page cache (a test's transaction is rolled back):
    delete the generations its writes touched."""
    from django.db import connection

    from portal import pagecache

    for _savepoints, callback, _robust in connection.run_on_commit:
        if isinstance(callback, pagecache._Retirement):
            callback()
