"""Who holds which role where. Every permission in the portal is derived from these functions.

A user's active memberships are loaded once per request object and cached on the user instance (and, with Redis,
between requests: portal/authstate.py).
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q
from django.utils import timezone

from portal import authstate
from portal.models import Membership, Region, User
from portal.regions import LEVEL_ORDER, Level
from portal.roles import OVERSIGHT_ROLES, SECOND_FACTOR_ROLES, Role

AnyUser = User | AnonymousUser


def active_memberships(user: AnyUser) -> list[Membership]:
    if not user.is_authenticated:
        return []
    cached = getattr(user, "_active_memberships", None)
    if cached is None:
        today = timezone.localdate()
        # An appointment counts only within its dates (portal/appointments.py); memberships without dates always.
        cached = authstate.memberships(
            user.pk,
            lambda: list(
                Membership.objects.filter(user=user, active=True)
                .filter(Q(starts_on__isnull=True) | Q(starts_on__lte=today))
                .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))
                .select_related("region")
            ),
        )
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


def oversees(user: AnyUser, region: Region) -> bool:
    """Read access from above: what supervises() allows, and a street/township or city officer for the places
    below theirs. Never a right to change anything the county decides."""
    return any(m.role in OVERSIGHT_ROLES and region.code.startswith(m.region.prefix) for m in active_memberships(user))


def oversight_regions(user: AnyUser) -> list[Region]:
    """The places this user oversees (street, county, city or province)."""
    return [m.region for m in active_memberships(user) if m.role in OVERSIGHT_ROLES]


def oversight_places_by_level(user: AnyUser) -> list[Region]:
    """The places this user oversees, the highest first: the first is where their oversight pages start."""
    return sorted(oversight_regions(user), key=lambda r: (LEVEL_ORDER.index(r.level), r.code))


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
