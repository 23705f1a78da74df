"""Second sign-in step for everyone who acts for a place (portal.access.needs_second_factor): a TOTP app code, or
one of ten single-use recovery codes.

States of an account: no device → enrolling (an unconfirmed TOTP device, shown as a QR code) → enrolled (a confirmed
TOTP device and a static device holding the recovery codes). A session of an enrolled account is unverified after
the password step and verified once a code matched (django_otp.login); portal.middleware.SecondFactorMiddleware
lets an unverified privileged session see nothing but this step. A lost device is reset in the portal
(`second_factor_reset`): by the county officer for the community posts of the county, by the provincial officer for
county officers; the person enrols again after the password step.
"""

from __future__ import annotations

import base64
import re

import segno
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django_otp import devices_for_user
from django_otp import login as otp_login
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.access import active_memberships
from portal.audit import audit_record
from portal.errors import Forbidden
from portal.models import AuditAction, AuditEntry, Region, User
from portal.roles import Role

RECOVERY_CODE_COUNT = 10
TOTP_NAME = "手机验证器"
RECOVERY_NAME = "恢复码"
TOTP_CODE = re.compile(r"^\d{6}$")


def normalize_code(code: str) -> str:
    """Codes are read off a phone or a printout: spaces and dashes are not part of them, case does not matter."""
    return re.sub(r"[\s-]", "", code or "").lower()


def confirmed_totp_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).order_by("pk").first()


def is_enrolled(user: User) -> bool:
    return confirmed_totp_device(user) is not None


def is_verified(request: HttpRequest) -> bool:
    verified = getattr(request.user, "is_verified", None)
    return bool(verified and verified())


@transaction.atomic
def enrolment_device(user: User) -> TOTPDevice:
    """The unconfirmed TOTP device this person is enrolling (the same one on every visit until confirmed)."""
    User.objects.select_for_update().get(pk=user.pk)  # two tabs must not create two secrets
    device = TOTPDevice.objects.devices_for_user(user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)


def secret_text(device: TOTPDevice) -> str:
    """The base32 secret in groups of four, for typing into an authenticator app by hand."""
    secret = base64.b32encode(device.bin_key).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_svg(device: TOTPDevice) -> SafeString:
    """The otpauth:// address as an inline SVG QR code (drawn here: no image service, no script)."""
    svg = segno.make(device.config_url, error="l").svg_inline(
        scale=5, border=4, omitsize=True, dark="#000", light="#fff"
    )
    return format_html('<div class="otp-qr" role="img" aria-label="{}">{}</div>', _("绑定二维码"), SafeString(svg))


@transaction.atomic
def enrol_confirm(*, user: User, code: str) -> tuple[TOTPDevice, list[str]]:
    """Confirm the enrolling device with one code from the app; returns it and ten new recovery codes.

    Raises ValidationError (Chinese) on a wrong code or when there is nothing to confirm.
    """
    device = (
        TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).order_by("pk").first()
        if not is_enrolled(user)
        else None
    )
    if device is None:
        raise ValidationError(_("没有待绑定的验证器，请刷新页面重新开始。"))
    code = normalize_code(code)
    if not TOTP_CODE.match(code) or not device.verify_token(code):
        raise ValidationError(_("验证码不正确。请确认手机时间准确，并输入验证器当前显示的6位数字。"))
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()  # abandoned enrolments in other tabs
    return device, new_recovery_codes(user)


