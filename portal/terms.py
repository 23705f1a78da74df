"""Words that differ between a residents' committee and a villagers' committee (issue 9): a village's pages, PDFs
and messages say 本村, 村民委员会, 村委会主任, 村务公开栏 and 村民 where a community's say 本社区, 居民委员会, 社区主任,
公示栏 and 居民."""

from __future__ import annotations

from django.utils.translation import gettext as _

from portal.regions import CommunityKind


def community_terms(region) -> dict[str, str]:
    if getattr(region, "community_kind", "") == CommunityKind.VILLAGERS_COMMITTEE:
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
