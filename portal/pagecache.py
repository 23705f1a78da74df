"""The busiest signed-in pages (the desk's queue, the register, the county desk, a resident's requests) from the
shared cache, per person and session, until anything they show changes; and the public verification page of a code
(VerificationPage, below), which every visitor who is not signed in sees alike.

Why: these pages render 50 rows with their permission scopes and counts, 15-40 ms of CPU each, and staff reload them
all day; the load test's goal (README, "Load test") is half the throughput of a bare view, which only a page that is
not computed again can reach.

Correctness rests on generations. A page is kept under the generations of what it shows: each community the person
works in (c:<code>), each county they oversee (county:<prefix>), the person themself (u:<id>), and one global
generation. A change deletes the generations it touches (signals below, in one call after its transaction commits):
a write in a community (a request, an event, a register entry, a seal use, a certificate...) deletes its
community's, its county's and the applicant's; anything this module cannot place (a catalog item, a region, a
membership) deletes the global one. A deleted generation is replaced by a new random value when next read, so no
page kept under the old one can be served again. A reader reads the generations before the database, so a page
computed from rows older than a commit is always kept under a generation that the commit's delete retired.

What a kept page cannot skip: the sign-in, the second step and the account checks run before the view (middleware);
the person's memberships, the session, the language, the care mode, the day and the release's templates are part of
the key, so a narrowed role or an ended term never meets its old page; only 200 responses without a message or a
cookie are kept. The form tokens (csrfmiddlewaretoken) are blanked before keeping and a fresh one is put in on every
serving.

Bounds: no page is kept longer than PAGE_CACHE_SECONDS (default 60), which also bounds a change that no signal saw or
that was made while Redis could not be reached. QuerySet.update and bulk_create send no signal: the portal's own
uses either share a transaction with a saved row that retires the same pages (retention, account closing, the
supervision phone) or call changed_everywhere (the region import); a data migration or a hand-run SQL fix is bounded
by the 60 s. At most KEPT_PER_MINUTE new pages are kept per person a minute, and only for the query parameters a view
reads, so that no one can fill Redis with copies of a page. Pages are kept encrypted (AES-GCM) under a key derived
from the session key or the certificate's code, which Redis never holds (portal/authstate.py keeps only the session
key's hash): a copy of Redis reveals no name. Only with the shared cache and for GET and HEAD
(portal.authstate.enabled); PAGE_CACHE_SECONDS=0 turns it off.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import re
import time
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils import timezone
from django.utils.translation import get_language

from portal import authstate
from portal.access import active_memberships
from portal.regions import Level, code_prefix

log = logging.getLogger(__name__)

PREFIX = "pagecache:v1:"
GLOBAL = PREFIX + "gen:global"
# A generation outlives any page kept under it; one that expired is simply a new one (its pages become unreachable).
GENERATION_SECONDS = 24 * 3600
KEPT_PER_MINUTE = 60
_TOKEN = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]*"')
_SLOT = b'name="csrfmiddlewaretoken" value="\x00csrf\x00"'

# Written while pages are read (audit of who saw what, a verification, a sign-in code, an export job, an upload in
# progress) and shown on none of the cached pages: they retire nothing, or every page view would retire its own page.
NOT_SHOWN = frozenset(
    {
        "portal.AuditEntry",
        "portal.LoginLockout",
        "portal.ApiCall",
        "portal.PhoneCode",
        "certificates.VerificationRecord",
        "certificates.PendingUpload",
        "certificates.ExportJob",
    }
)
# Where a row's community and applicant are, for rows that do not carry them (paths from the row's own model).
PLACED_THROUGH = {
    "certificates.IssuedCertificate": ("entry__community", "entry__request__applicant"),
    "certificates.RegisterCancellation": ("entry__community", "entry__request__applicant"),
    "certificates.CertificateRevocation": ("certificate__entry__community", "certificate__entry__request__applicant"),
    "certificates.CertificateReprint": ("certificate__entry__community", "certificate__entry__request__applicant"),
    "certificates.CertificateReceipt": ("certificate__entry__community", "certificate__entry__request__applicant"),
    "certificates.FindingEvent": ("finding__community", None),
    "certificates.ComplaintEvent": ("complaint__community", None),
    "certificates.AlertAcknowledgement": ("alert__community", None),
    "certificates.SigningKeyRevocation": ("key__community", None),
    "seals.SealUse": ("seal__community", "register_entry__request__applicant"),
    "seals.SealHandover": ("seal__community", None),
}
APPS = ("portal", "certificates", "seals", "catalog")


def enabled() -> bool:
    return settings.PAGE_CACHE_SECONDS > 0 and authstate.enabled()


def community_key(code: str) -> str:
    return f"{PREFIX}gen:c:{code}"


def county_key(code: str) -> str:
    return f"{PREFIX}gen:county:{code_prefix(Level.COUNTY, code)}"


def person_key(user_id: object) -> str:
    return f"{PREFIX}gen:u:{user_id}"


# --- what a change retires -------------------------------------------------------------------------------------------


class _Retirement:
    """The generations a transaction's writes touched, deleted in one call after its commit (an import or a batch
    saves many rows). Only after the commit: until then no other reader can see the change, and a page one computes
    meanwhile is kept under a generation this delete retires."""

    def __init__(self) -> None:
        self.keys: set[str] = set()

    def __call__(self) -> None:
        keys, self.keys = self.keys, set()
        if keys:
            cache.delete_many(sorted(keys))  # tried even while portal.cache pauses after an error


def _retire(keys: Iterable[str]) -> None:
    connection = transaction.get_connection()
    pending = getattr(connection, "_pagecache_retirement", None)
    if pending is None:
        pending = connection._pagecache_retirement = _Retirement()
    # Not in the list: a new transaction, or the savepoint that registered it rolled back (its keys with it).
    registered = any(callback is pending for _savepoints, callback, _robust in connection.run_on_commit)
    if not registered:
        pending.keys = set()
    pending.keys |= set(keys)
    if not registered:
        transaction.on_commit(pending)  # outside a transaction: at once


def changed_places(community_codes: Iterable[str] = (), people: Iterable[object] = ()) -> None:
    """Retire the pages of these communities (and their counties) and people."""
    keys = {k for code in community_codes for k in (community_key(code), county_key(code))}
    _retire(keys | {person_key(p) for p in people})


def changed_everywhere() -> None:
    """Retire every kept page; for writes that send no signal (bulk_create of places, say)."""
    _retire([GLOBAL])


# A place's id → its code. Codes never change (portal/regions_import.py keeps a place's code and retires, never
# recodes); a process that saves a place forgets them all.
_codes: dict[int, str] = {}


def _code_of(region_id: int | None) -> str | None:
    if region_id is None:
        return None
    code = _codes.get(region_id)
    if code is None:
        from portal.models import Region

        code = Region.objects.filter(pk=region_id).values_list("code", flat=True).first()
        if code is not None:
            _codes[region_id] = code
    return code


def _placement(sender, instance) -> tuple[str | None, object] | None:
    """(community code, applicant id) of a saved row, or None where it cannot be placed. From the row's own fields
    where it carries them (no query but, once per place and process, its code)."""
    names = {f.attname for f in sender._meta.concrete_fields}
    if "request_id" in names:  # the request's applicant follows it on "my requests"
        request = instance._state.fields_cache.get("request")
        if request is None:
            from certificates.models import CertificateRequest

            found = CertificateRequest.objects.filter(pk=instance.request_id).values_list(
                "community_id", "applicant_id"
            )
            community_id, applicant_id = found.first() or (None, None)
        else:
            community_id, applicant_id = request.community_id, request.applicant_id
        return _code_of(community_id), applicant_id
    if "community_id" in names:
        person = next((p for p in ("applicant_id", "resident_id") if p in names), None)
        return _code_of(instance.community_id), (getattr(instance, person) if person else None)
    label = sender._meta.label
    rule = PLACED_THROUGH.get(label) or PLACED_THROUGH.get(label.replace(".Historical", ".", 1))
    if rule is None:
        return None
    place, person = rule
    fields = [f"{place}__code"] + ([person] if person else [])
    row = sender._default_manager.filter(pk=instance.pk).values_list(*fields).first()
    if row is None:  # not visible here: nothing to place it by
        return None
    return row[0], (row[1] if person else None)


def _saved(sender, instance, created=False, update_fields=None, raw=False, **_kwargs) -> None:
    if raw or settings.PAGE_CACHE_SECONDS <= 0 or sender._meta.label in NOT_SHOWN:
        return
    if sender._meta.concrete_model._meta.label == "portal.Region":
        _codes.clear()
    if sender._meta.label == settings.AUTH_USER_MODEL:
        if update_fields is not None and set(update_fields) <= {"last_login"}:
            return  # every sign-in writes it; no page shows it
        # A new account is on no page but its own; a changed one may be (names on the register, the queue).
        _retire([person_key(instance.pk)] if created else [person_key(instance.pk), GLOBAL])
        return
    placement = _placement(sender, instance)
    if placement is None or placement[0] is None:
        changed_everywhere()
        return
    code, person = placement
    changed_places([code], [person] if person is not None else [])


def _deleted(sender, instance, **_kwargs) -> None:
    if settings.PAGE_CACHE_SECONDS > 0 and sender._meta.label not in NOT_SHOWN:
        changed_everywhere()  # rare (permanent records are never deleted); the row can no longer be placed


def connect() -> None:
    from django.apps import apps

    for label in APPS:
        for model in apps.get_app_config(label).get_models():
            uid = f"portal.pagecache.{model._meta.label}"
            post_save.connect(_saved, sender=model, dispatch_uid=uid + ".saved")
            post_delete.connect(_deleted, sender=model, dispatch_uid=uid + ".deleted")


# --- serving ---------------------------------------------------------------------------------------------------------


def _generation_keys(request: HttpRequest) -> list[str] | None:
    """The generations a person's pages are kept under, or None when their places are not ones kept here."""
    keys = [GLOBAL, person_key(request.user.pk)]
    for membership in active_memberships(request.user):
        region = membership.region
        if region.level == Level.COMMUNITY:
            keys.append(community_key(region.code))
        elif region.level == Level.COUNTY:
            keys.append(county_key(region.code))
        else:
            return None  # a street, city or province sees more than one county: computed every time
    return keys


