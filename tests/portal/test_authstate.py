"""The signed-in state from the shared cache (portal/authstate.py): a repeated signed-in page reads none of the
session, account, device or membership rows, and yet every change that ends or narrows a sign-in takes effect on the
very next request, in another browser holding the same session too. Without a shared cache nothing is kept."""

import datetime as dt
import pickle

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core.cache import cache, caches
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal import authstate
from portal.models import Membership, User
from tests.conftest import pass_second_step

pytestmark = pytest.mark.django_db

BACKEND = "portal.auth.PhoneOrUsernameBackend"  # what the sign-in form stores in the session
AUTH_TABLES = ("django_session", "portal_user", "otp_totp_totpdevice", "portal_membership")


@pytest.fixture
def shared_cache(settings):
    settings.AUTH_STATE_SECONDS = 60
    settings.SESSION_ENGINE = "portal.authstate"


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user, backend=BACKEND)
    pass_second_step(client, user)
    return client


def same_session(client: Client) -> Client:
    """Another browser holding a copy of the same session cookie (a stolen cookie, a second computer): its own
    cookie jar, so that signing out in the first browser clears nothing in it."""
    other = Client()
    other.cookies[settings.SESSION_COOKIE_NAME] = client.cookies[settings.SESSION_COOKIE_NAME].value
    return other


def desk(client: Client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("desk:queue"))
    tables = {table for table in AUTH_TABLES if any(f'"{table}"' in q["sql"] for q in queries.captured_queries)}
    return response, tables


def test_a_repeated_signed_in_page_reads_none_of_the_sign_in_rows(shared_cache, personas):
    client = signed_in(personas.staff_x)
    cache.clear()  # signing in cached some of them already
    first, first_tables = desk(client)
    again, again_tables = desk(client)
    assert first.status_code == again.status_code == 200
    assert first_tables == set(AUTH_TABLES)
    assert again_tables == set()


def test_without_a_shared_cache_every_request_reads_them(personas):
    client = signed_in(personas.staff_x)
    desk(client)
    response, tables = desk(client)
    assert response.status_code == 200
    assert tables == set(AUTH_TABLES)


def test_signing_out_ends_the_session_in_every_browser_at_once(shared_cache, personas):
    client = signed_in(personas.staff_x)
    copy = same_session(client)
    assert desk(copy)[0].status_code == 200
    client.post(reverse("logout"))
    response, _ = desk(copy)
    assert response.status_code == 302 and reverse("login") in response.url


def _deactivate(user: User) -> None:
    user.is_active = False


def _change_password(user: User) -> None:
    user.set_password("another-long-password-2026")


@pytest.mark.parametrize(
    "change",
    [_deactivate, _change_password],
    ids=["a deactivated account", "a changed password ends the other sessions"],
)
def test_an_account_change_signs_the_session_out_at_once(shared_cache, personas, change):
    client = signed_in(personas.staff_x)
    assert desk(client)[0].status_code == 200
    user = User.objects.get(pk=personas.staff_x.pk)
    change(user)
    user.save()
    response, _ = desk(client)
    assert response.status_code == 302 and reverse("login") in response.url


def test_an_ended_membership_loses_its_pages_at_once(shared_cache, personas):
    client = signed_in(personas.staff_x)
    assert desk(client)[0].status_code == 200
    Membership.objects.filter(user=personas.staff_x).update(active=False)  # no signal: proves the next line matters
    membership = Membership.objects.get(user=personas.staff_x)
    membership.save()
    assert desk(client)[0].status_code == 403


def test_a_removed_device_sends_the_session_back_to_the_second_step(shared_cache, personas):
    client = signed_in(personas.staff_x)
    assert desk(client)[0].status_code == 200
    TOTPDevice.objects.filter(user=personas.staff_x).delete()
    response, _ = desk(client)
    assert response.status_code == 302 and response.url.startswith(reverse("second_step") + "?")


def test_an_appointment_ending_today_is_gone_tomorrow(shared_cache, personas, monkeypatch):
    today = timezone.localdate()
    Membership.objects.filter(user=personas.staff_x).update(ends_on=today)
    client = signed_in(personas.staff_x)
    assert desk(client)[0].status_code == 200
    tomorrow = today + dt.timedelta(days=1)
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: tomorrow)
    assert desk(client)[0].status_code == 403


def test_a_copy_read_before_a_change_commits_is_deleted_after_the_commit(
    shared_cache, personas, django_capture_on_commit_callbacks
):
    """A concurrent request may read the old row between the change and its commit and cache it: the change deletes
    the copy again once it has committed."""
    user = User.objects.get(pk=personas.staff_x.pk)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        user.is_active = False
        user.save()
        cache.set(authstate.user_key(user.pk), User.objects.get(pk=user.pk), 60)  # as that request would
        cache.set(authstate.memberships_key(user.pk), (timezone.localdate().isoformat(), []), 60)
    assert cache.get(authstate.user_key(user.pk)) is None
    assert cache.get(authstate.memberships_key(user.pk)) is None


