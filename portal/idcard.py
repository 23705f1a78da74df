"""Resident identity numbers (公民身份号码, GB 11643-1999): validation and masking.

A number is 17 digits plus a check character computed with ISO 7064 MOD 11-2; digits 7-14 are the birth date.
"""

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"
_SHAPE = re.compile(r"^\d{17}[\dX]$")


def check_character(first17: str) -> str:
    """The 18th character of a 公民身份号码 for its first 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def normalize_id_number(value: str) -> str:
    return value.strip().upper()


def validate_id_number(value: str) -> None:
    """Raise ValidationError unless value is a well-formed 18-character number with a real birth date."""
    number = normalize_id_number(value)
    if not _SHAPE.match(number):
        raise ValidationError(_("公民身份号码应为18位，前17位为数字，最后一位为数字或X。"), code="shape")
    try:
        born = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError(_("公民身份号码中的出生日期不存在。"), code="birth_date") from None
    if born < dt.date(1900, 1, 1) or born > dt.date.today():
        raise ValidationError(_("公民身份号码中的出生日期不在合理范围内。"), code="birth_date")
    if check_character(number[:17]) != number[17]:
        raise ValidationError(_("公民身份号码校验位不正确，请核对。"), code="checksum")


def mask_id_number(value: str | None) -> str:
    """Show the first 6 and last 4 characters only (region code and tail), as the policy on personal data asks."""
    if not value:
        return ""
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str | None) -> str:
    """A mobile number keeps its first 3 and last 4 digits (138****0001), the same rule as the ID number: in full
    only for those who need to call the person."""
    if not value:
        return ""
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]
