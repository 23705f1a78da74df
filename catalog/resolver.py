"""The resolver for certificate names: any name or free-text request -> the catalog concept it means.

Interface (stable; the implementation grows: OpenCC, synonyms as data, fuzzy scores):
- `resolve(text, *, region=None) -> Resolution` with `kind` one of MATCH, NEAR, NONE.
  MATCH: `non_issuable` / `issuable` hold the matching effective items for `region` (or all, when region is None).
  NEAR: `score` (0-100) and `candidates` (items) say what it resembles.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from catalog.rules import normalize_name


class Kind(StrEnum):
    MATCH = "match"
    NEAR = "near"
    NONE = "none"


@dataclass(frozen=True)
class Resolution:
    kind: Kind
    concept: str = ""
    non_issuable: list = field(default_factory=list)
    issuable: list = field(default_factory=list)
    score: float = 0.0
    candidates: list = field(default_factory=list)


def canonical(text: str) -> str:
    name = normalize_name(text)
    for suffix in ("证明", "书", "单"):
        if name.endswith(suffix) and len(name) > len(suffix):
            name = name[: -len(suffix)]
            break
    return name


def resolve(text: str, *, region=None) -> Resolution:
    from catalog.models import NonIssuableItem
    from catalog.selectors import effective_non_issuable_items

    items = effective_non_issuable_items(region) if region is not None else NonIssuableItem.objects.in_force()
    wanted = canonical(text)
    hits = [item for item in items if canonical(item.name) == wanted]
    if hits:
        return Resolution(Kind.MATCH, concept=canonical(hits[0].name), non_issuable=hits)
    return Resolution(Kind.NONE)
