"""The one check for texts a request's services store: printable everywhere, free of liability where printed.

Texts that can end on a sealed certificate (the resident's field values, the applicant's name, purpose, requesting
body, the exceptional matter's name and the verification note that becomes its body) go through the liability guard
(catalog/liability.py, Shaanxi notice 二(一)); every stored text goes through the printable check (portal/text.py).
Errors come back keyed by the caller's field names, so the form shows each message next to the field that holds
the words, and nothing typed is lost.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError

from catalog.liability import ensure_no_liability
from portal.text import printable_errors


def text_errors(*, printed: dict[str, str] | None = None, stored: dict[str, str] | None = None) -> dict[str, list[str]]:
    """field -> messages. printed: texts that can appear on a certificate; stored: texts kept but never printed."""
    printed, stored = printed or {}, stored or {}
    errors = printable_errors({**stored, **printed})
    try:
        ensure_no_liability(printed)
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    return errors


def merge(errors: dict[str, list[str]], more: dict[str, list[str]]) -> dict[str, list[str]]:
    for field, messages in more.items():
        errors.setdefault(field, []).extend(messages)
    return errors
