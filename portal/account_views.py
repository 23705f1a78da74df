"""Residents' own account pages: sign up, sign in by SMS code, reset a password (by SMS code or email), settings,
and the residence binding (the resident's request and the staff's decision)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, update_session_auth_hash
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from portal import accounts, bindings, phonecodes
from portal.access import active_memberships, needs_second_factor
from portal.account_forms import (
    BindingDecideForm,
    BindingRequestForm,
    BindingSearchForm,
    CloseForm,
    CodeSignInForm,
    NotifyForm,
    PhoneChangeForm,
    ResetByCodeForm,
    SignUpForm,
    add_service_errors,
)
from portal.errors import Forbidden
from portal.lockout import lockout_message, unlock_time
from portal.models import CodePurpose, Community, ResidenceBinding
from portal.views import _next_url, _with_next


def _send_code(request: HttpRequest, form, purpose: str) -> str:
    """Ask for a code for the form's phone number; returns the message to show ("" when refused, on the form)."""
    try:
        return phonecodes.code_send(phone=form.cleaned_data["phone"], purpose=purpose, request=request)
    except ValidationError as error:
        add_service_errors(form, error)
        return ""


@never_cache
def sign_up(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("home")
    form = SignUpForm(request.POST or None)
    sent = ""
    if request.method == "POST" and form.is_valid():
        if form.sending:
            sent = _send_code(request, form, CodePurpose.SIGN_UP)
        else:
            data = form.cleaned_data
            try:
                user = accounts.account_sign_up(
                    phone=data["phone"],
                    code=data["code"],
                    real_name=data["real_name"],
                    id_number=data["id_number"],
                    password=data["password1"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                auth_login(request, user, backend="portal.auth.PhoneOrUsernameBackend")
                messages.success(request, _("注册成功。请选择您居住的社区（村），社区确认后即完成绑定。"))
                return redirect("my_community")
    return render(request, "registration/sign_up.html", {"form": form, "sent": sent})


@never_cache
def login_code(request: HttpRequest) -> HttpResponse:
    """Sign in with an SMS code: counted by the same lockout as passwords; privileged accounts still give their
    second step afterwards."""
    next_url = _next_url(request)
    if request.user.is_authenticated:
        return redirect(next_url)
    form = CodeSignInForm(request.POST or None)
    sent, lockout, status = "", "", 200
    if request.method == "POST" and form.is_valid():
        phone = form.cleaned_data["phone"]
        if form.sending:
            sent = _send_code(request, form, CodePurpose.SIGN_IN)
        else:
            user = authenticate(request, username=phone, sms_code=form.cleaned_data["code"])
            if user is not None:
                auth_login(request, user)
                if needs_second_factor(user):
                    return redirect(_with_next("second_step", next_url))
                return redirect(next_url)
            if getattr(request, "axes_locked_out", False):
                request.lockout_page_rendered = True  # keep this page (axes' middleware would show the password one)
                status = settings.AXES_HTTP_RESPONSE_CODE
                lockout = lockout_message(unlock_time(request, {"username": phone}))
            else:
                form.add_error("code", phonecodes.wrong_code_message())
    context = {"form": form, "sent": sent, "lockout_message": lockout, "next": next_url}
    return render(request, "registration/login_code.html", context, status=status)


@never_cache
def password_reset_sms(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("account_settings")
    form = ResetByCodeForm(request.POST or None)
    sent = ""
    if request.method == "POST" and form.is_valid():
        if form.sending:
            sent = _send_code(request, form, CodePurpose.RESET)
        else:
            data = form.cleaned_data
            try:
                accounts.password_reset_by_code(phone=data["phone"], code=data["code"], password=data["password1"])
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("密码已重设，请用新密码登录。"))
                return redirect("login")
    return render(request, "registration/password_reset_sms.html", {"form": form, "sent": sent})


@never_cache
@login_required
def account_settings(request: HttpRequest) -> HttpResponse:
    """Phone number, password, notification channel, closing the account: one page, one form posted at a time."""
    user = request.user
    action = request.POST.get("action", "") if request.method == "POST" else ""
    posted = request.POST if request.method == "POST" else None
    phone_form = PhoneChangeForm(posted if action in ("send", "phone") else None, prefix="phone")
    password_form = PasswordChangeForm(user, posted if action == "password" else None, prefix="password")
    notify_form = NotifyForm(
        posted if action == "notify" else None,
        prefix="notify",
        initial={"channel": user.notify_channel, "email": user.email},
    )
    close_form = CloseForm(posted if action == "close" else None, prefix="close")
    sent = ""
    if action in ("send", "phone"):
        phone_form.sending = action == "send"
        if phone_form.sending:
            phone_form.fields["code"].required = False
        if phone_form.is_valid():
            if phone_form.sending:
                sent = _send_code(request, phone_form, CodePurpose.CHANGE_PHONE)
            else:
                try:
                    accounts.phone_change(
                        user=user, phone=phone_form.cleaned_data["phone"], code=phone_form.cleaned_data["code"]
                    )
                except ValidationError as error:
                    add_service_errors(phone_form, error)
                else:
                    messages.success(request, _("手机号码已更换。"))
                    return redirect("account_settings")
    elif action == "password" and password_form.is_valid():
        password_form.save()
        update_session_auth_hash(request, password_form.user)
        messages.success(request, _("密码已修改。"))
        return redirect("account_settings")
    elif action == "notify" and notify_form.is_valid():
        try:
            accounts.notify_channel_set(user=user, **notify_form.cleaned_data)
        except ValidationError as error:
            add_service_errors(notify_form, error)
        else:
            messages.success(request, _("通知方式已保存。"))
            return redirect("account_settings")
    elif action == "close" and close_form.is_valid():
        try:
            accounts.account_close(user=user, password=close_form.cleaned_data["password"])
        except ValidationError as error:
            add_service_errors(close_form, error)
        else:
            auth_logout(request)
            messages.info(request, _("账号已注销。已出具的证明和办理记录依法保存。"))
            return redirect("home")
    context = {
        "phone_form": phone_form,
        "password_form": password_form,
        "notify_form": notify_form,
        "close_form": close_form,
        "sent": sent,
        "action": action,
    }
    return render(request, "registration/account_settings.html", context)


@never_cache
@login_required
def my_community(request: HttpRequest) -> HttpResponse:
    """The resident's community: the current binding, asking for one (search, then address), and the history."""
    search = BindingSearchForm(request.GET or None)
    results = bindings.community_search(search.cleaned_data["q"]) if search.is_valid() else []
    chosen = None
    code = request.POST.get("community") or request.GET.get("community")
    if code:
        chosen = Community.objects.filter(code=code).select_related("parent__parent").first()
    form = BindingRequestForm(request.POST or None, initial={"community": code or ""})
    if request.method == "POST" and form.is_valid():
        if chosen is None:
            form.add_error(None, _("请先搜索并选择您居住的社区（村）。"))
        else:
            try:
                bindings.binding_request(resident=request.user, community=chosen, address=form.cleaned_data["address"])
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("已提交，请等待社区工作人员确认。确认前您也可以申请证明。"))
                return redirect("my_community")
    context = {
        "current": bindings.current_binding(request.user),
        "history": ResidenceBinding.objects.filter(resident=request.user).select_related("community"),
        "search": search,
        "results": results,
        "chosen": chosen,
        "form": form,
    }
    return render(request, "portal/my_community.html", context)


@never_cache
@login_required
def community_bindings(request: HttpRequest) -> HttpResponse:
    """Staff and directors: residents waiting for their residence to be confirmed, and recent decisions."""
    pending = bindings.pending_for(request.user)
    if not _work_communities(request):
        raise Forbidden(_("居住关系由社区工作人员和社区主任确认。"))
    form = BindingDecideForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        binding = ResidenceBinding.objects.filter(pk=data["binding"], community__in=_work_communities(request)).first()
        if binding is None:
            form.add_error(None, _("找不到该申请。"))
        else:
            try:
                bindings.binding_decide(
                    actor=request.user,
                    binding_id=binding.pk,
                    confirm=data["decision"] == "confirm",
                    reason=data["reason"],
                    at_counter=data["at_counter"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("已办理：%(name)s。") % {"name": binding.resident.display_name})
                return redirect(reverse("community_bindings"))
    context = {
        "community": _work_communities(request)[0],  # whose wording the page speaks (本社区 / 本村)
        "pending": pending,
        "decided": bindings.decided_by_community(request.user),
        "form": form,
        "failed_binding": form.data.get("binding") if form.errors else None,
    }
    return render(request, "portal/community_bindings.html", context)


def _work_communities(request: HttpRequest) -> list:
    return [m.region for m in active_memberships(request.user) if m.role in bindings.DECIDING_ROLES]