def test_no_copy_is_kept_longer_than_the_setting(shared_cache, settings, personas, monkeypatch):
    settings.AUTH_STATE_SECONDS = 7
    lifetimes: dict[str, list] = {}
    backend = caches["default"]
    real_set = backend.set

    def spy(key, value, timeout=None, version=None):
        if key.startswith(authstate.PREFIX):
            kind = key[len(authstate.PREFIX) :].split(":")[0]
            lifetimes.setdefault(kind, []).append(timeout)
        return real_set(key, value, timeout, version)

    monkeypatch.setattr(backend, "set", spy)
    client = signed_in(personas.staff_x)
    cache.clear()
    desk(client)
    assert client.session.get(SESSION_KEY)
    assert set(lifetimes) == {"session", "user", "device", "memberships"}
    assert all(0 < t <= 7 for kind in lifetimes.values() for t in kind)


def test_a_write_reads_the_database_so_a_missed_revocation_never_lets_it_through(shared_cache, personas):
    """A change that no signal announced (as when Redis could not be reached at that moment) leaves a stale copy for
    at most AUTH_STATE_SECONDS, for reading: a POST reads the database, so the deactivated account cannot act, nor
    save its stale copy back over the deactivation."""
    old_password = "the-old-long-password-2026"
    user = User.objects.get(pk=personas.staff_x.pk)
    user.set_password(old_password)
    user.save()
    client = signed_in(user)
    assert desk(client)[0].status_code == 200
    User.objects.filter(pk=user.pk).update(is_active=False)  # no signal: the copy is stale
    assert desk(client)[0].status_code == 200  # the documented window, for reading only
    new_password = "another-long-password-2026"
    response = client.post(
        reverse("account_settings"),
        {
            "action": "password",
            "password-old_password": old_password,
            "password-new_password1": new_password,
            "password-new_password2": new_password,
        },
    )
    assert response.status_code == 302 and reverse("login") in response.url
    after = User.objects.get(pk=user.pk)
    assert after.is_active is False and after.check_password(old_password)  # nothing saved back


def test_a_session_ended_without_a_word_to_the_cache_cannot_write(shared_cache, personas):
    """Session rows deleted behind the cache's back (as by a sign-out while Redis was unreachable): page views may
    use the copy for at most AUTH_STATE_SECONDS, a POST reads the session from the database and is signed out."""
    from django.contrib.sessions.models import Session

    client = signed_in(personas.staff_x)
    assert desk(client)[0].status_code == 200
    Session.objects.all().delete()
    assert desk(client)[0].status_code == 200  # the documented window, for reading only
    response = client.post(reverse("account_settings"), {"action": "notify", "notify-channel": "sms"})
    assert response.status_code == 302 and reverse("login") in response.url


def test_redis_holds_no_session_key_and_no_device_secret(shared_cache, personas):
    client = signed_in(personas.staff_x)
    cache.clear()
    desk(client)
    session_key = client.cookies[settings.SESSION_COOKIE_NAME].value
    backend = caches["default"]
    keys = list(backend._cache)  # LocMemCache's own store: every key as written
    assert any(":session:" in key for key in keys) and not any(session_key in key for key in keys)
    id_number = "11010519491231002X"
    User.objects.filter(pk=personas.staff_x.pk).update(id_number=id_number)
    cache.clear()
    desk(client)
    assert id_number.encode() not in pickle.dumps(cache.get(authstate.user_key(personas.staff_x.pk)))
    device = TOTPDevice.objects.get(user=personas.staff_x)
    kept = cache.get(authstate.device_key(device.persistent_id))
    assert kept is not None and device.key.encode() not in pickle.dumps(kept)  # what Redis would store


def test_a_membership_moved_to_another_person_leaves_the_previous_holder_at_once(shared_cache, personas):
    client = signed_in(personas.staff_x)
    assert desk(client)[0].status_code == 200
    membership = Membership.objects.get(user=personas.staff_x)
    membership.user = personas.resident_b
    membership.save()
    assert desk(client)[0].status_code == 403


def test_an_unreadable_copy_is_read_again_from_the_database(shared_cache, personas):
    client = signed_in(personas.staff_x)
    desk(client)
    backend = caches["default"]
    backend._cache[backend.make_key(authstate.user_key(personas.staff_x.pk))] = b"not a pickle"
    assert desk(client)[0].status_code == 200
