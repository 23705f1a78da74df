"""The signed-in state of a page view from the shared cache: the session, the account, its second-factor device and
its memberships.

Why: every signed-in page read these four rows from the database before its own work began, which held every
signed-in page to about a third of the load test's bare view (README, "Load test"). Kept in Redis they cost no query.

Only reads use the copies. A request that can change something (any method but GET and HEAD) reads the state from
the database, so a revocation that a copy missed can never let a write through, nor a stale account be saved back
over a newer one.

Revocation takes effect on the next read too. Every write that can end or narrow a sign-in deletes the cached copy at
once and again after commit (so that a reader who cached the old row mid-transaction is superseded): signing out or a
flushed session (the session store), an account, device or membership saved or deleted (signals below; a membership
or term moved to another person clears both people). Memberships are kept with the day they were read for, since
appointments begin and end by date. No copy is kept longer than AUTH_STATE_SECONDS: if Redis could not be reached at
the moment a copy had to be deleted, the old state outlives the change by at most that long, for reading pages only;
so does a copy written by a reader that loaded the row before the commit and stored it after the second delete (a
race of milliseconds).

What Redis holds: session keys only as hashes in the key names, the account row without its identity number (the
password hash is needed to check the session's hash), and of a device only its id, owner, name and confirmation.

Only with a shared cache (REDIS_URL): a per-process cache could not be cleared in the other workers, so without one
(make run, the tests' default) every request reads the database as before. AUTH_STATE_SECONDS=0 turns it off.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any, TypeVar

from django.apps import apps
from django.conf import settings
from django.contrib.sessions.backends.cached_db import SessionStore as CachedDbSessionStore
from django.contrib.sessions.backends.db import SessionStore as DbSessionStore
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models.signals import post_delete, post_save, pre_save
from django.http import HttpRequest
from django.utils import timezone
from django_otp.middleware import OTPMiddleware

log = logging.getLogger(__name__)
T = TypeVar("T")
_MISSING = object()
# Bumped when what is kept changes shape: old copies are then never read.
PREFIX = "authstate:v3:"
READ_METHODS = frozenset({"GET", "HEAD"})
DEVICE_FIELDS = ("id", "user_id", "name", "confirmed")

_reading = ContextVar("authstate_reading", default=False)


def enabled() -> bool:
    """Copies are used in a GET or HEAD request, with a shared cache."""
    return settings.AUTH_STATE_SECONDS > 0 and _reading.get()


class ReadOnlyScopeMiddleware:
    """First in the stack: marks a GET or HEAD request as one that may use the copies (see enabled)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        token = _reading.set(request.method in READ_METHODS)
        try:
            return self.get_response(request)
        finally:
            _reading.reset(token)


def user_key(user_id: Any) -> str:
    return f"{PREFIX}user:{user_id}"


def memberships_key(user_id: Any) -> str:
    return f"{PREFIX}memberships:{user_id}"


def device_key(persistent_id: str) -> str:
    return f"{PREFIX}device:{persistent_id}"


def _get(key: str):
    try:
        return cache.get(key, _MISSING)
    except Exception as error:  # a copy that cannot be unpickled (a class moved by a deploy) is a miss
        log.warning(
            "Sign-in state %s could not be read (%s: %s); reading the database", key, type(error).__name__, error
        )
        return _MISSING


def _read(key: str, load: Callable[[], T]) -> T:
    if not enabled():
        return load()
    value = _get(key)
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

        def load():
            return User._default_manager.filter(pk=user_id).first()

        user = _from_stub(account(user_id, lambda: _account_stub(load()))) if enabled() else load()
        return user if user is not None and self.user_can_authenticate(user) else None


# Not kept in Redis: a page that shows them reads them (one query, as a deferred field).
ACCOUNT_FIELDS_NOT_KEPT = frozenset({"id_number"})


def _stub(row, names: tuple[str, ...]) -> tuple | None:
    """What Redis keeps of a row: its model, and the named fields only."""
    if row is None:
        return None
    return (row._meta.label, names, tuple(getattr(row, name) for name in names))


def _from_stub(stub: tuple | None):
    """The row with only the kept fields loaded; the others are deferred, so a page that needs one reads it, and a
    save of this instance writes the loaded fields alone (never the throttling or last-used counters of a device
    from an older read)."""
    if stub is None:
        return None
    label, names, values = stub
    return apps.get_model(label).from_db(DEFAULT_DB_ALIAS, list(names), list(values))


def _account_stub(user) -> tuple | None:
    if user is None:
        return None
    return _stub(user, tuple(f.attname for f in user._meta.concrete_fields if f.attname not in ACCOUNT_FIELDS_NOT_KEPT))


