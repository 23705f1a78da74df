"""The liability guard: nothing under a committee seal may carry legal or economic liability.

Source: the Shaanxi notice of 2021-02-23, 二(一): a residents' committee seal may never back a certificate that
carries legal liability or economic joint liability (担保、连带责任 and the like). Every text that can end on a sealed
document goes through `ensure_no_liability` in the service that stores it, and the document chokepoint checks again
before rendering.

Interface (stable; the phrase set behind it may become data maintained by provincial officers):
- `liability_phrases(text) -> list[str]`: the liability phrases found in `text`, after normalisation.
- `ensure_no_liability(texts) -> None`: texts is field name -> text; raises one ValidationError keyed by field,
  naming the words found and why they are refused.
"""

from __future__ import annotations

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# Interim phrase set; patterns are matched against the normalised text (no spaces or punctuation, simplified).
DEFAULT_PATTERNS: tuple[str, ...] = (
    "担保",
    "保证人",
    "保证书",
    "保函",
    "连带责任",
    "承担法律责任",
    "承担经济责任",
    "偿还",
    "保证其",
    r"承担.{0,12}责任",
    "赔偿",
)

_DROP = re.compile(r"[\s\W_]+", re.UNICODE)


def normalise(text: str) -> str:
    """NFKC (full/half width), then drop spacing and punctuation so '承 担，连带-责任' reads as '承担连带责任'."""
    return _DROP.sub("", unicodedata.normalize("NFKC", text or ""))


def liability_phrases(text: str) -> list[str]:
    flat = normalise(text)
    found: list[str] = []
    for pattern in DEFAULT_PATTERNS:
        for match in re.finditer(pattern, flat):
            if match.group(0) not in found:
                found.append(match.group(0))
    return found


def ensure_no_liability(texts: dict[str, str]) -> None:
    errors: dict[str, list[str]] = {}
    for field, text in texts.items():
        found = liability_phrases(text)
        if found:
            errors.setdefault(field, []).append(
                _("内容含有“%(words)s”：社区居（村）民委员会印章不能用于承担法律责任或经济连带责任的文书。")
                % {"words": "、".join(found)}
            )
    if errors:
        raise ValidationError(errors)
