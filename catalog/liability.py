"""The liability guard: nothing under a committee seal may carry legal or economic liability.

Source: the Shaanxi notice of 2021-02-23, 二(一): a residents' committee seal may never back a certificate that
carries legal liability or economic joint liability (担保、连带责任 and the like). Every text that can end on a sealed
document goes through `ensure_no_liability` in the service that stores it, and the document chokepoint checks again
before rendering.

Interface (stable):
- `liability_phrases(text) -> list[str]`: the liability phrases found in `text`, after normalisation.
- `ensure_no_liability(texts) -> None`: texts is field name -> text; raises one ValidationError keyed by field,
  naming the words found and why they are refused.

The phrases are data (`catalog.models.LiabilityPhrase`, maintained by provincial officers with their history, seeded
by a data migration), plus a floor of the notice's own words that no edit can remove (FLOOR). Texts and phrases are
compared after catalog.textnorm.flat(): full-width, spacing, punctuation and traditional characters do not hide a
phrase ('承 擔，連帶-責任' is '承担连带责任'). A phrase may hold the gap mark '…' (承担…责任); never a raw regex.

What passes on purpose:
- A disclaimer: a phrase right after a negation ('不承担任何法律责任', '概不负责赔偿') is the committee refusing
  liability, which is what the notice asks for.
- 保证金 (a deposit): certifying that someone paid one is a fact, not the committee's promise; so the bare word 保证
  is not a phrase, only its liability forms (保证人, 保证书, 保证其…, 作保, 担保).
- Ordinary certificate language: 特此证明, 情况属实, 经入户核实, 仅用于办理…, 该同志.
"""

from __future__ import annotations

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from catalog.textnorm import compile_pattern, flat

# The words of the notice itself (担保、连带责任) and the generic form of taking on liability: always refused.
FLOOR: tuple[str, ...] = ("担保", "连带责任", "承担…责任")

# A phrase right after one of these is a disclaimer ('不承担…责任'), not an undertaking.
NEGATIONS: tuple[str, ...] = ("不", "概不", "并不", "均不", "无须", "无需", "不予", "不再", "免于", "免除")

CACHE_KEY = "catalog:liability-phrases:v1"
CACHE_SECONDS = 24 * 3600

# Kept for callers of the interim interface; the phrase set now lives in the database.
DEFAULT_PATTERNS = FLOOR


def normalise(text: str) -> str:
    """NFKC (full/half width), traditional → simplified, then no spacing or punctuation: '承 擔，連帶-責任' → '承担连带责任'."""
    return flat(text)


def active_phrases() -> tuple[str, ...]:
    """The floor plus the officers' active phrases; cached, and the cache is cleared whenever a phrase is saved."""
    phrases = cache.get(CACHE_KEY)
    if phrases is None:
        from catalog.models import LiabilityPhrase

        stored = LiabilityPhrase.objects.filter(active=True).order_by("phrase").values_list("phrase", flat=True)
        phrases = tuple(dict.fromkeys([*FLOOR, *stored]))
        cache.set(CACHE_KEY, phrases, CACHE_SECONDS)
    return phrases


def clear_cache(**_kwargs) -> None:
    cache.delete(CACHE_KEY)


def _negated(flat_text: str, start: int) -> bool:
    return any(flat_text[:start].endswith(word) for word in NEGATIONS)


def liability_phrases(text: str) -> list[str]:
    flat_text = normalise(text)
    if not flat_text:
        return []
    matches = [m for phrase in active_phrases() for m in compile_pattern(phrase).finditer(flat_text)]
    # A disclaimer covers what it says: in '不承担任何法律或经济责任' neither 承担…责任 nor 经济责任 is an undertaking.
    disclaimed = [(m.start(), m.end()) for m in matches if _negated(flat_text, m.start())]
    found: list[str] = []
    for match in sorted(matches, key=lambda m: m.start()):
        if any(start <= match.start() and match.end() <= end for start, end in disclaimed):
            continue
        if match.group(0) not in found:
            found.append(match.group(0))
    # '连带责任' found inside '承担连带责任': name the longer one only.
    return [word for word in found if not any(word != other and word in other for other in found)]


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
