"""Who holds which role where. Every permission in the portal is derived from these functions.

A user's active memberships are loaded once per request object and cached on the user instance.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser

from portal.models import Membership, Region, User
from portal.regions import Level
from portal.roles import OVERSIGHT_ROLES, SECOND_FACTOR_ROLES, Role

AnyUser = User | AnonymousUser


def active_memberships(user: AnyUser) -> list[Membership]:
    if not user.is_authenticated:
        return []
    cached = getattr(user, "_active_memberships", None)
    if cached is None:
        cached = list(Membership.objects.filter(user=user, active=True).select_related("region"))
        user._active_memberships = cached
    return cached


def regions_with_role(user: AnyUser, role: str) -> list[Region]:
    return [m.region for m in active_memberships(user) if m.role == role]


def has_role(user: AnyUser, role: str, region: Region | None = None) -> bool:
    return any(m.role == role and (region is None or m.region_id == region.pk) for m in active_memberships(user))


def supervises(user: AnyUser, region: Region) -> bool:
    """True for a county officer of the county containing region, or a provincial officer of its province."""
    for m in active_memberships(user):
        if m.role in (Role.COUNTY_OFFICER, Role.PROVINCIAL_OFFICER) and region.code.startswith(m.region.prefix):
            return True
    return False


def is_officer(user: AnyUser) -> bool:
    return any(m.role in (Role.COUNTY_OFFICER, Role.PROVINCIAL_OFFICER) for m in active_memberships(user))


def needs_second_factor(user: AnyUser) -> bool:
    """True for everyone but residents: community workers, officers, and Django admin staff and superusers."""
    if not user.is_authenticated:
        return False
    return user.is_superuser or user.is_staff or any(m.role in SECOND_FACTOR_ROLES for m in active_memberships(user))


def officer_regions(user: AnyUser) -> list[Region]:
    """The counties and provinces this user supervises."""
    return [m.region for m in active_memberships(user) if m.role in (Role.COUNTY_OFFICER, Role.PROVINCIAL_OFFICER)]


def oversight_regions(user: AnyUser) -> list[Region]:
    """The places whose oversight area (督导统计) this user reads: a street, county, city or provincial officer's own
    place, with everything below it."""
    return [m.region for m in active_memberships(user) if m.role in OVERSIGHT_ROLES]


def oversees(user: AnyUser, region: Region) -> bool:
    """True when region is an oversight officer's own place or lies below it (the region's code starts with the
    officer's place's prefix). A street officer never sees the county above or a neighbouring street."""
    return any(region.code.startswith(place.prefix) for place in oversight_regions(user))


def editable_catalog_regions(user: AnyUser) -> list[Region]:
    """Places whose own catalog items this user may edit: a county officer their county; a provincial officer
    their province and its cities. National items are maintained only through data migrations."""
    result: list[Region] = []
    for m in active_memberships(user):
        if m.role == Role.COUNTY_OFFICER:
            result.append(m.region)
        elif m.role == Role.PROVINCIAL_OFFICER:
            result.append(m.region)
            result.extend(m.region.descendants(Level.CITY))
    return result
