"""API keys of departments (部门接口密钥): creation (token shown once), revocation, authentication, scopes, the
per-key rate limit and the audit of every call made with a key.

A token is `ck_<prefix>_<secret>`: the prefix (8 hex characters) is stored in clear to find the key and to name it
on the county's page; the secret is 32 random bytes. Only the SHA-256 of the whole token is stored — the token
carries 256 random bits, so a fast hash is enough (unlike an ID number, whose space is small enough to enumerate,
which is why the API never pretends a hashed ID number protects anyone).

A key belongs to the county (or province) that issued it (`ApiKey.region`): its officers manage it and read its
calls, and the key reaches only certificates of communities in that region.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable

from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from redis.exceptions import RedisError
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import BasePermission
from rest_framework.throttling import BaseThrottle

from portal.access import officer_regions, supervises
from portal.idcard import mask_id_number
from portal.models import ApiCall, ApiKey, ApiScope, Region, User
from portal.ratelimit import client_address

TOKEN_PREFIX = "ck"  # noqa: S105 - the visible prefix of every key, not a secret
MAX_RATE_LIMIT = 6000
RATE_WINDOW_SECONDS = 60


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _split(token: str) -> tuple[str, str] | None:
    parts = token.split("_", 2)  # the secret is URL-safe base64 and may itself contain "_"
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX or len(parts[1]) != 8:
        return None
    return parts[1], parts[2]


# --- services (the officer's page calls these) ------------------------------------------------------------------


def keys_for_officer(user: User) -> QuerySet[ApiKey]:
    """The keys issued by places the officer supervises (a county its county's, the province all)."""
    places = officer_regions(user)
    if not places:
        return ApiKey.objects.none()
    condition = Q()
    for place in places:
        condition |= Q(region__code__startswith=place.prefix)
    return ApiKey.objects.filter(condition).select_related("region", "created_by", "revoked_by")


def calls_for_officer(user: User) -> QuerySet[ApiCall]:
    """Calls made with the keys the officer's places issued."""
    return ApiCall.objects.filter(key__in=keys_for_officer(user)).select_related("key", "key__region")


def api_key_create(
    *, actor: User, region: Region, department: str, scopes: Iterable[str], rate_limit_per_minute: int
) -> tuple[ApiKey, str]:
    """Create a key and return it with its token, which is never stored nor shown again."""
    department = (department or "").strip()
    scopes = sorted(set(scopes))
    errors: dict[str, str] = {}
    if region not in officer_regions(actor):
        errors["region"] = _("只能为本人负责的地方发放密钥。")
    if not department:
        errors["department"] = _("请填写使用密钥的部门名称。")
    if not scopes or any(s not in ApiScope.values for s in scopes):
        errors["scopes"] = _("请至少选择一项权限。")
    if not 1 <= rate_limit_per_minute <= MAX_RATE_LIMIT:
        errors["rate_limit_per_minute"] = _("每分钟调用上限应在1到%(max)s之间。") % {"max": MAX_RATE_LIMIT}
    if not errors and ApiKey.objects.filter(region=region, department=department, revoked_at__isnull=True).exists():
        errors["department"] = _("该部门已有一把有效密钥；如需更换，请先撤销原密钥。")
    if errors:
        raise ValidationError(errors)
    prefix = secrets.token_hex(4)
    token = f"{TOKEN_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    key = ApiKey.objects.create(
        department=department,
        region=region,
        prefix=prefix,
        key_hash=hash_token(token),
        scopes=scopes,
        rate_limit_per_minute=rate_limit_per_minute,
        created_by=actor,
    )
    return key, token


@transaction.atomic
def api_key_revoke(*, key: ApiKey, actor: User) -> ApiKey:
    key = ApiKey.objects.select_for_update().select_related("region").get(pk=key.pk)
    if not supervises(actor, key.region):
        raise ValidationError(_("只能撤销本人负责的地方发放的密钥。"))
    if key.revoked_at is None:  # revoking twice changes nothing
        key.revoked_at = timezone.now()
        key.revoked_by = actor
        key.save(update_fields=["revoked_at", "revoked_by"])
    return key


# --- DRF: authentication, scopes, rate limit --------------------------------------------------------------------


class KeyInvalid(exceptions.AuthenticationFailed):
    default_code = "key_invalid"


