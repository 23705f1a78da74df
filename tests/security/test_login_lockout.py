"""Sign-in lockout: five failures for one account from one client address lock that pair for 30 minutes.

The time is moved by editing the counted failures' timestamps (axes.AccessAttempt), never by sleeping.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from axes.models import AccessAttempt
from django.db.models import F
from django.utils import timezone

from portal.models import LoginLockout

LOGIN = "/accounts/login/"
OFFICE = "10.1.2.3"
ELSEWHERE = "10.9.9.9"
PASSWORD = "pw-12345678"  # tests.factories.UserFactory
# "请于 10:45 后再试", or with the date when the lock ends after midnight: "请于 12月1日 00:03 后再试"
TIME = re.compile(r"请于 (?:(\d+)月(\d+)日 )?(\d\d):(\d\d) 后再试")


def sign_in(client, identifier: str, password: str = "wrong", address: str = OFFICE):
    return client.post(LOGIN, {"username": identifier, "password": password}, REMOTE_ADDR=address)


def lock_out(client, identifier: str, address: str = OFFICE):
    for attempt in range(1, 5):
        assert sign_in(client, identifier, address=address).status_code == 200, f"locked after {attempt} failures"
    return sign_in(client, identifier, address=address)


def age_failures(minutes: int) -> None:
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - dt.timedelta(minutes=minutes))


def announced_time(response) -> dt.datetime:
    """The 'try again after [M月D日] HH:MM' of a lockout page, as local time (the date only when it is not today)."""
    match = TIME.search(response.content.decode())
    assert match, "the lockout page says when to try again"
    now = timezone.localtime()
    day = now.date()
    if match[1]:
        day = dt.date(now.year + (int(match[1]) < now.month), int(match[1]), int(match[2]))
    return now.replace(
        year=day.year, month=day.month, day=day.day, hour=int(match[3]), minute=int(match[4]), second=0, microsecond=0
    )


@pytest.fixture
def staff(personas):
    personas.staff_x.phone = "13900000003"
    personas.staff_x.save(update_fields=["phone"])
    return personas.staff_x


@pytest.mark.django_db
def test_the_fifth_wrong_password_locks_with_the_sign_in_page_and_the_time_to_try_again(client, staff):
    before = timezone.localtime()
    response = lock_out(client, "staff_x")
    text = response.content.decode()
    assert response.status_code == 429
    assert "portal-navbar" in text and 'name="password"' in text  # the styled sign-in page again
    assert 'value="staff_x"' in text  # nothing typed is lost
    until = announced_time(response)
    if until < before:  # the lock ends after midnight: the page names tomorrow's time
        until += dt.timedelta(days=1)
    # 30 minutes after the fifth failure, rounded up to the minute
    assert before + dt.timedelta(minutes=30) <= until + dt.timedelta(minutes=1)
    assert until <= timezone.localtime() + dt.timedelta(minutes=31)


@pytest.mark.django_db
def test_the_right_password_is_refused_while_locked(client, staff):
    lock_out(client, "staff_x")
    response = sign_in(client, "staff_x", PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assert TIME.search(response.content.decode())


@pytest.mark.django_db
def test_signing_in_works_again_after_the_cool_off(client, staff):
    lock_out(client, "staff_x")
    age_failures(29)
    assert sign_in(client, "staff_x", PASSWORD).status_code == 429  # not yet: the lock lasts 30 minutes
    age_failures(2)
    response = sign_in(client, "staff_x", PASSWORD)
    assert response.status_code == 302
    assert client.session.get("_auth_user_id") == str(staff.pk)


@pytest.mark.django_db
def test_a_retry_while_locked_neither_counts_nor_moves_the_announced_time(client, staff):
    first = announced_time(lock_out(client, "staff_x"))
    age_failures(20)
    retry = sign_in(client, "staff_x")
    assert retry.status_code == 429
    assert announced_time(retry) == first - dt.timedelta(minutes=20)
    assert LoginLockout.objects.count() == 1  # one lockout, however often the locked person retries


@pytest.mark.django_db
def test_another_client_address_is_not_locked_by_the_first_ones_failures(client, staff):
    lock_out(client, "staff_x", address=OFFICE)
    response = sign_in(client, "staff_x", PASSWORD, address=ELSEWHERE)
    assert response.status_code == 302
    assert client.session.get("_auth_user_id") == str(staff.pk)


@pytest.mark.django_db
def test_username_and_phone_number_count_as_one_account(client, staff):
    for identifier in ("staff_x", "13900000003", "staff_x", "13900000003"):
        assert sign_in(client, identifier).status_code == 200
    assert sign_in(client, "13900000003").status_code == 429
    assert sign_in(client, "staff_x", PASSWORD).status_code == 429
    assert sign_in(client, " 13900000003 ", PASSWORD).status_code == 429


@pytest.mark.django_db
def test_an_unknown_name_is_locked_the_same_way(client, personas):
    """Nobody learns from the lockout whether an account exists."""
    response = lock_out(client, "no_such_person")
    assert response.status_code == 429 and TIME.search(response.content.decode())
    lockout = LoginLockout.objects.get()
    assert lockout.account is None and lockout.identifier == "no_such_person"


@pytest.mark.django_db
def test_every_lockout_is_recorded_with_account_address_and_failures(client, staff):
    lock_out(client, "13900000003")
    lockout = LoginLockout.objects.get()
    assert (lockout.account, lockout.ip_address, lockout.failures, lockout.step) == (staff, OFFICE, 5, "password")
    assert lockout.locked_until - lockout.locked_at == pytest.approx(
        dt.timedelta(minutes=30), abs=dt.timedelta(seconds=5)
    )


LOCKOUTS = "/officer/lockouts/"


@pytest.mark.django_db
def test_the_county_officer_of_the_persons_place_sees_the_lockout_and_another_county_does_not(client, staff, personas):
    lock_out(client, "staff_x")
    seen = {}
    for name in ("county_officer", "provincial_officer", "other_county_officer"):
        client.force_login(getattr(personas, name))
        response = client.get(LOCKOUTS)
        assert response.status_code == 200
        seen[name] = response.content.decode()
    for name in ("county_officer", "provincial_officer"):
        text = seen[name]
        assert staff.display_name in text and "139****0003" in text and OFFICE in text
        assert "13900000003" not in text  # the phone number is masked
    assert staff.display_name not in seen["other_county_officer"]
    assert OFFICE not in seen["other_county_officer"]


@pytest.mark.django_db
def test_the_lockout_list_is_for_officers_only(client, personas):
    for name in ("resident_a", "staff_x", "director", "keeper"):
        client.force_login(getattr(personas, name))
        assert client.get(LOCKOUTS).status_code == 403
    client.logout()
    assert client.get(LOCKOUTS).status_code == 302


@pytest.mark.django_db
def test_the_officer_list_shows_the_same_minute_the_sign_in_page_announced(client, staff, personas):
    """One rounding (portal.lockout.unlock_minute): the person and the officer read the same time to try again."""
    announced = announced_time(lock_out(client, "staff_x"))
    client.force_login(personas.county_officer)
    text = client.get(LOCKOUTS).content.decode()
    shown = re.findall(r"\d{4}-\d\d-\d\d (\d\d:\d\d)", text)  # 锁定时间, then 解除时间
    assert shown[-1] == f"{announced:%H:%M}", (shown, announced)