def _generations(keys: list[str]) -> list[str] | None:
    found = cache.get_many(keys)
    values = []
    for key in keys:
        value = found.get(key)
        if value is None:
            cache.add(key, uuid.uuid4().hex, GENERATION_SECONDS)
            value = cache.get(key)
            if value is None:  # the cache could not keep it: compute the page
                return None
        values.append(value)
    return values


def _session_secret(request: HttpRequest) -> bytes | None:
    key = getattr(request.session, "session_key", None)
    if not key:
        return None
    return hashlib.sha256(f"{settings.SECRET_KEY}\x1fpagecache\x1f{key}".encode()).digest()


@functools.cache
def _build() -> str:
    """The templates and the static files' manifest this process renders with: a page kept by a worker of the
    previous release (its markup, its hashed file names) is never served by one of the next."""
    digest = hashlib.sha256()
    roots = [Path(d) for engine in settings.TEMPLATES for d in engine.get("DIRS", [])]
    files = sorted(f for root in roots for f in root.rglob("*") if f.is_file())
    manifest = Path(settings.STATIC_ROOT or "") / "staticfiles.json"
    for path in [*files, manifest] if manifest.is_file() else files:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _key(kind: str, request: HttpRequest, generations: list[str], query: str, *parts: str) -> str:
    common = [
        _build(),
        request.path,
        query,
        get_language() or "",
        request.COOKIES.get("care_mode", ""),
        timezone.localdate().isoformat(),  # items, terms and validity begin and end by date
    ]
    digest = hashlib.sha256("\x1f".join([*generations, *common, *parts]).encode()).hexdigest()
    return f"{PREFIX}{kind}:{digest}"


