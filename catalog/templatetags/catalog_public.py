"""Filters for public pages and documents (公开公示, refusal notices, the notice board).

Internal working notes never reach the public: a basis or referral still to be confirmed by the county carries notes
such as '（文号待核）' or '条号待核' in the reference data; the public sees the text without them.
"""

import re

from django import template

register = template.Library()

_PENDING = re.compile(r"[，,；;、\s]*(?:依据)?(?:文号|条号|地方实施规定|条款)?待(?:区县)?核(?:实|准)?[。.]?")
_EMPTY_BRACKETS = re.compile(r"[（(]\s*[)）]")


@register.filter
def public_text(value) -> str:
    """'规程（人社厅发〔2018〕107号，待核）' → '规程（人社厅发〔2018〕107号）'; '条号待核' → ''."""
    text = _PENDING.sub("", str(value or ""))
    return _EMPTY_BRACKETS.sub("", text).strip()


@register.filter
def chinese_date(value) -> str:
    """2026-12-01 → 2026年12月1日 (GB/T 9704), as announcements and the notice board print dates."""
    from catalog.rules import chinese_date as format_date

    return format_date(value) if value else ""
