"""Sign-in lockout: django-axes counts failures per (account, client address); this module says when a locked pair
may try again, answers a locked-out sign-in with the sign-in page, and keeps a permanent record of each lockout.

The pair, not the account alone: someone guessing from one address cannot lock the real person out everywhere, and
not the address alone: a shared office address is not locked by one person's typos. The account is the one the
typed identifier names (portal.auth.lockout_identity), so username and phone number share one count. Wrong
second-step codes count towards the same lockout (portal.twofactor).

States of a pair: counting (fewer than AXES_FAILURE_LIMIT failures in the last AXES_COOLOFF_TIME) → locked (until
the newest counted failure is AXES_COOLOFF_TIME old; retries while locked are refused and not counted) → counting.
"""

from __future__ import annotations

import datetime as dt

from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.access import officer_regions
from portal.auth import lockout_identity
from portal.models import LoginLockout, Membership, User


def client_ip(request: HttpRequest) -> str | None:
    """The client address axes counts by (AXES_CLIENT_IP_CALLABLE): REMOTE_ADDR as the WSGI server sets it.

    Never a client-supplied X-Forwarded-For, which would let an attacker choose a fresh address per attempt.
    """
    return request.META.get("REMOTE_ADDR") or None


def unlock_time(request: HttpRequest, credentials: dict | None = None) -> dt.datetime | None:
    """When the (account, address) pair of this request may sign in again; None when it is not locked."""
    cool_off = get_cool_off(request)
    now = timezone.now()
    attempts = list(
        AccessAttempt.objects.filter(
            username=lockout_identity(request, credentials),
            ip_address=client_ip(request),
            attempt_time__gte=now - cool_off,
        ).order_by("attempt_time")
    )
    remaining = sum(a.failures_since_start for a in attempts)
    if remaining < settings.AXES_FAILURE_LIMIT:
        return None
    # The oldest counted failures fall out of the window first; the lock ends when fewer than the limit remain.
    for attempt in attempts:
        remaining -= attempt.failures_since_start
        if remaining < settings.AXES_FAILURE_LIMIT:
            return attempt.attempt_time + cool_off
    return now + cool_off  # not reached: the loop ends below the limit


def unlock_minute(until: dt.datetime) -> dt.datetime:
    """The minute shown to people for a lock's end, in local time: rounded up, because "try after 10:45" must never be
    a minute too early. The sign-in page and the officer's lockout list both show this one value."""
    local = timezone.localtime(until)
    if local.second or local.microsecond:
        local = (local + dt.timedelta(minutes=1)).replace(second=0, microsecond=0)
    return local


def lockout_message(until: dt.datetime | None) -> str:
    if until is None:
        return _("登录失败次数过多，请稍后再试。")
    local = unlock_minute(until)
    if local.date() == timezone.localdate():
        when = f"{local:%H:%M}"
    else:
        when = _("%(month)s月%(day)s日 %(time)s") % {"month": local.month, "day": local.day, "time": f"{local:%H:%M}"}
    return _("登录失败次数过多，已暂停从当前网络登录该账号。请于 %(time)s 后再试。") % {"time": when}


def lockout_rule() -> dict[str, int]:
    """The rule as the sign-in page states it."""
    return {"limit": settings.AXES_FAILURE_LIMIT, "minutes": int(get_cool_off().total_seconds() // 60)}


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict | None = None
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: the sign-in page again, with the time to try again (HTTP 429)."""
    if original_response is not None and getattr(request, "lockout_page_rendered", False):
        return original_response  # the second step already shows the lockout on its own page
    from portal.forms import LoginForm  # forms import the auth backend, which is loaded before this module

    form = LoginForm(request, initial={"username": request.POST.get("username", "")})
    context = {
        "form": form,
        "next": request.POST.get("next") or request.GET.get("next", ""),
        "lockout_message": lockout_message(unlock_time(request, credentials)),
        "lockout_rule": lockout_rule(),
    }
    return render(request, "registration/login.html", context, status=settings.AXES_HTTP_RESPONSE_CODE)


def record_lockout(sender, request: HttpRequest, username: str, ip_address: str | None, **kwargs) -> None:
    """Receiver of axes.signals.user_locked_out: one permanent record per lockout (not per refused retry)."""
    if request is None or getattr(request, "axes_failures_since_start", None) is None:
        return  # axes sends the signal again for every retry while locked; only a counted failure locks anew
    now = timezone.now()
    LoginLockout.objects.create(
        account=User.objects.filter(username=username).first(),
        identifier=username or "",
        ip_address=ip_address,
        step=LoginLockout.Step.CODE if getattr(request, "second_factor_step", False) else LoginLockout.Step.PASSWORD,
        failures=request.axes_failures_since_start,
        locked_at=now,
        locked_until=unlock_time(request, {"username": username}) or now + get_cool_off(request),
    )


def lockouts_visible_to(user: User) -> QuerySet[LoginLockout]:
    """Lockouts of people who hold an active membership in a place the officer supervises (a county officer their
    county, a provincial officer the province). Lockouts of unknown names belong to no place: admin only."""
    regions = officer_regions(user)
    if not regions:
        return LoginLockout.objects.none()
    scope = Q(pk__in=[])
    for region in regions:
        scope |= Q(region__code__startswith=region.prefix)
    people = Membership.objects.filter(scope, active=True).values("user_id")
    return LoginLockout.objects.filter(account_id__in=people).select_related("account")
