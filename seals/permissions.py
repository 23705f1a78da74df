"""Who may see and act on a community's seals and seal ledger.

Seeing: the community's staff, director and seal keeper, and the county and provincial officers who supervise it
(portal.access.supervises). Anyone else gets 404 from `get_seal_community`, so a community's seals do not leak.
Acting: registering, handing over and retiring follow seals.services (director or supervising officer); only a
county officer of the community's own county uploads the real impression (印模), because the county files the
seal's record with the public security organ; asking for a non-certificate use is for the community's workers,
deciding on it for the director, applying the seal for its keeper (seals.services.separation_problem).
"""

from __future__ import annotations

from django.http import Http404

from portal.access import AnyUser, has_role, oversees
from portal.models import Region
from portal.regions import Level
from portal.roles import COMMUNITY_WORK_ROLES, Role
from seals import services


def works_in(user: AnyUser, community: Region) -> bool:
    """Staff, director or seal keeper of this community."""
    return any(has_role(user, role, community) for role in COMMUNITY_WORK_ROLES)


def can_view_seals(user: AnyUser, community: Region) -> bool:
    return works_in(user, community) or oversees(user, community)


def get_seal_community(user: AnyUser, code: str) -> Region:
    """The community whose seals the user may see; 404 when it does not exist or is not theirs to see."""
    community = Region.objects.filter(level=Level.COMMUNITY, code=code).select_related("parent").first()
    if community is None or not can_view_seals(user, community):
        raise Http404
    return community


def can_manage_seals(user: AnyUser, community: Region) -> bool:
    """Register, hand over, retire: the very check seals.services makes before each of these writes."""
    return user.is_authenticated and services.can_manage_seals(user, community)


def can_upload_impression(user: AnyUser, community: Region) -> bool:
    return user.is_authenticated and services.can_upload_impression(user, community)


def can_request_use(user: AnyUser, community: Region) -> bool:
    """Mirrors seals.services.use_request_create: the community's staff, director or keeper."""
    return works_in(user, community)


def can_decide_use(user: AnyUser, community: Region) -> bool:
    """Mirrors seals.services.use_request_decide: the director of the community."""
    return has_role(user, Role.DIRECTOR, community)