class CachedOTPMiddleware(OTPMiddleware):
    """django-otp's middleware with the session's device from the shared cache. The device is used here only to know
    that the session passed the second step (its owner and `confirmed` are checked on every request by
    OTPMiddleware._finalize_device); verifying a code always reads and locks the row itself (django_otp.forms)."""

    def _device_from_persistent_id(self, persistent_id: str):
        parent = super()._device_from_persistent_id
        if not enabled():
            return parent(persistent_id)
        key = device_key(self._normalize_persistent_id(persistent_id))  # as the change signal names it
        return _from_stub(_read(key, lambda: _stub(parent(persistent_id), DEVICE_FIELDS)))


class _CappedCache:
    """The session cache with every entry's lifetime capped at AUTH_STATE_SECONDS."""

    def __init__(self, backend):
        self._backend = backend

    @staticmethod
    def _capped(timeout):
        cap = settings.AUTH_STATE_SECONDS
        return cap if timeout is None else min(timeout, cap)

    def set(self, key, value, timeout=None, version=None):  # noqa: A003 - Django's name
        # The delete first: it is tried even while portal.cache pauses after a lost connection and the set is not,
        # so a session changed then never leaves its older copy behind for other workers to read and save back.
        self._backend.delete(key, version)
        self._backend.set(key, value, self._capped(timeout), version)

    async def aset(self, key, value, timeout=None, version=None):
        await self._backend.adelete(key, version)
        await self._backend.aset(key, value, self._capped(timeout), version)

    def __contains__(self, key):
        return key in self._backend

    def __getattr__(self, name):
        return getattr(self._backend, name)


def _hashed(session_key: str) -> str:
    return hashlib.sha256(session_key.encode()).hexdigest()


class SessionStore(CachedDbSessionStore):
    """Django's cached_db sessions (written to both, read from the cache first), every copy kept at most
    AUTH_STATE_SECONDS, under a hash of the session key (Redis never holds a usable cookie value). A request that may
    write reads the database (see enabled). Signing out deletes both (flush → delete). Chosen only with a shared
    cache (settings)."""

    cache_key_prefix = PREFIX + "session:"

    def __init__(self, session_key=None):
        super().__init__(session_key)
        self._cache = _CappedCache(self._cache)

    @property
    def cache_key(self):
        return self.cache_key_prefix + _hashed(self._get_or_create_session_key())

    async def acache_key(self):
        return self.cache_key_prefix + _hashed(await self._aget_or_create_session_key())

    def load(self):
        return super().load() if enabled() else DbSessionStore.load(self)

    async def aload(self):
        return await super().aload() if enabled() else await DbSessionStore.aload(self)

    def exists(self, session_key):
        return bool(session_key) and (
            (self.cache_key_prefix + _hashed(session_key)) in self._cache or DbSessionStore.exists(self, session_key)
        )

    async def aexists(self, session_key):
        return bool(session_key) and (
            (self.cache_key_prefix + _hashed(session_key)) in self._cache
            or await DbSessionStore.aexists(self, session_key)
        )

    def delete(self, session_key=None):
        # cached_db deletes the copy under the plain key; ours is under the hash.
        session_key = session_key if session_key is not None else self.session_key
        DbSessionStore.delete(self, session_key)
        if session_key is not None:
            self._cache.delete(self.cache_key_prefix + _hashed(session_key))

    async def adelete(self, session_key=None):
        session_key = session_key if session_key is not None else self.session_key
        await DbSessionStore.adelete(self, session_key)
        if session_key is not None:
            await self._cache.adelete(self.cache_key_prefix + _hashed(session_key))


def _account_changed(sender, instance, **_kwargs) -> None:
    _forget(user_key(instance.pk), memberships_key(instance.pk))


def _membership_changed(sender, instance, **_kwargs) -> None:
    keys = [memberships_key(instance.user_id)]
    previous = getattr(instance, "_authstate_previous_user_id", None)
    if previous is not None and previous != instance.user_id:
        keys.append(memberships_key(previous))  # moved to another person: the previous one loses it as well
    _forget(*keys)


def _remember_previous_holder(sender, instance, raw=False, **_kwargs) -> None:
    if instance.pk is not None and not raw:
        instance._authstate_previous_user_id = (
            sender._default_manager.filter(pk=instance.pk).values_list("user_id", flat=True).first()
        )


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
    for model in (Membership, Appointment):
        pre_save.connect(_remember_previous_holder, sender=model, dispatch_uid=f"portal.authstate.{model.__name__}.pre")