def new_recovery_codes(user: User) -> list[str]:
    """Ten fresh single-use recovery codes; the previous ones stop working."""
    static, _created = StaticDevice.objects.get_or_create(user=user, name=RECOVERY_NAME, defaults={"confirmed": True})
    static.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=static, token=c) for c in codes])
    return codes


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def verify_code(*, user: User, code: str) -> tuple[Device | None, str]:
    """Check a 6-digit app code or a recovery code. Returns (device, "") on success, else (None, Chinese reason).

    Six digits go to the TOTP device only, anything else to the recovery codes only, so a recovery code never
    counts as a failure of the app device (each device throttles its own failures with growing waits).
    """
    code = normalize_code(code)
    if not code:
        return None, _("请输入验证码。")
    model = TOTPDevice if TOTP_CODE.match(code) else StaticDevice
    with transaction.atomic():
        for device in model.objects.devices_for_user(user, confirmed=True).select_for_update():
            allowed, details = device.verify_is_allowed()
            if not allowed:
                until = (details or {}).get("locked_until") or timezone.now()
                return None, _("错误次数较多，请于 %(time)s 后再输入。") % {
                    "time": f"{timezone.localtime(until):%H:%M:%S}"
                }
            if device.verify_token(code):
                return device, ""
    if model is StaticDevice:
        return None, _("恢复码不正确或已经用过。")
    return None, _("验证码不正确。请输入验证器当前显示的6位数字。")


def count_failure(request: HttpRequest, user: User) -> None:
    """A wrong code counts towards the sign-in lockout of this account and address, like a wrong password."""
    request.second_factor_step = True
    user_login_failed.send(sender=__name__, credentials={"username": user.get_username()}, request=request)


def mark_verified(request: HttpRequest, device: Device) -> None:
    """The session has passed the second step: a new session key (the old one was known before the step)."""
    request.session.cycle_key()
    otp_login(request, device)


# --- resetting a lost authenticator, in the portal (issue 9): no superuser, no Django admin ---------------------------
# Who may reset whose second step: a county officer the community posts of their county (staff, directors, keepers),
# the provincial officer the county officers of the province. Nobody their own: a lost phone is told to someone else.
RESET_BY: dict[str, tuple[str, ...]] = {
    Role.COUNTY_OFFICER: (Role.STAFF, Role.DIRECTOR, Role.KEEPER),
    Role.PROVINCIAL_OFFICER: (Role.COUNTY_OFFICER,),
}


def resettable_people(actor: User) -> QuerySet[User]:
    """The people whose second step `actor` may reset (the one definition behind the page and the service)."""
    condition = Q(pk__in=[])
    for m in active_memberships(actor):
        for role in RESET_BY.get(m.role, ()):
            condition |= Q(
                memberships__role=role, memberships__active=True, memberships__region__code__startswith=m.region.prefix
            )
    return User.objects.filter(condition, is_active=True).exclude(pk=actor.pk).distinct()


def _reset_place(actor: User, person: User) -> Region | None:
    """The place the reset concerns (for the audit's readers): the person's post under the actor."""
    for m in active_memberships(actor):
        for held in active_memberships(person):
            if held.role in RESET_BY.get(m.role, ()) and held.region.code.startswith(m.region.prefix):
                return held.region
    return None


@transaction.atomic
def second_factor_reset(request: HttpRequest, *, person: User, reason: str) -> AuditEntry:
    """Remove every authenticator and recovery code of `person` (request.user acts), who enrols again at the next
    sign-in; recorded in the audit with the reason. Sessions that passed the step with the removed device are
    unverified from their next page (django-otp finds no device) and sent to enrolment."""
    actor = request.user
    reason = (reason or "").strip()
    if person.pk == actor.pk:
        raise Forbidden(_("不能重置本人的验证器，请联系上级民政干部。"))
    if not resettable_people(actor).filter(pk=person.pk).exists():
        raise Forbidden(_("只能重置本辖区社区工作人员、主任、印章保管人（区县）或区县民政干部（省级）的验证器。"))
    if not reason:
        raise ValidationError({"reason": [_("请写明重置原因。")]})
    User.objects.select_for_update().get(pk=person.pk)
    devices = list(devices_for_user(person, confirmed=None))
    if not devices:
        raise ValidationError({"reason": [_("此人还没有绑定验证器，下次登录时会直接绑定，无需重置。")]})
    for device in devices:
        device.delete()
    with translation.override(settings.LANGUAGE_CODE):  # permanent text is Chinese whatever the actor's language
        subject = _("%(name)s（%(username)s）：%(reason)s") % {
            "name": person.display_name,
            "username": person.username,
            "reason": reason,
        }
    return audit_record(
        request, action=AuditAction.RESET_SECOND_FACTOR, subject=subject, region=_reset_place(actor, person)
    )