def _person_key(request: HttpRequest, generations: list[str], query: str, secret: bytes) -> str:
    memberships = [
        (m.pk, m.role, m.region_id, str(m.starts_on), str(m.ends_on)) for m in active_memberships(request.user)
    ]
    verified = getattr(request.user, "is_verified", None)
    return _key(
        "page",
        request,
        generations,
        query,
        hashlib.sha256(secret).hexdigest(),  # the session (a hash of a hash: the key itself stays out of Redis)
        str(request.user.pk),
        str(bool(verified and verified())),
        repr(memberships),
    )


def _seal(secret: bytes, key: str, headers: list, beside: object, body: bytes) -> bytes:
    """Headers, what is kept beside the page (JSON) and the page, encrypted and authenticated together; the key is the
    associated data, so a value moved to another key does not open."""
    nonce = os.urandom(12)
    plain = json.dumps([headers, beside]).encode() + b"\n" + body
    return nonce + AESGCM(secret).encrypt(nonce, plain, key.encode())


def _open(secret: bytes, key: str, sealed: object) -> tuple[list, object, bytes] | None:
    """(headers, beside, body), or None for a miss: nothing kept, or not a value this key sealed (tampered with, or
    written by something else)."""
    if not isinstance(sealed, bytes):
        return None
    try:
        plain = AESGCM(secret).decrypt(sealed[:12], sealed[12:], key.encode())
    except InvalidTag:
        return None
    meta, body = plain.split(b"\n", 1)  # sealed by _seal of this release (the release is in the key)
    headers, beside = json.loads(meta)
    return [(name, value) for name, value in headers], beside, body


def _has_messages(request: HttpRequest) -> bool:
    return len(get_messages(request)) > 0


