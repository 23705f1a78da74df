"""Error pages: 400, 403, 404, 500, the CSRF failure page and the 503 page shown while the database is down.

Every page is in Chinese (translated on display), says what happened and offers a way back (the previous page of
this site, the home page).

Which reasons are shown. A 403 or 404 page shows the message the view raised only when the exception is one of the
portal's own `PublicReason` exceptions (`Forbidden`, `NotFound`): a sentence written for the person who sees the
page, e.g. `raise Forbidden(_("只有本社区主任可以撤销证明。"))`. Everything else stays generic: Django's internal
messages ("No Seal matches the given query.", the URL resolver's details) name models and paths, are in English and
are not meant for users, and a plain `PermissionDenied(str(error))` might carry anything. The marker makes showing a
reason a decision taken where the exception is raised, not a guess taken here.

The 500 and 503 pages are rendered without a request context: context processors read the user's memberships from
the database, and the database may be what just failed. They use `errors/bare.html`, a layout with the portal's
look that needs nothing but static files and the URL resolver.
"""

from __future__ import annotations

import sys
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csrf import REASON_NO_CSRF_COOKIE
from django.shortcuts import render
from django.template import loader
from django.urls import reverse
from django.views.decorators.csrf import requires_csrf_token

# Seconds a client is asked to wait before retrying while the database is unavailable.
RETRY_AFTER_SECONDS = 60
# Exceptions that mean "the database cannot be reached or used right now" (connection refused or lost, server
# shutting down, too many connections, a lock or statement timeout): the request may succeed later.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)


class PublicReason(Exception):
    """Marker: the exception's message was written by the portal for the person who sees the error page."""

    @property
    def reason(self) -> str:
        return str(self.args[0]) if self.args else ""


class Forbidden(PublicReason, PermissionDenied):
    """403 whose message (a translated Chinese sentence) is shown on the error page."""


class NotFound(PublicReason, Http404):
    """404 whose message (a translated Chinese sentence) is shown on the error page."""


def public_reason(exception: BaseException | None) -> str:
    """The message to show for this exception: only a PublicReason's, never Django's internal ones."""
    return exception.reason if isinstance(exception, PublicReason) else ""


def back_url(request: HttpRequest) -> str:
    """Where "返回上一页" leads: the previous page when it is a page of this site (from the Referer), else home.

    Only the path and query of the referring page are kept, so the link can never lead to another site.
    """
    home = reverse("home")
    referer = request.META.get("HTTP_REFERER", "")
    try:
        parts = urlsplit(referer)
        host = request.get_host()
    except Exception:  # a malformed header or a disallowed Host (the 400 page): no way back but home
        return home
    if parts.scheme not in {"http", "https"} or parts.netloc != host or not parts.path.startswith("/"):
        return home
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _page(request: HttpRequest, template: str, status: int, **context) -> HttpResponse:
    response = render(request, template, {"back_url": back_url(request), **context}, status=status)
    response["Cache-Control"] = "no-store"
    return response


@requires_csrf_token
def bad_request(request: HttpRequest, exception: BaseException | None = None) -> HttpResponse:
    return _page(request, "errors/400.html", 400)


@requires_csrf_token
def permission_denied(request: HttpRequest, exception: BaseException | None = None) -> HttpResponse:
    return _page(request, "errors/403.html", 403, reason=public_reason(exception))


@requires_csrf_token
def page_not_found(request: HttpRequest, exception: BaseException | None = None) -> HttpResponse:
    return _page(request, "errors/404.html", 404, reason=public_reason(exception))


def _bare_context(request: HttpRequest | None) -> dict:
    """What errors/bare.html needs, read from settings only (no context processor, no database)."""
    return {
        "portal_operator": settings.PORTAL_OPERATOR,
        "demo_mode": settings.DEMO_MODE,
        "back_url": back_url(request) if request is not None else reverse("home"),
    }


def maintenance_response(request: HttpRequest | None = None) -> HttpResponse:
    """503 with Retry-After and a page that needs no database: "系统维护中，请稍后再试"."""
    body = loader.render_to_string("errors/503.html", _bare_context(request))
    response = HttpResponse(body, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """500, or 503 when what failed is the database (raised outside a view, e.g. while saving the session).

    Django calls this handler while handling the exception, so sys.exception() is the error itself.
    """
    if isinstance(sys.exception(), DATABASE_UNAVAILABLE):
        return maintenance_response(request)
    body = loader.render_to_string("errors/500.html", _bare_context(request))
    response = HttpResponse(body, status=500)
    response["Cache-Control"] = "no-store"
    return response


# Field names never shown back on the CSRF failure page: secrets, and form machinery that means nothing to a person.
HIDDEN_FIELDS = ("password", "passwd", "secret", "token", "otp", "csrfmiddlewaretoken")
TECHNICAL_FIELDS = {"revision", "next", "action", "language"}
MAX_KEPT_FIELDS = 40
MAX_KEPT_CHARS = 20_000


def kept_fields(request: HttpRequest) -> list[tuple[str, str]]:
    """The text the person typed into the form that failed, as (field name, value): no secret, no file."""
    try:
        data = request.POST
    except Exception:  # an unreadable or oversized body: nothing to give back
        return []
    kept: list[tuple[str, str]] = []
    for name, values in data.lists():
        lowered = name.lower()
        if lowered in TECHNICAL_FIELDS or any(word in lowered for word in HIDDEN_FIELDS):
            continue
        for value in values:
            if value.strip():
                kept.append((name[:100], value[:MAX_KEPT_CHARS]))
        if len(kept) >= MAX_KEPT_FIELDS:
            break
    return kept[:MAX_KEPT_FIELDS]


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: the form's page had expired (signed in or out in another tab, or left open too long).

    What the person typed is shown back as copyable text, not as a new form with a fresh token that posts again.
    A CSRF failure may be exactly what it guards against: a form on another site posting into the portal. Turning
    that post into a ready-made form with a valid token would let the other site's text reach the portal with one
    click on "continue"; as read-only text it can only be copied into the real form, reopened from our own link.
    Passwords, tokens and files are never shown back.
    """
    return _page(  # Django has already logged the failure (django.security.csrf)
        request,
        "errors/csrf.html",
        403,
        kept=kept_fields(request) if request.method == "POST" else [],
        cookie_missing=reason == REASON_NO_CSRF_COOKIE,
    )
