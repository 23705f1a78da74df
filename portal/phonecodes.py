"""One-time SMS codes for signing up, signing in, resetting a password and changing a phone number.

Rules (issue 9): a code is valid 5 minutes and allows 5 tries, then it is dead; a new code replaces the previous one
for the same number and purpose. Sending is limited per number (one a minute, CODES_PER_NUMBER_HOUR an hour) and per
client address (CODES_PER_ADDRESS_HOUR an hour), counted in the shared cache (portal.ratelimit). What the person is
told never depends on whether the number has an account: the same words, the same limits; a code for signing in or
resetting is only actually sent to a number that has one.
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from portal import sms
from portal.idcard import mask_phone
from portal.models import CodePurpose, PhoneCode, User, phone_validator
from portal.ratelimit import client_address, over_limit_key

CODE_LIFETIME = dt.timedelta(minutes=5)
CODE_TRIES = 5
CODE_INTERVAL_SECONDS = 60
CODES_PER_NUMBER_HOUR = 5
CODES_PER_ADDRESS_HOUR = 20

# Purposes whose code goes only to a number that belongs to an active account.
ACCOUNT_PURPOSES = frozenset({CodePurpose.SIGN_IN, CodePurpose.RESET})


def normalize_phone(value: str | None) -> str:
    return "".join(ch for ch in (value or "") if not ch.isspace() and ch != "-").replace("+86", "", 1)


def clean_phone(value: str | None) -> str:
    phone = normalize_phone(value)
    phone_validator(phone)
    return phone


def _hash(phone: str, purpose: str, code: str) -> str:
    return salted_hmac(f"portal.phonecodes:{purpose}:{phone}", code, algorithm="sha256").hexdigest()


def active_account(phone: str) -> User | None:
    return User.objects.filter(phone=phone, is_active=True).first()


def sent_message(phone: str) -> str:
    """The one answer to every accepted request for a code, whoever owns the number."""
    return _("如果该号码可以接收，验证码已发送至 %(phone)s，5分钟内有效。") % {"phone": mask_phone(phone)}


def code_send(*, phone: str, purpose: str, request: HttpRequest) -> str:
    """Issue a code for `phone` and return the message to show. Raises ValidationError (Chinese) when a limit is hit.

    The limits are counted before anything is looked up, for every number alike, so that neither the answer nor
    the limits tell whether a number is registered.
    """
    phone = clean_phone(phone)
    address = client_address(request)
    if over_limit_key(f"sms-address:{address}", limit=CODES_PER_ADDRESS_HOUR, window_seconds=3600):
        raise ValidationError(_("从当前网络获取验证码过于频繁，请1小时后再试。"), code="limit")
    if over_limit_key(f"sms-interval:{phone}", limit=1, window_seconds=CODE_INTERVAL_SECONDS):
        raise ValidationError(_("验证码发送过于频繁，请1分钟后再试。"), code="limit")
    if over_limit_key(f"sms-number:{phone}", limit=CODES_PER_NUMBER_HOUR, window_seconds=3600):
        raise ValidationError(_("该号码获取验证码次数过多，请1小时后再试。"), code="limit")
    if purpose in ACCOUNT_PURPOSES and active_account(phone) is None:
        return sent_message(phone)  # nothing to send to; the answer is the same
    code = f"{secrets.randbelow(10**6):06d}"
    now = timezone.now()
    with transaction.atomic():
        PhoneCode.objects.filter(phone=phone, purpose=purpose, used_at__isnull=True, replaced=False).update(
            replaced=True
        )
        PhoneCode.objects.create(
            phone=phone,
            purpose=purpose,
            code_hash=_hash(phone, purpose, code),
            created_at=now,
            expires_at=now + CODE_LIFETIME,
            client_address=request.META.get("REMOTE_ADDR") or None,
        )
    sms.send_sms(phone=phone, template="code", params={"code": code})
    return sent_message(phone)


def code_check(*, phone: str, purpose: str, code: str) -> bool:
    """True once for the right code of the newest live code of this number and purpose; every check is a try."""
    phone = normalize_phone(phone)
    code = "".join((code or "").split())
    with transaction.atomic():
        current = (
            PhoneCode.objects.select_for_update()
            .filter(phone=phone, purpose=purpose, used_at__isnull=True, replaced=False)
            .order_by("-created_at", "-pk")
            .first()
        )
        if current is None or current.expires_at <= timezone.now() or current.tries >= CODE_TRIES:
            return False
        current.tries += 1
        ok = len(code) == 6 and constant_time_compare(current.code_hash, _hash(phone, purpose, code))
        if ok:
            current.used_at = timezone.now()
        current.save(update_fields=["tries", "used_at"])
        return ok


def wrong_code_message() -> str:
    return _("验证码不正确或已失效（每个验证码5分钟内有效，最多尝试5次），请核对或重新获取。")