def _kept_query(request: HttpRequest, params: frozenset[str]) -> str | None:
    """The query string a kept page is named by: only the parameters the view reads, each short; None (computed,
    never kept) for anything else, so that made-up parameters cannot fill Redis with copies of one page."""
    if not set(request.GET) <= params:
        return None
    items = sorted((name, value) for name in request.GET for value in request.GET.getlist(name))
    if any(len(value) > 40 for _name, value in items):
        return None
    return "&".join(f"{name}={value}" for name, value in items)


def _may_keep(request: HttpRequest) -> bool:
    """At most KEPT_PER_MINUTE new pages per person a minute: page numbers or filter values cycled in a loop keep no
    more than that."""
    counter = f"{PREFIX}kept:{request.user.pk}:{int(time.time() // 60)}"
    try:
        cache.add(counter, 0, 120)
        return cache.incr(counter) <= KEPT_PER_MINUTE
    except Exception:  # noqa: BLE001 - cannot count (Redis away): do not keep
        return False


def _served(request: HttpRequest, key: str, secret: bytes) -> tuple[HttpResponse, object] | None:
    """The kept page with a fresh form token, and what was kept beside it; None when there is none."""
    kept = _open(secret, key, cache.get(key))
    if kept is None:
        return None
    headers, beside, body = kept
    token = f'name="csrfmiddlewaretoken" value="{get_token(request)}"'.encode()
    response = HttpResponse(body.replace(_SLOT, token))
    for name, value in headers:
        response[name] = value
    return response, beside


def _keep(request: HttpRequest, key: str, secret: bytes, response: HttpResponse, beside: object = None) -> None:
    if response.status_code == 200 and not response.streaming and not response.cookies and not _has_messages(request):
        body = _TOKEN.sub(lambda _match: _SLOT, response.content)
        cache.set(key, _seal(secret, key, list(response.items()), beside, body), settings.PAGE_CACHE_SECONDS)


def cached_page(*params: str) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Serve the view's page from the shared cache while nothing it shows has changed (see the module's note).
    `params`: the query parameters the view reads; a request with any other is computed. Put it under the view's
    sign-in and method decorators: they run on every request."""
    allowed = frozenset(params)

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not enabled() or not request.user.is_authenticated or _has_messages(request):
                return view(request, *args, **kwargs)
            query = _kept_query(request, allowed)
            secret = _session_secret(request)
            keys = _generation_keys(request) if query is not None and secret else None
            generations = _generations(keys) if keys is not None else None
            if generations is None:
                return view(request, *args, **kwargs)
            key = _person_key(request, generations, query, secret)
            served = _served(request, key, secret)
            if served is not None:
                return served[0]
            response = view(request, *args, **kwargs)
            if _may_keep(request):
                _keep(request, key, secret, response)
            return response

        return wrapper

    return decorator


# --- the public verification page ------------------------------------------------------------------------------------


def _locator_key(code: str) -> str:
    return PREFIX + "verify-place:" + hashlib.sha256(f"{settings.SECRET_KEY}\x1f{code}".encode()).hexdigest()


class VerificationPage:
    """The public result page of a certificate's code, alike for every visitor who is not signed in (language and
    care mode aside; a signed-in visitor's page names them and is always computed), kept under its community's
    generation: a revocation, a reprint or a correction of the entry retires it. Kept encrypted under a key derived
    from the code, which Redis never holds. Only a plain view (no QR payload to check, no file): the caller still
    records every verification itself, with the certificate's id kept beside the page."""

    def __init__(self, request: HttpRequest, code: str):
        self.request = request
        self.secret = hashlib.sha256(f"{settings.SECRET_KEY}\x1fverify\x1f{code}".encode()).digest()
        self.locator = _locator_key(code)
        self.key: str | None = None
        self.usable = bool(
            settings.PAGE_CACHE_SECONDS > 0
            and authstate.enabled()
            and code
            and not request.user.is_authenticated
            and not request.GET
            and not _has_messages(request)
        )
        place = cache.get(self.locator) if self.usable else None
        if isinstance(place, str):
            # Read before the database, as for the signed-in pages: a page computed from older rows is kept under a
            # generation that the change's delete has retired.
            generations = _generations([GLOBAL, community_key(place)])
            if generations is not None:
                self.key = _key("verify", request, generations, "", code)

    def served(self) -> tuple[HttpResponse, int] | None:
        return _served(self.request, self.key, self.secret) if self.key else None

    def keep(self, response: HttpResponse, *, certificate_id: int, community_code: str) -> None:
        if not self.usable:
            return
        if self.key is None:
            # Its place was not known before the database was read: keep the place only (it never changes); the next
            # view keeps the page, under generations read first.
            cache.set(self.locator, community_code, GENERATION_SECONDS)
            return
        _keep(self.request, self.key, self.secret, response, certificate_id)
