"""Words that differ between a residents' committee and a villagers' committee (issue 9): a village's pages, PDFs
and messages say 本村, 村民委员会, 村委会主任, 村务公开栏 and 村民 where a community's say 本社区, 居民委员会, 社区主任,
公示栏 and 居民.

Two tools: `community_terms(region)` gives the words for our own sentences (templates: `{% with t=community|terms %}`),
and `in_words_of(region, text)` rewrites text written once for both kinds (a county's catalog item, its procedure,
a certificate body) as a village says it."""

from __future__ import annotations

from django.utils.translation import gettext as _

from portal.regions import CommunityKind
from portal.roles import Role

# Text a county writes once for both kinds of committee, as a village says it. Longest first.
VILLAGE_WORDING: tuple[tuple[str, str], ...] = (
    ("本社区居民", "本村村民"),
    ("社区居民委员会", "村民委员会"),
    ("社区居委会", "村委会"),
    ("居民委员会", "村民委员会"),
    ("居委会", "村委会"),
    ("居民议事协商", "村民议事协商"),
    ("社区主任", "村委会主任"),
    ("本社区（村）", "本村"),
    ("本社区", "本村"),
    ("社区公示栏", "村务公开栏"),
    ("公示栏", "村务公开栏"),
)


def is_village(region_or_kind) -> bool:
    kind = getattr(region_or_kind, "community_kind", region_or_kind)
    return kind == CommunityKind.VILLAGERS_COMMITTEE


def community_terms(region) -> dict[str, str]:
    if is_village(region):
        return {
            "here": _("本村"),
            "committee": _("村民委员会"),
            "head": _("村委会主任"),
            "board": _("村务公开栏"),
            "people": _("村民"),
        }
    return {
        "here": _("本社区"),
        "committee": _("居民委员会"),
        "head": _("社区主任"),
        "board": _("公示栏"),
        "people": _("居民"),
    }


def in_words_of(region_or_kind, text: str) -> str:
    """`text` (written for a residents' committee or for both) as this committee says it."""
    if text and is_village(region_or_kind):
        for residents, villagers in VILLAGE_WORDING:
            text = text.replace(residents, villagers)
    return text


def role_label(role: str, region) -> str:
    """A role's name at this place: a village's director is its 村委会主任."""
    if role == Role.DIRECTOR and region is not None:
        return community_terms(region)["head"]
    return str(Role(role).label)
