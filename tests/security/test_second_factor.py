"""Second sign-in step for everyone who acts for a place: enrolment, codes, recovery codes, enforcement."""

from __future__ import annotations

import base64
import re
import time

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal import twofactor
from portal.models import LoginLockout
from tests.conftest import force_login_unverified
from tests.factories import UserFactory

LOGIN = "/accounts/login/"
STEP = "/accounts/second-step/"
SETUP = "/accounts/second-step/setup/"
DESK = "/desk/"
PASSWORD = "pw-12345678"


def code_for(device: TOTPDevice, steps_ahead: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():06d}"


def wrong_code(device: TOTPDevice) -> str:
    valid = {code_for(device, n) for n in (-1, 0, 1)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in valid)


def enrolled(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="手机验证器", confirmed=True)


def is_verified(client) -> bool:
    return client.get(DESK).status_code == 200


@pytest.mark.django_db
def test_the_password_step_sends_a_privileged_account_to_the_second_step_keeping_the_page_it_asked_for(
    client, personas
):
    enrolled(personas.staff_x)
    response = client.post(LOGIN, {"username": "staff_x", "password": PASSWORD, "next": "/desk/?tab=open"})
    assert response.status_code == 302
    assert response["Location"] == STEP + "?next=%2Fdesk%2F%3Ftab%3Dopen"
    page = client.get(response["Location"])
    assert page.status_code == 200 and "登录验证" in page.content.decode()


