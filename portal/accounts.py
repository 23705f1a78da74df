"""Residents' own accounts: signing up with a mobile number and an SMS code, resetting a password by code, changing
the phone number, the notification channel, closing the account.

States of an account: active → closed (closed_at set, cannot sign in, phone number released). Closing deletes
nothing: requests, register entries and events keep the name as it was (they hold their own copy and point at the
account, which stays).
"""

from __future__ import annotations

import secrets

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import phonecodes
from portal.idcard import normalize_id_number, validate_id_number
from portal.models import BindingStatus, CodePurpose, Membership, NotifyChannel, ResidenceBinding, User
from portal.roles import Role


def _new_username() -> str:
    """Self-registered accounts sign in by phone number; the username is only an internal, stable handle."""
    while True:
        name = f"u{secrets.token_hex(5)}"
        if not User.objects.filter(username=name).exists():
            return name


def _check_password(password: str, user: User, errors: dict[str, list[str]], field: str = "password1") -> None:
    try:
        validate_password(password, user)
    except ValidationError as error:
        errors.setdefault(field, []).extend(error.messages)


def _raise(errors: dict[str, list[str]]) -> None:
    if errors:
        raise ValidationError(errors)


def account_sign_up(*, phone: str, code: str, real_name: str, id_number: str, password: str) -> User:
    """Create a resident's account. The code is checked last, so a typo elsewhere does not spend a try."""
    errors: dict[str, list[str]] = {}
    phone = phonecodes.normalize_phone(phone)
    real_name = (real_name or "").strip()
    if not real_name:
        errors["real_name"] = [_("请填写真实姓名。")]
    if id_number:
        try:
            validate_id_number(id_number)
        except ValidationError as error:
            errors["id_number"] = error.messages
        id_number = normalize_id_number(id_number)
    candidate = User(username="", real_name=real_name, phone=phone)
    _check_password(password, candidate, errors)
    _raise(errors)
    if not phonecodes.code_check(phone=phone, purpose=CodePurpose.SIGN_UP, code=code):
        raise ValidationError({"code": [phonecodes.wrong_code_message()]})
    with transaction.atomic():
        # Only the owner of the number gets here (the code proved it), so saying it is taken reveals nothing.
        if User.objects.select_for_update().filter(phone=phone).exists():
            raise ValidationError({"phone": [_("该手机号已注册。请直接登录；忘记密码可用短信验证码找回。")]})
        user = User(username=_new_username(), real_name=real_name, phone=phone, id_number=id_number or "")
        user.set_password(password)
        user.full_clean()
        user.save()
    return user


def password_reset_by_code(*, phone: str, code: str, password: str) -> User:
    phone = phonecodes.normalize_phone(phone)
    user = phonecodes.active_account(phone)
    errors: dict[str, list[str]] = {}
    _check_password(password, user or User(phone=phone), errors)
    _raise(errors)
    if not phonecodes.code_check(phone=phone, purpose=CodePurpose.RESET, code=code) or user is None:
        raise ValidationError({"code": [phonecodes.wrong_code_message()]})
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        user.set_password(password)
        user.save(update_fields=["password"])
    return user


def phone_change(*, user: User, phone: str, code: str) -> User:
    phone = phonecodes.clean_phone(phone)
    if phone == user.phone:
        raise ValidationError({"phone": [_("新号码与当前号码相同。")]})
    if not phonecodes.code_check(phone=phone, purpose=CodePurpose.CHANGE_PHONE, code=code):
        raise ValidationError({"code": [phonecodes.wrong_code_message()]})
    with transaction.atomic():
        if User.objects.select_for_update().filter(phone=phone).exclude(pk=user.pk).exists():
            raise ValidationError({"phone": [_("该号码已用于另一个账号，不能更换为此号码。")]})
        locked = User.objects.select_for_update().get(pk=user.pk)
        locked.phone = phone
        locked.save(update_fields=["phone"])
    user.phone = phone
    return user


def notify_channel_set(*, user: User, channel: str, email: str = "") -> User:
    email = (email or "").strip()
    if channel not in NotifyChannel.values:
        raise ValidationError({"channel": [_("请选择通知方式。")]})
    if channel == NotifyChannel.EMAIL and not email:
        raise ValidationError({"email": [_("选择电子邮件通知时，请填写电子邮箱。")]})
    if channel == NotifyChannel.SMS and not user.phone:
        raise ValidationError({"channel": [_("账号未登记手机号码，不能选择短信通知。")]})
    user.notify_channel = channel
    user.email = email
    user.full_clean(exclude=["password", "username"])
    user.save(update_fields=["notify_channel", "email"])
    return user


def account_close(*, user: User, password: str) -> User:
    """Close the account: it can no longer sign in, its number is free for a new account, its residence ends.

    Nothing is deleted and the name is kept: every permanent record keeps pointing at this account as it was.
    Accounts holding a post (staff, director, keeper, officer) are closed only after the county has ended the post.
    """
    if not user.check_password(password):
        raise ValidationError({"password": [_("密码不正确。")]})
    if Membership.objects.filter(user=user, active=True).exclude(role=Role.RESIDENT).exists():
        raise ValidationError(_("该账号仍担任社区或民政工作职务，请先由区县民政部门办理免职，再注销账号。"))
    now = timezone.now()
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        ResidenceBinding.objects.filter(
            resident=locked, status__in=[BindingStatus.PENDING, BindingStatus.CONFIRMED]
        ).update(status=BindingStatus.ENDED, ended_at=now)
        for membership in Membership.objects.filter(user=locked, role=Role.RESIDENT, active=True):
            membership.active = False
            membership.save(update_fields=["active"])  # save, not update(): the membership's history records it
        locked.is_active = False
        locked.phone = None
        locked.email = ""
        locked.closed_at = now
        locked.set_unusable_password()
        locked.save(update_fields=["is_active", "phone", "email", "closed_at", "password"])
    return locked
