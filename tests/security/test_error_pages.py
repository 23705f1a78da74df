"""Error pages as a person meets them (DEBUG off, as in production): Chinese, with a way back, and with the reason
the portal gave for a 403 or 404, but never Django's internal messages. A database that cannot be reached gives a
503 "系统维护中" page that needs no database; a CSRF failure explains the expired page and gives back what was typed.
"""

from __future__ import annotations

import socket

import pytest
from django.conf import settings
from django.db import OperationalError, connections
from django.test import Client
from django.urls import reverse

from portal.errors import RETRY_AFTER_SECONDS

URLS = "tests.security.urls_errors"


def test_the_error_pages_are_tested_as_in_production():
    assert settings.DEBUG is False


def page_of(response) -> str:
    return response.content.decode()


def assert_ways_back(page: str, back: str = "/") -> None:
    assert f'href="{back}"' in page and "返回上一页" in page
    assert 'href="/"' in page and "返回首页" in page


# --- 404 ------------------------------------------------------------------------------------------------------------


def test_an_unknown_address_gets_the_chinese_404_page_with_a_way_back(client, db):
    response = client.get("/no-such-page/", HTTP_REFERER="http://testserver/catalog/")
    page = page_of(response)
    assert response.status_code == 404
    assert "没有找到这个页面" in page and "页面不存在，或者您没有查看它的权限" in page
    assert_ways_back(page, back="/catalog/")
    assert "no-such-page" not in page.split("<main", 1)[1]  # the URL resolver's details stay out of the page
    assert "/static/portal/portal.css" in page  # the portal's look (base.html)


def test_the_portals_own_404_reason_is_shown(client, personas):
    response = client.get(reverse("catalog:community_detail", kwargs={"code": "610113009999"}))
    assert response.status_code == 404
    assert "没有找到这个社区（村）。" in page_of(response)


@pytest.mark.urls(URLS)
@pytest.mark.parametrize(
    "url, hidden",
    [
        ("/test-errors/django-404/", "No Seal matches the given query"),
        ("/test-errors/plain-404/", "internal: no row 42"),
    ],
)
def test_djangos_and_unmarked_404_messages_are_never_shown(client, db, url, hidden):
    response = client.get(url)
    page = page_of(response)
    assert response.status_code == 404
    assert hidden not in page and "Seal" not in page
    assert "没有找到这个页面" in page
    assert_ways_back(page)


@pytest.mark.urls(URLS)
def test_a_marked_404_shows_its_reason(client, db):
    response = client.get("/test-errors/not-found/")
    assert response.status_code == 404
    assert "没有找到这个社区（村）。" in page_of(response)


# --- 403 ------------------------------------------------------------------------------------------------------------


def test_the_portals_own_403_reason_is_shown(login, personas):
    response = login(personas.resident_a).get(reverse("desk:queue"), HTTP_REFERER="http://testserver/requests/")
    page = page_of(response)
    assert response.status_code == 403
    assert "无权进行此操作" in page
    assert "社区工作台仅供社区工作人员和社区主任使用。" in page
    assert_ways_back(page, back="/requests/")


@pytest.mark.urls(URLS)
def test_an_unmarked_403_message_is_never_shown(client, db):
    response = client.get("/test-errors/plain-403/")
    page = page_of(response)
    assert response.status_code == 403
    assert "internal" not in page and "certificates.sign" not in page
    assert "无权进行此操作" in page and "您当前的账号没有打开此页面或进行此操作的权限" in page
    assert_ways_back(page)


@pytest.mark.urls(URLS)
def test_a_marked_403_shows_its_reason(client, db):
    response = client.get("/test-errors/forbidden/")
    assert response.status_code == 403
    assert "只有本社区主任可以撤销证明。" in page_of(response)


def test_a_foreign_referer_never_becomes_the_way_back(login, personas):
    response = login(personas.resident_a).get(reverse("desk:queue"), HTTP_REFERER="https://evil.example/phish")
    page = page_of(response)
    assert "evil.example" not in page
    assert_ways_back(page, back="/")


# --- 400 and 500 ----------------------------------------------------------------------------------------------------


@pytest.mark.urls(URLS)
def test_a_bad_request_gets_the_chinese_400_page(client, db):
    response = client.get("/test-errors/bad-request/")
    page = page_of(response)
    assert response.status_code == 400
    assert "请求无法处理" in page and "malformed" not in page
    assert_ways_back(page)


