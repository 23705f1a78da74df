"""Printable text: what may be stored in a text field that can end on a document.

A certificate must never show a blank where a character should be. Characters that no font draws and that no
keyboard means to type are refused when typed, naming them as U+XXXX so that staff can find them:
unassigned code points, private-use characters (input-method home-made characters, 造字), non-characters,
surrogates, and control characters other than newline, carriage return and tab.

Whether an assigned character is in the certificate font is a second question, answered before signing and again
at issuance (certificates/fonts.py): that one depends on the font, this one does not.
"""

from __future__ import annotations

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

ALLOWED_CONTROLS = frozenset("\n\r\t")  # a textarea's line breaks (browsers send CRLF) and tabs


def _unprintable(ch: str) -> bool:
    code = ord(ch)
    if ch in ALLOWED_CONTROLS:
        return False
    if 0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE:  # the 66 non-characters
        return True
    # Cc control, Cs surrogate, Co private use, Cn unassigned (in the Unicode version Python ships).
    return unicodedata.category(ch) in {"Cc", "Cs", "Co", "Cn"}


def code_point(ch: str) -> str:
    return f"U+{ord(ch):04X}"


def check_printable(text: str) -> list[str]:
    """The unprintable characters of text as U+XXXX, each once, in order of first appearance."""
    found: list[str] = []
    for ch in text or "":
        if _unprintable(ch):
            label = code_point(ch)
            if label not in found:
                found.append(label)
    return found


def unprintable_message(found: list[str]) -> str:
    return _(
        "内容含有无法显示或打印的字符（%(chars)s），可能是输入法自造字或复制时带入的隐藏字符。请删除这些字符后重新填写；"
        "生僻字请改用标准汉字输入，或联系区县民政部门处理。"
    ) % {"chars": "、".join(found)}


def printable_errors(texts: dict[str, str]) -> dict[str, list[str]]:
    """field name -> [message] for every text holding an unprintable character."""
    errors: dict[str, list[str]] = {}
    for field, text in texts.items():
        found = check_printable(text)
        if found:
            errors[field] = [unprintable_message(found)]
    return errors


def ensure_printable(texts: dict[str, str]) -> None:
    """Raise one ValidationError keyed by field when any text holds an unprintable character."""
    errors = printable_errors(texts)
    if errors:
        raise ValidationError(errors)