class KeyRevoked(exceptions.AuthenticationFailed):
    default_code = "key_revoked"


class ScopeMissing(exceptions.PermissionDenied):
    default_code = "scope_missing"


def token_from_request(request) -> str | None:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip()
    return None


class ApiKeyAuthentication(BaseAuthentication):
    """`Authorization: Bearer ck_…`. No header: anonymous (public endpoints). A wrong or revoked key: 401."""

    def authenticate(self, request):
        token = token_from_request(request)
        if token is None:
            return None
        parts = _split(token)
        key = ApiKey.objects.select_related("region").filter(prefix=parts[0]).first() if parts else None
        if key is None or not hmac.compare_digest(key.key_hash, hash_token(token)):
            raise KeyInvalid(_("接口密钥无效。"))
        if not key.is_active:
            request._request.api_key_refused = key  # the refused call is audited too
            raise KeyRevoked(_("该接口密钥已被撤销。"))
        return (AnonymousUser(), key)  # a key is a department, never a user of the site

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="api"'


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "portal.apikeys.ApiKeyAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "部门接口密钥，由区县民政部门发放：Authorization: Bearer ck_…",
        }


class HasScope(BasePermission):
    """A view with `required_scope` needs a key holding that scope; a view without one is public."""

    def has_permission(self, request, view) -> bool:
        scope = getattr(view, "required_scope", None)
        if scope is None:
            return True
        key = request.auth
        if not isinstance(key, ApiKey):
            raise exceptions.NotAuthenticated(_("该接口需要部门接口密钥。"))
        if not key.has_scope(scope):
            raise ScopeMissing(_("该接口密钥没有此项权限。"))
        return True


def count_hit(bucket: str, *, window_seconds: int) -> int:
    """Count one hit in a fixed window kept in the cache (Redis when REDIS_URL is set)."""
    key = f"ratelimit:{bucket}"
    cache.add(key, 0, timeout=window_seconds)
    try:
        return cache.incr(key)
    except ValueError:  # the key expired between add and incr
        cache.set(key, 1, timeout=window_seconds)
        return 1


class ApiRateThrottle(BaseThrottle):
    """Per key (its own limit per minute) for keyed calls; per client address for public calls, with the limit
    the view names in `public_rate` (a (limit, window seconds) pair read from settings)."""

    def allow_request(self, request, view) -> bool:
        key = request.auth
        if isinstance(key, ApiKey):
            limit, window, bucket = key.rate_limit_per_minute, RATE_WINDOW_SECONDS, f"apikey:{key.prefix}"
        else:
            limit, window = view.public_rate()
            bucket = f"api-{view.throttle_scope}:{client_address(request)}"
        self.window = window
        try:
            return count_hit(bucket, window_seconds=window) <= limit
        except RedisError:  # Redis down: keyed (identified, audited) calls go on; public ones wait (closed)
            return isinstance(key, ApiKey)

    def wait(self) -> float:
        return float(self.window)


# --- audit -----------------------------------------------------------------------------------------------------


def _text(value, limit: int) -> str:
    """What a department sent, as the audit can store it: the audit row must never fail because of the input it
    records (PostgreSQL refuses NUL characters, UTF-8 refuses lone surrogates)."""
    if not isinstance(value, str):
        return ""
    value = value.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")
    return value.strip()[:limit]


def record_call(request, response, *, operation: str, audit: dict) -> ApiCall | None:
    """Write the permanent row for a call made with a key (also refused and invalid ones)."""
    key = request.auth if isinstance(request.auth, ApiKey) else getattr(request._request, "api_key_refused", None)
    if key is None:
        return None
    address = client_address(request)
    now = timezone.now()
    call = ApiCall.objects.create(
        key=key,
        method=request.method[:8],
        path=request.path[:300],
        operation=operation[:64],
        status_code=response.status_code,
        purpose=_text(audit.get("purpose"), 200),
        basis=_text(audit.get("basis"), 300),
        subject=_text(audit.get("subject"), 200),
        result=_text(audit.get("result"), 32),
        client_address=address if address != "unknown" else None,
    )
    ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
    return call


def audit_subject(*, id_number: str, concept: str, certificate: str = "") -> str:
    """How a check names what was asked: the concept, the certificate if any, and the ID number masked."""
    parts = [p for p in (concept, certificate, mask_id_number(id_number)) if p]
    return " · ".join(parts)