@pytest.mark.django_db
def test_an_unverified_privileged_session_is_sent_to_the_second_step_from_any_page(client, personas):
    enrolled(personas.director)
    force_login_unverified(client, personas.director)
    for url in (DESK, "/", "/officer/lockouts/", "/admin/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(STEP + "?next="), url
    assert "社区工作台" not in client.get(STEP).content.decode()  # the work menus wait for the second step
    # a form posted from an old tab is not carried out either
    assert client.post(DESK, {"action": "sign"})["Location"] == STEP
    # signing out and switching the language still work
    assert client.post("/i18n/setlang/", {"language": "en", "next": STEP})["Location"] == STEP
    assert client.post("/accounts/logout/").status_code == 302
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_a_privileged_account_without_a_device_is_sent_to_enrolment(client, personas):
    force_login_unverified(client, personas.county_officer)
    response = client.get("/desk/county/", follow=True)
    assert response.redirect_chain[-1][0].startswith(SETUP + "?next=")
    assert "绑定手机验证器" in response.content.decode()


@pytest.mark.django_db
def test_a_resident_is_never_asked(client, personas):
    response = client.post(LOGIN, {"username": "resident_a", "password": PASSWORD, "next": "/requests/"})
    assert response["Location"] == "/requests/"
    assert client.get("/requests/").status_code == 200
    assert client.get(STEP)["Location"] == "/"  # nothing to do there
    assert not TOTPDevice.objects.filter(user=personas.resident_a).exists()


@pytest.mark.django_db
def test_the_right_code_verifies_the_session(client, personas):
    device = enrolled(personas.staff_x)
    force_login_unverified(client, personas.staff_x)
    session_before = client.session.session_key
    response = client.post(STEP, {"code": code_for(device), "next": DESK})
    assert response["Location"] == DESK
    assert is_verified(client)
    assert client.session.session_key != session_before  # a new session key once verified


@pytest.mark.django_db
def test_a_wrong_code_is_refused_with_a_chinese_message(client, personas):
    device = enrolled(personas.staff_x)
    force_login_unverified(client, personas.staff_x)
    response = client.post(STEP, {"code": wrong_code(device), "next": DESK})
    assert response.status_code == 200
    assert "验证码不正确" in response.content.decode()
    assert not is_verified(client)


@pytest.mark.django_db
def test_a_recovery_code_works_once(client, personas):
    enrolled(personas.keeper)
    static = StaticDevice.objects.create(user=personas.keeper, name="恢复码", confirmed=True)
    static.token_set.create(token="abcd2345")
    force_login_unverified(client, personas.keeper)
    assert client.post(STEP, {"code": "ABCD 2345", "next": "/issuance/"})["Location"] == "/issuance/"
    assert client.get("/issuance/").status_code == 200
    client.logout()
    force_login_unverified(client, personas.keeper)
    response = client.post(STEP, {"code": "abcd2345"})
    assert response.status_code == 200
    assert "恢复码不正确或已经用过" in response.content.decode()
    assert client.get("/issuance/").status_code == 302


@pytest.mark.django_db
def test_wrong_codes_count_towards_the_sign_in_lockout(client, personas):
    device = enrolled(personas.staff_x)
    force_login_unverified(client, personas.staff_x)
    for _ in range(4):
        assert client.post(STEP, {"code": wrong_code(device)}, REMOTE_ADDR="10.1.2.3").status_code == 200
    response = client.post(STEP, {"code": wrong_code(device)}, REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 429
    assert re.search(r"请于 (\d+月\d+日 )?\d\d:\d\d 后再试", response.content.decode())  # a date after midnight
    device.throttle_reset()  # only the lockout stands between the right code and the session now
    response = client.post(STEP, {"code": code_for(device)}, REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 429
    assert not is_verified(client)
    lockout = LoginLockout.objects.get()
    assert (lockout.account, lockout.step, lockout.failures) == (personas.staff_x, "code", 5)
    # and the password step of the same account from the same address is locked too
    client.logout()
    locked = client.post(LOGIN, {"username": "staff_x", "password": PASSWORD}, REMOTE_ADDR="10.1.2.3")
    assert locked.status_code == 429


@pytest.mark.django_db
def test_enrolment_shows_a_qr_code_and_the_secret_then_ten_recovery_codes_once(client, personas):
    force_login_unverified(client, personas.director)
    page = client.get(SETUP + "?next=/desk/")
    text = page.content.decode()
    device = TOTPDevice.objects.get(user=personas.director, confirmed=False)
    assert page.status_code == 200
    assert "<svg" in text and "<script" not in text.split("<main", 1)[1].split("</main>")[0]
    assert twofactor.secret_text(device) in text
    assert client.get(SETUP).content.decode().count(twofactor.secret_text(device)) == 1  # same secret on reload

    wrong = client.post(SETUP, {"code": wrong_code(device), "next": "/desk/"})
    assert wrong.status_code == 200 and "验证码不正确" in wrong.content.decode()
    device.refresh_from_db()
    device.throttle_reset()
    assert not device.confirmed

    done = client.post(SETUP, {"code": code_for(device), "next": "/desk/"})
    text = done.content.decode()
    codes = list(StaticToken.objects.filter(device__user=personas.director).values_list("token", flat=True))
    assert done.status_code == 200 and len(codes) == 10
    assert all(code in text for code in codes)
    assert 'download="recovery-codes.txt"' in text
    assert "no-store" in done["Cache-Control"] or "max-age=0" in done["Cache-Control"]
    device.refresh_from_db()
    assert device.confirmed
    assert is_verified(client)
    # shown once: the enrolment page now only sends on, and a new sign-in asks for a code
    again = client.get(SETUP)
    assert again.status_code == 302 and codes[0] not in client.get("/").content.decode()
    client.logout()
    force_login_unverified(client, personas.director)
    assert client.get(SETUP)["Location"].startswith(STEP)


@pytest.mark.django_db
def test_an_enrolled_account_cannot_enrol_another_device_without_the_second_step(client, personas):
    enrolled(personas.staff_x)
    force_login_unverified(client, personas.staff_x)
    assert client.get(SETUP)["Location"].startswith(STEP)
    client.post(SETUP, {"code": "123456"})
    assert TOTPDevice.objects.filter(user=personas.staff_x).count() == 1


@pytest.mark.django_db
def test_superusers_are_asked_too(client):
    admin = UserFactory(username="root", is_superuser=True, is_staff=True)
    force_login_unverified(client, admin)
    assert client.get("/admin/")["Location"].startswith(STEP)
    client.force_login(admin)  # the suite's sign-in passes the second step
    assert client.get("/admin/").status_code == 200


@pytest.mark.django_db
def test_seed_demo_gives_privileged_demo_accounts_the_secrets_published_in_the_readme(settings, client):
    from pathlib import Path

    from django.core.management import call_command

    from portal.demo import demo_totp_secret

    settings.DEBUG = True
    call_command("seed_demo")
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    devices = {d.user.username: d for d in TOTPDevice.objects.filter(confirmed=True).select_related("user")}
    assert set(devices) == {
        "staff_x",
        "staff_y",
        "director",
        "keeper",
        "county_yanta",
        "county_weiyang",
        "province",
        "street_xiaozhai",
        "city_xian",
        "dept_yanta",
        "admin",
    }
    for username, device in devices.items():
        assert f"| {username} |" in readme and f"`{demo_totp_secret(username)}`" in readme
        assert base64.b32encode(device.bin_key).decode() == demo_totp_secret(username)
    # a code computed from the published secret passes the real second step
    client.post(LOGIN, {"username": "13800000003", "password": "demo-pass-2026"})
    assert client.post(STEP, {"code": code_for(devices["staff_x"]), "next": DESK})["Location"] == DESK
