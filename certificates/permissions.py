"""Who may see a request, its files and the register. The one access helper every request view goes through."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from certificates.models import CertificateRequest
from portal.access import AnyUser, active_memberships, has_role, oversees
from portal.errors import Forbidden
from portal.models import Region
from portal.roles import COMMUNITY_WORK_ROLES, OVERSIGHT_ROLES, Role


def works_in(user: AnyUser, community: Region) -> bool:
    """Staff, director or seal keeper of this community."""
    return any(has_role(user, role, community) for role in COMMUNITY_WORK_ROLES)


def handles_requests(user: AnyUser, community: Region) -> bool:
    """Staff and directors receive, verify and decide requests; the keeper only seals."""
    return has_role(user, Role.STAFF, community) or has_role(user, Role.DIRECTOR, community)


def can_view_request(user: AnyUser, request: CertificateRequest) -> bool:
    if not user.is_authenticated:
        return False
    if request.applicant_id == user.pk:
        return True
    return works_in(user, request.community) or oversees(user, request.community)


def can_see_full_id_number(user: AnyUser, request: CertificateRequest) -> bool:
    """Only those who verify and decide need the full number; everyone else sees it masked."""
    return handles_requests(user, request.community)


def can_see_full_phone(user: AnyUser, request: CertificateRequest) -> bool:
    """The applicant's phone number in full: for those who need to call them (the community's staff and director)
    and for the applicant; masked for the keeper and the supervising officers, like the ID number."""
    return user.is_authenticated and (request.applicant_id == user.pk or handles_requests(user, request.community))


def can_open_files(user: AnyUser, request: CertificateRequest) -> bool:
    """Uploaded materials (ID card scans, household registers) are opened only by the applicant and by those who
    verify and decide; the keeper and supervising officers see that they exist, not their content."""
    return user.is_authenticated and (request.applicant_id == user.pk or handles_requests(user, request.community))


def get_request_for_user(user: AnyUser, pk: int, *, write: bool = False) -> CertificateRequest:
    """404 when the request does not exist or is not the user's to see; 403 when seen but not theirs to act on."""
    request = CertificateRequest.objects.select_related("community", "item", "applicant").filter(pk=pk).first()
    if request is None or not can_view_request(user, request):
        raise Http404
    if write and not (request.applicant_id == user.pk or handles_requests(user, request.community)):
        raise Forbidden(_("您可以查看此申请，但不能办理。"))
    return request


def visible_requests(user: AnyUser) -> QuerySet[CertificateRequest]:
    """Every request the user may see: their own, their community's, and those under their supervision."""
    if not user.is_authenticated:
        return CertificateRequest.objects.none()
    condition = Q(applicant=user)
    for m in active_memberships(user):
        if m.role in COMMUNITY_WORK_ROLES:
            condition |= Q(community=m.region)
        elif m.role in OVERSIGHT_ROLES:
            condition |= Q(community__code__startswith=m.region.prefix)
    return CertificateRequest.objects.filter(condition)


def communities_handled(user: AnyUser) -> list[Region]:
    return [m.region for m in active_memberships(user) if m.role in (Role.STAFF, Role.DIRECTOR)]


def can_view_register(user: AnyUser, community: Region) -> bool:
    return works_in(user, community) or oversees(user, community)