def test_a_request_for_a_foreign_host_gets_the_400_page(client, db):
    response = client.get("/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert "请求无法处理" in page_of(response)


@pytest.mark.urls(URLS)
def test_a_crash_gets_the_chinese_500_page_without_touching_the_database(client, personas):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(personas.staff_x)  # a signed-in person: base.html's menus would read their roles
    client.raise_request_exception = False
    # The sign-in middleware reads the session, the user, the second-factor device and the roles on every request;
    # the 500 page itself must add nothing to that (it is what shows while the database is failing).
    with CaptureQueriesContext(connection) as crash:
        response = client.get("/test-errors/crash/", HTTP_REFERER="http://testserver/desk/")
    middleware_tables = ('"django_session"', '"portal_user"', '"otp_', '"portal_membership"')
    read_by_the_page = [q["sql"] for q in crash.captured_queries if not q["sql"].startswith("SELECT")]
    read_by_the_page += [
        q["sql"] for q in crash.captured_queries if not any(f"FROM {t}" in q["sql"] for t in middleware_tables)
    ]
    assert read_by_the_page == []
    page = page_of(response)
    assert response.status_code == 500
    assert "系统出错，请稍后再试" in page and "boom" not in page
    assert_ways_back(page, back="/desk/")


# --- the database is down: 503 --------------------------------------------------------------------------------------


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # nothing listens there once the probe is closed


@pytest.fixture
def database_down(tmp_path):
    """The default connection points at a database that cannot be reached (PostgreSQL: a closed port; SQLite: a file
    in a folder that does not exist), so every query fails in the driver as it would when the server is down. The
    test database itself stays untouched behind the real connection, which is put back afterwards."""
    real = connections["default"]
    broken = dict(real.settings_dict)
    if real.vendor == "sqlite":
        broken["NAME"] = str(tmp_path / "missing-folder" / "db.sqlite3")
    else:
        broken.update(HOST="127.0.0.1", PORT=str(closed_port()))
    unreachable = real.__class__(broken, "default")
    connections["default"] = unreachable
    try:
        yield
    finally:
        unreachable.close()
        connections["default"] = real


def test_the_database_being_down_gives_a_503_maintenance_page(client, db, database_down):
    with pytest.raises(OperationalError):
        connections["default"].ensure_connection()  # really unreachable
    response = client.get(reverse("home"), HTTP_REFERER="http://testserver/catalog/")  # the home page lists counties
    page = page_of(response)
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert "系统维护中，请稍后再试" in page
    assert_ways_back(page, back="/catalog/")
    assert "Content-Security-Policy" in response


@pytest.fixture
def signed_in_client(personas) -> Client:
    client = Client()
    client.force_login(personas.resident_a)
    return client


def test_the_database_going_down_under_a_signed_in_person_gives_the_503_page(signed_in_client, database_down):
    # Signed in while the database was up; now reading the session and the person's requests needs it. The sign-in
    # middleware meets the outage first (outside any view): handler500 answers it, as in production.
    signed_in_client.raise_request_exception = False
    response = signed_in_client.get(reverse("requests:my_requests"))
    assert response.status_code == 503
    assert "系统维护中，请稍后再试" in page_of(response)


class FailingMiddleware:
    """A database error outside any view (as when a middleware saves the session)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        raise OperationalError("could not connect to server: Connection refused")


def test_a_database_error_outside_a_view_also_gives_the_503_page(client, db, settings):
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "tests.security.test_error_pages.FailingMiddleware"]
    client.raise_request_exception = False
    response = client.get("/")
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert "系统维护中，请稍后再试" in page_of(response)


# --- CSRF failure ---------------------------------------------------------------------------------------------------


@pytest.fixture
def csrf_client(personas) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(personas.resident_a)
    return client


def test_an_expired_form_explains_itself_and_gives_back_what_was_typed(csrf_client, personas):
    """The form's token no longer matches (e.g. the person signed in again in another tab)."""
    apply_url = reverse(
        "requests:apply", kwargs={"community_code": personas.community_x.code, "item_code": "610113-ZM01"}
    )
    csrf_client.get(apply_url)  # the form page sets the CSRF cookie
    response = csrf_client.post(
        apply_url,
        {
            "csrfmiddlewaretoken": "A" * 64,
            "purpose": "办理亲属关系公证<script>alert(1)</script>",
            "requesting_body": "西安市某公证处",
            "password": "hunter2-secret",
            "revision": "3",
        },
        HTTP_REFERER=f"http://testserver{apply_url}",
    )
    page = page_of(response)
    assert response.status_code == 403
    assert "页面已过期" in page and "在其他窗口重新登录" in page
    # What was typed comes back as read-only text to copy, escaped, never as a field that posts again.
    assert "办理亲属关系公证&lt;script&gt;alert(1)&lt;/script&gt;" in page and "西安市某公证处" in page
    assert "readonly" in page and 'name="purpose"' not in page
    assert "hunter2-secret" not in page and "A" * 64 not in page
    # The way on: reopen the form (the page the person came from) or go home.
    assert f'href="{apply_url}"' in page and "重新打开刚才的页面" in page
    assert 'href="/"' in page and "返回首页" in page
    assert response["Cache-Control"] == "no-store"


def test_a_browser_without_cookies_is_told_to_allow_them(personas):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("login"), {"username": "resident_a", "password": "x"})
    page = page_of(response)
    assert response.status_code == 403
    assert "页面已过期" in page and "允许本站使用 Cookie" in page
    assert "resident_a" in page and 'value="x"' not in page
