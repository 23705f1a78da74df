"""The signed-in state of a request from the shared cache: the session, the account, its second-factor device and
its memberships.

Why: every signed-in page read these four rows from the database before its own work began, which held every
signed-in page to about a third of the load test's bare view (README, "Load test"). Kept in Redis they cost no query.

Revocation stays immediate. Every write that can end or change the state deletes the cached copy at once and again
after commit (so that a reader who cached the old row mid-transaction is superseded too): signing out or a flushed
session (the session store), an account, device or membership saved or deleted (signals below). Memberships are
kept with the day they were read for, since appointments begin and end by date. And no copy is kept longer than
AUTH_STATE_SECONDS: if Redis could not be reached at the moment a copy had to be deleted, the old state outlives the
change by at most that long (documented in deploy/README.md).

Only with a shared cache (REDIS_URL): a per-process cache could not be cleared in the other workers, so without one
(make run, the tests' default) every request reads the database as before. AUTH_STATE_SECONDS=0 turns it off.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.contrib.sessions.backends.cached_db import SessionStore as CachedDbSessionStore
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.utils import timezone
from django_otp.middleware import OTPMiddleware

T = TypeVar("T")
_MISSING = object()


def enabled() -> bool:
    return settings.AUTH_STATE_SECONDS > 0


def user_key(user_id: Any) -> str:
    return f"authstate:user:{user_id}"


def memberships_key(user_id: Any) -> str:
    return f"authstate:memberships:{user_id}"


def device_key(persistent_id: str) -> str:
    return f"authstate:device:{persistent_id}"


def _read(key: str, load: Callable[[], T]) -> T:
    if not enabled():
        return load()
    value = cache.get(key, _MISSING)
    if value is _MISSING:
        value = load()
        cache.set(key, value, settings.AUTH_STATE_SECONDS)
    return value


def _forget(*keys: str) -> None:
    """At once, and again after commit: a request that read the old row before the commit may have cached it."""

    def delete() -> None:
        for key in keys:
            cache.delete(key)

    delete()
    transaction.on_commit(delete)


def account(user_id: Any, load: Callable[[], T]) -> T:
    return _read(user_key(user_id), load)


def memberships(user_id: Any, load: Callable[[], list]) -> list:
    """A user's active memberships on today's date: a copy read on another day is read again."""
    today = timezone.localdate().isoformat()
    day, rows = _read(memberships_key(user_id), lambda: (today, load()))
    if day != today:
        rows = load()
        if enabled():
            cache.set(memberships_key(user_id), (today, rows), settings.AUTH_STATE_SECONDS)
    return rows


class CachedUserMixin:
    """For the authentication backends: the account of a signed-in session from the shared cache.

    The active flag is checked on every request (ModelBackend.user_can_authenticate), and the session's password
    hash by django.contrib.auth.get_user as always: a copy only spares the query."""

    def get_user(self, user_id):
        from portal.models import User

        user = account(user_id, lambda: User._default_manager.filter(pk=user_id).first())
        return user if user is not None and self.user_can_authenticate(user) else None


class CachedOTPMiddleware(OTPMiddleware):
    """django-otp's middleware with the session's device from the shared cache. The device is used here only to know
    that the session passed the second step (its owner and `confirmed` are checked on every request by
    OTPMiddleware._finalize_device); verifying a code always reads and locks the row itself (django_otp.forms)."""

    def _device_from_persistent_id(self, persistent_id: str):
        return _read(
            device_key(persistent_id),
            lambda: super(CachedOTPMiddleware, self)._device_from_persistent_id(persistent_id),
        )


class _CappedCache:
    """The session cache with every entry's lifetime capped at AUTH_STATE_SECONDS."""

    def __init__(self, backend):
        self._backend = backend

    def set(self, key, value, timeout=None, version=None):  # noqa: A003 - Django's name
        cap = settings.AUTH_STATE_SECONDS
        self._backend.set(key, value, cap if timeout is None else min(timeout, cap), version)

    def __contains__(self, key):
        return key in self._backend

    def __getattr__(self, name):
        return getattr(self._backend, name)


class SessionStore(CachedDbSessionStore):
    """Django's cached_db sessions (written to both, read from the cache first), every copy kept at most
    AUTH_STATE_SECONDS. Signing out deletes both (flush → delete). Settings choose it only with a shared cache."""

    cache_key_prefix = "authstate:session:"

    def __init__(self, session_key=None):
        super().__init__(session_key)
        self._cache = _CappedCache(self._cache)


def _account_changed(sender, instance, **_kwargs) -> None:
    _forget(user_key(instance.pk), memberships_key(instance.pk))


def _membership_changed(sender, instance, **_kwargs) -> None:
    _forget(memberships_key(instance.user_id))


def _device_changed(sender, instance, **_kwargs) -> None:
    _forget(device_key(instance.persistent_id))


def connect() -> None:
    from django.contrib.auth import get_user_model
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from portal.models import Appointment, Membership

    receivers = [
        (get_user_model(), _account_changed),
        # A term's dates are copied onto its membership (portal.appointments); the term itself is connected as well,
        # so that no path that writes only the term leaves a stale copy.
        (Membership, _membership_changed),
        (Appointment, _membership_changed),
        (TOTPDevice, _device_changed),
        (StaticDevice, _device_changed),
    ]
    for model, receiver in receivers:
        for name, signal in (("saved", post_save), ("deleted", post_delete)):
            signal.connect(receiver, sender=model, dispatch_uid=f"portal.authstate.{model.__name__}.{name}")
