"""Site-wide pages: home, sign-in with its second step for privileged accounts, and the officers' list of sign-in
lockouts."""

from __future__ import annotations

from urllib.parse import quote, urlencode

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from portal import twofactor
from portal.access import needs_second_factor, officer_regions, regions_with_role
from portal.forms import CodeForm, LoginForm
from portal.lockout import lockout_message, lockout_rule, lockouts_visible_to, unlock_minute, unlock_time
from portal.models import Region
from portal.regions import Level
from portal.roles import Role


def home(request: HttpRequest) -> HttpResponse:
    counties = Region.objects.filter(level=Level.COUNTY).select_related("parent").order_by("code")
    # The two list cards open the lists: of the resident's own community, or the way to find one's community.
    homes = regions_with_role(request.user, Role.RESIDENT) if request.user.is_authenticated else []
    home_community = homes[0] if homes else None
    return render(request, "portal/home.html", {"counties": counties, "home_community": home_community})


def _with_next(url_name: str, next_url: str) -> str:
    return f"{reverse(url_name)}?{urlencode({'next': next_url})}"


def _next_url(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url(settings.LOGIN_REDIRECT_URL)


class LoginView(auth_views.LoginView):
    """First step: the password. A privileged account goes on to the second step (SecondFactorMiddleware would send
    it there anyway; going straight keeps the page it asked for)."""

    form_class = LoginForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        return super().get_context_data(lockout_rule=lockout_rule(), **kwargs)

    def get_success_url(self) -> str:
        url = super().get_success_url()
        if not self.get_redirect_url() and regions_with_role(self.request.user, Role.DIRECTOR):
            # A director's most frequent task: the matters waiting for the signature, signed from that list.
            url = f"{reverse('desk:queue')}?tab=signature"
        if needs_second_factor(self.request.user) and not twofactor.is_verified(self.request):
            return _with_next("second_step", url)
        return url


@never_cache
@login_required
def second_step(request: HttpRequest) -> HttpResponse:
    """Second step: a code from the authenticator app or a recovery code. Wrong codes count towards the lockout."""
    user = request.user
    next_url = _next_url(request)
    if not needs_second_factor(user) or twofactor.is_verified(request):
        return redirect(next_url)
    if not twofactor.is_enrolled(user):
        return redirect(_with_next("second_step_setup", next_url))
    form = CodeForm(request.POST or None)
    status, lockout = 200, ""
    if request.method == "POST":
        credentials = {"username": user.get_username()}
        if AxesProxyHandler.is_locked(request, credentials):
            status, lockout = settings.AXES_HTTP_RESPONSE_CODE, lockout_message(unlock_time(request, credentials))
        elif form.is_valid():
            device, reason = twofactor.verify_code(user=user, code=form.cleaned_data["code"])
            if device is not None:
                twofactor.mark_verified(request, device)
                return redirect(next_url)
            twofactor.count_failure(request, user)
            if getattr(request, "axes_locked_out", False):
                request.lockout_page_rendered = True  # axes' middleware keeps this page rather than the sign-in one
                status, lockout = settings.AXES_HTTP_RESPONSE_CODE, lockout_message(unlock_time(request, credentials))
            else:
                form.add_error("code", reason)
    context = {
        "form": form,
        "next": next_url,
        "lockout_message": lockout,
        "recovery_codes_left": twofactor.recovery_codes_left(user),
    }
    return render(request, "registration/second_step.html", context, status=status)


@never_cache
@login_required
def second_step_setup(request: HttpRequest) -> HttpResponse:
    """Enrolment, once per account: scan the QR code (or type the secret), confirm one code, get recovery codes."""
    user = request.user
    next_url = _next_url(request)
    if not needs_second_factor(user) or twofactor.is_verified(request):
        return redirect(next_url)
    if twofactor.is_enrolled(user):  # a new device only after an administrator removed the old one
        return redirect(_with_next("second_step", next_url))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device, codes = twofactor.enrol_confirm(user=user, code=form.cleaned_data["code"])
        except ValidationError as error:
            form.add_error("code", error)
        else:
            twofactor.mark_verified(request, device)
            text = "\n".join(
                [
                    _("社区证明服务平台 恢复码（每个只能用一次）"),
                    _("账号：%(name)s") % {"name": user.username},
                    "",
                    *codes,
                    "",
                ]
            )
            context = {
                "codes": codes,
                "next": next_url,
                "download_url": "data:text/plain;charset=utf-8," + quote(text),
            }
            return render(request, "registration/recovery_codes.html", context)
    device = twofactor.enrolment_device(user)
    context = {
        "form": form,
        "next": next_url,
        "qr": twofactor.qr_svg(device),
        "secret": twofactor.secret_text(device),
        "issuer": settings.OTP_TOTP_ISSUER,
    }
    return render(request, "registration/second_step_setup.html", context)


@require_POST
def care_mode(request: HttpRequest) -> HttpResponse:
    """The 关怀版 switch for older residents: large text and high contrast, remembered per browser (a cookie, no
    account needed)."""
    response = redirect(_next_url(request))
    if request.POST.get("care") == "1":
        response.set_cookie("care_mode", "1", max_age=365 * 24 * 3600, samesite="Lax", secure=request.is_secure())
    else:
        response.delete_cookie("care_mode", samesite="Lax")
    return response


@login_required
def officer_lockouts(request: HttpRequest) -> HttpResponse:
    """Sign-in lockouts of the people in the places this officer supervises, newest first."""
    regions = officer_regions(request.user)
    if not regions:
        raise PermissionDenied(_("登录锁定记录仅供区县和省级民政干部查看。"))
    lockouts = lockouts_visible_to(request.user).prefetch_related("account__memberships__region")
    page = Paginator(lockouts, 50).get_page(request.GET.get("page"))
    for lockout in page.object_list:
        lockout.unlock_at = unlock_minute(lockout.locked_until)  # the minute the sign-in page tells the person
    return render(request, "portal/officer_lockouts.html", {"page": page, "regions": regions})
