"""Administrative divisions: levels, statistical codes and the code prefixes used to find what lies below a place.

A 12-digit statistical code is hierarchical: 2 digits province, 2 city, 2 county, 3 street, 3 community. So all
places under a region share its code prefix, which lets one indexed query find them.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    PROVINCE = "province", _("省")
    CITY = "city", _("设区市")
    COUNTY = "county", _("县（市、区）")
    STREET = "street", _("街道（乡镇）")
    COMMUNITY = "community", _("社区（村）")


class CommunityKind(models.TextChoices):
    RESIDENTS_COMMITTEE = "residents_committee", _("社区居民委员会")
    VILLAGERS_COMMITTEE = "villagers_committee", _("村民委员会")


LEVEL_ORDER: tuple[str, ...] = (Level.PROVINCE, Level.CITY, Level.COUNTY, Level.STREET, Level.COMMUNITY)
PREFIX_LENGTH: dict[str, int] = {
    Level.PROVINCE: 2,
    Level.CITY: 4,
    Level.COUNTY: 6,
    Level.STREET: 9,
    Level.COMMUNITY: 12,
}


def parent_level(level: str) -> str | None:
    index = LEVEL_ORDER.index(level)
    return LEVEL_ORDER[index - 1] if index else None


def code_prefix(level: str, code: str) -> str:
    """The part of a code that every place below (and the place itself) shares."""
    return code[: PREFIX_LENGTH[level]]
