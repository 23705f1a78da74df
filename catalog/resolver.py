"""The resolver for certificate names: any name or free-text request -> the catalog concept it means.

Interface (stable):
- `resolve(text, *, region=None) -> Resolution` with `kind` one of MATCH, NEAR, NONE.
  MATCH: the text is a known concept or item name (exactly, after normalisation, or as a synonym). `concept` names
  the concept; `non_issuable` / `issuable` hold the matching items in force for `region` (every place's items when
  region is None; for a region, those of the nation and of the places containing it, i.e. the same or a higher
  level). Either list may be empty when the concept has no item in force there.
  NEAR: `score` (0-100) and `candidates` (items, best first) say what it resembles.

Normalisation (`name_keys`): catalog.textnorm.fold (NFKC, OpenCC traditional → simplified), then without spacing,
punctuation or brackets; generic modifiers at the front dropped (居民, 村民, 本人, 个人, 公民, 群众: MODIFIERS) and a
trailing 证明/证明书/书/单 dropped (SUFFIXES). A bracketed qualifier is read two ways: kept ('亲属关系证明（仅限公证）'
is its own name) and dropped; a dropped qualifier that only says how the paper is obtained ('（补办）', '（复印件）':
TRIVIAL_QUALIFIERS) still means the item, any other qualifier makes the name NEAR the item (a province decides).

Concepts, their synonyms and body keywords are data (catalog.models.CertificateConcept), cached; the cache is cleared
when a concept is saved.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

from django.core.cache import cache
from rapidfuzz import fuzz, process

from catalog.textnorm import compile_pattern, flat, fold

# Words at the front of a name that say who asks, not what is certified: '居民无犯罪记录证明' is '无犯罪记录证明'.
# 家庭 is not one of them: '家庭经济困难' and '家庭成员' are different things from '经济困难' and '成员'.
MODIFIERS: tuple[str, ...] = ("居民", "村民", "本人", "个人", "公民", "群众", "申请人")
SUFFIXES: tuple[str, ...] = ("证明材料", "证明书", "证明信", "证明", "书", "单")
TRIVIAL_QUALIFIERS: frozenset[str] = frozenset(
    {"补办", "补开", "补", "重开", "重新开具", "新", "新版", "旧版", "复印件", "原件", "副本", "正本", "加急", "急件"}
    | set(MODIFIERS)
    | {"社区", "村", "样本", "范本", "模板", "表", "格式"}
)
_BRACKETED = re.compile(r"[(\[【「〔][^)\]】」〕]*[)\]】」〕]")

NEAR_THRESHOLD = 75  # rapidfuzz ratio (0-100) from which a name is near a known one
CONTAINED_SCORE = 85  # a known name of 3+ characters inside the text, or the text inside it
QUALIFIED_SCORE = 95  # a known name with a substantive qualifier: '婚姻状况证明（档案遗失时）'
MIN_FUZZY_LENGTH = 3  # two-character names ('出生', '健在') match only exactly

CACHE_KEY = "catalog:resolver-concepts:v1"
CACHE_SECONDS = 24 * 3600


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
    # What the text was recognised by: the known name (a synonym, an item name) it equals or resembles.
    via: str = ""
    # The bracketed qualifier of the text, when it decided the kind ('仅限公证').
    qualifier: str = ""


# --- Normalisation -------------------------------------------------------------------------------------------------


def _strip(key: str) -> str:
    changed = True
    while changed:
        changed = False
        for word in MODIFIERS:
            if key.startswith(word) and len(key) > len(word):
                key, changed = key[len(word) :], True
    for suffix in SUFFIXES:
        if key.endswith(suffix) and len(key) > len(suffix):
            key = key[: -len(suffix)]
            break
    return key


def forms(text: str) -> tuple[str, str, str]:
    """(full, core, qualifier): the normalised name with its bracketed qualifier kept, and without it."""
    folded = fold(text)
    qualifier = flat("".join(_BRACKETED.findall(folded)))
    full = _strip(flat(folded))
    core = _strip(flat(_BRACKETED.sub("", folded))) if qualifier else full
    return full, core, qualifier


def canonical(text: str) -> str:
    """The normalised name, qualifier kept: '居民無犯罪記錄證明' → '无犯罪记录'."""
    return forms(text)[0]


def name_keys(text: str) -> set[str]:
    """Every key a name is known by: its full form and, when its qualifier is trivial, its core."""
    full, core, qualifier = forms(text)
    keys = {full} if full else set()
    if core and (not qualifier or qualifier in TRIVIAL_QUALIFIERS):
        keys.add(core)
    return keys


# --- The concept index (cached) -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConceptEntry:
    pk: int
    name: str
    item_codes: frozenset[str]
    keys: dict[str, str]  # normalised key -> the name as written
    body_keywords: tuple[str, ...]


def _load_concepts() -> list[dict]:
    data = cache.get(CACHE_KEY)
    if data is None:
        from catalog.models import CertificateConcept

        data = list(CertificateConcept.objects.values("pk", "name", "item_codes", "names", "body_keywords"))
        cache.set(CACHE_KEY, data, CACHE_SECONDS)
    return data


def concepts() -> list[ConceptEntry]:
    entries = []
    for row in _load_concepts():
        keys: dict[str, str] = {}
        for text in [row["name"], *row["names"]]:
            for key in name_keys(text):
                keys.setdefault(key, text)
        entries.append(
            ConceptEntry(
                pk=row["pk"],
                name=row["name"],
                item_codes=frozenset(row["item_codes"]),
                keys=keys,
                body_keywords=tuple(row["body_keywords"]),
            )
        )
    return entries


def clear_cache(**_kwargs) -> None:
    cache.delete(CACHE_KEY)


# --- Items ------------------------------------------------------------------------------------------------------


def items_binding(region) -> list:
    """Items in force that bind `region` (same or higher level), or every item in force; non-issuable first."""
    from catalog.models import IssuableItem, NonIssuableItem
    from catalog.selectors import scopes_above

    found = []
    for model in (NonIssuableItem, IssuableItem):
        qs = model.objects.in_force().select_related("region")
        if region is not None:
            qs = qs.filter(scopes_above(region))
        found.extend(qs.order_by("scope", "code"))
    return found


def _is_non_issuable(item) -> bool:
    from catalog.models import NonIssuableItem

    return isinstance(item, NonIssuableItem)


def _split(items: list) -> tuple[list, list]:
    return [i for i in items if _is_non_issuable(i)], [i for i in items if not _is_non_issuable(i)]


def _concept_items(concept: ConceptEntry, items: list) -> list:
    return [i for i in items if i.code in concept.item_codes or name_keys(i.name) & concept.keys.keys()]


def concept_of_item(item, entries: list[ConceptEntry] | None = None) -> ConceptEntry | None:
    """The concept an item belongs to: by its code, else by its name."""
    entries = concepts() if entries is None else entries
    for concept in entries:
        if item.code in concept.item_codes:
            return concept
    keys = name_keys(item.name)
    return next((c for c in entries if keys & c.keys.keys()), None)


def _exact(key: str, entries: list[ConceptEntry], items: list) -> tuple[ConceptEntry | None, list, str]:
    concept = next((c for c in entries if key in c.keys), None)
    hits = [i for i in items if key in name_keys(i.name)]
    via = concept.keys[key] if concept else (hits[0].name if hits else "")
    if concept:
        hits = list(dict.fromkeys([*hits, *_concept_items(concept, items)]))
    return concept, hits, via


def _match(concept, hits, via, qualifier="") -> Resolution:
    non_issuable, issuable = _split(hits)
    return Resolution(
        Kind.MATCH,
        concept=concept.name if concept else "",
        non_issuable=non_issuable,
        issuable=issuable,
        via=via,
        qualifier=qualifier,
    )


def _near(text_key: str, entries: list[ConceptEntry], items: list) -> tuple[float, list, str, str]:
    """Best score, candidate items (best first), the known name it resembles and its concept."""
    choices: dict[str, tuple[str, ConceptEntry | None, object | None]] = {}
    for concept in entries:
        for key, written in concept.keys.items():
            choices.setdefault(key, (written, concept, None))
    for item in items:
        for key in name_keys(item.name) | {forms(item.name)[1]}:
            choices.setdefault(key, (item.name, None, item))
    scored: dict[str, float] = {}
    if len(text_key) >= MIN_FUZZY_LENGTH:
        for key, score, _index in process.extract(
            text_key, list(choices), scorer=fuzz.ratio, score_cutoff=NEAR_THRESHOLD, limit=10
        ):
            scored[key] = score
    for key in choices:
        if len(key) >= MIN_FUZZY_LENGTH and len(text_key) >= MIN_FUZZY_LENGTH and (key in text_key or text_key in key):
            scored[key] = max(scored.get(key, 0), CONTAINED_SCORE)
    candidates: list = []
    best, via, concept_name = 0.0, "", ""
    for key, score in sorted(scored.items(), key=lambda kv: -kv[1]):
        written, concept, item = choices[key]
        found = _concept_items(concept, items) if concept else [item]
        if score > best:
            best, via = score, written
            concept_name = concept.name if concept else ""
        candidates.extend(i for i in found if i not in candidates)
    return best, candidates, via, concept_name


def resolve(text: str, *, region=None, items: list | None = None) -> Resolution:
    """items: the in-force items binding region, when the caller resolves many names of one place (read once)."""
    full, core, qualifier = forms(text)
    if not full:
        return Resolution(Kind.NONE)
    entries = concepts()
    items = items_binding(region) if items is None else items

    concept, hits, via = _exact(full, entries, items)
    if concept or hits:
        return _match(concept, hits, via)
    if qualifier and core:
        concept, hits, via = _exact(core, entries, items)
        if concept or hits:
            if qualifier in TRIVIAL_QUALIFIERS:
                return _match(concept, hits, via, qualifier)
            non_issuable, issuable = _split(hits)
            return Resolution(
                Kind.NEAR,
                concept=concept.name if concept else "",
                score=QUALIFIED_SCORE,
                candidates=[*non_issuable, *issuable],
                via=via,
                qualifier=qualifier,
            )
    score, candidates, near_via, concept_name = _near(full, entries, items)
    if score >= NEAR_THRESHOLD:
        return Resolution(Kind.NEAR, concept=concept_name, score=score, candidates=candidates, via=near_via)
    return Resolution(Kind.NONE)


# --- Certificate bodies -----------------------------------------------------------------------------------------


def body_concepts(text: str, *, region=None) -> list[tuple[str, object]]:
    """(keyword, non-issuable item) for every concept whose body keywords appear in a certificate body and that has a
    non-issuable item in force for region: '兹证明…无违法犯罪记录' certifies 无犯罪记录证明."""
    flat_text = flat(re.sub(r"\{[a-z0-9_]*\}", "某", text or ""))
    if not flat_text:
        return []
    hits: list[tuple[str, object]] = []
    entries = [c for c in concepts() if c.body_keywords]
    if not entries:
        return hits
    non_issuable = [i for i in items_binding(region) if _is_non_issuable(i)]
    for concept in entries:
        for keyword in concept.body_keywords:
            if compile_pattern(keyword).search(flat_text):
                for item in _concept_items(concept, non_issuable):
                    hits.append((keyword, item))
                break
    return hits


# --- Search -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SearchQuery:
    """A public search: its normalised text, and the concepts it names or is part of ('在世' → 健在, '租房' → 居住)."""

    text: str
    concept_pks: frozenset[int]
    entries: tuple[ConceptEntry, ...]

    def matches(self, item) -> bool:
        """Does an item answer the search? Punctuation, brackets and traditional characters never matter."""
        if not self.text:
            return True
        full, core, _qualifier = forms(item.name)
        if any(self.text in name for name in (full, core, flat(item.name))):
            return True
        if self.concept_pks:
            concept = concept_of_item(item, list(self.entries))
            return concept is not None and concept.pk in self.concept_pks
        return False


def search_query(text: str) -> SearchQuery:
    query = _strip(flat(text))
    entries = tuple(concepts()) if query else ()
    found = set()
    if len(query) >= 2:
        for concept in entries:
            if any(query in key or (len(key) >= 2 and key in query) for key in concept.keys):
                found.add(concept.pk)
    return SearchQuery(text=query, concept_pks=frozenset(found), entries=entries)
