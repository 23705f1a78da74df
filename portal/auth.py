"""Sign-in with a username or an 11-digit phone number, and the account identity the sign-in lockout counts by."""

from __future__ import annotations

import unicodedata

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import Q
from django.http import HttpRequest

from portal.authstate import CachedUserMixin
from portal.models import User


def normalize_identifier(identifier: str | None) -> str:
    """What a person typed in the username-or-phone field, as the sign-in form cleans it (NFKC, no spaces)."""
    return unicodedata.normalize("NFKC", identifier or "").strip()


def find_account(identifier: str | None) -> User | None:
    """The account a sign-in identifier names: by username or by phone number (the one lookup for both uses)."""
    identifier = normalize_identifier(identifier)
    if not identifier:
        return None
    return get_user_model().objects.filter(Q(username=identifier) | Q(phone=identifier)).order_by("pk").first()


def lockout_identity(request: HttpRequest | None, credentials: dict | None) -> str:
    """The account key django-axes counts failures by (AXES_USERNAME_CALLABLE).

    An identifier that names an account counts as that account's username, so typing the phone number and the
    username in turn cannot double the attempts. An identifier that names no account counts as typed (normalised):
    unknown names are locked out the same way, which tells an attacker nothing about which accounts exist.
    """
    identifier = (credentials or {}).get("username")
    if identifier is None and request is not None:
        identifier = request.POST.get("username")
    identifier = normalize_identifier(identifier)
    account = find_account(identifier)
    return account.get_username() if account is not None else identifier[:150]


class PhoneOrUsernameBackend(CachedUserMixin, ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or password is None:
            return None
        user = find_account(username)
        if user is None:
            get_user_model()().set_password(password)  # same cost as a real check: no timing hint the user is unknown
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None


class SmsCodeBackend(CachedUserMixin, ModelBackend):
    """Sign-in with a phone number and a one-time SMS code (for residents who forgot their password).

    Called as authenticate(request, username=phone, sms_code=code): the phone number is the `username` credential,
    so django-axes (AxesStandaloneBackend, listed first) counts failures and refuses locked-out pairs exactly as for
    passwords. A privileged account signed in this way is still unverified: SecondFactorMiddleware sends it to the
    second step like after a password.
    """

    def authenticate(self, request, username=None, sms_code=None, **kwargs):
        if username is None or sms_code is None:
            return None
        from portal import phonecodes  # phonecodes imports models that import this module's siblings
        from portal.models import CodePurpose

        phone = phonecodes.normalize_phone(username)
        if not phonecodes.code_check(phone=phone, purpose=CodePurpose.SIGN_IN, code=sms_code):
            return None
        user = phonecodes.active_account(phone)
        if user is not None and self.user_can_authenticate(user):
            return user
        return None
