"""Residence bindings (居住关系): a resident asks to belong to a community; its staff confirm or refuse.

States (portal.models.BindingStatus): pending → confirmed | refused; pending | confirmed → ended (moved away or
account closed). A resident has at most one current (pending or confirmed) binding. The RESIDENT membership that
every resident permission reads is active exactly while the binding is current: so a resident whose binding is not
yet confirmed can already apply (staff verify residence together with the application, and see that it is
unconfirmed). Memberships given before bindings existed (no binding row) count as confirmed.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.access import has_role
from portal.errors import Forbidden
from portal.models import BindingStatus, Community, Membership, Region, ResidenceBinding, User
from portal.regions import Level
from portal.roles import Role
from portal.terms import in_words_of

CURRENT = [BindingStatus.PENDING, BindingStatus.CONFIRMED]
DECIDING_ROLES = (Role.STAFF, Role.DIRECTOR)


def current_binding(user: User) -> ResidenceBinding | None:
    return ResidenceBinding.objects.filter(resident=user, status__in=CURRENT).select_related("community").first()


def binding_unconfirmed(user: User | None, community: Region) -> bool:
    """True when this person's residence in this community still waits for staff to confirm it."""
    if user is None:
        return False
    return ResidenceBinding.objects.filter(resident=user, community=community, status=BindingStatus.PENDING).exists()


def community_search(query: str, *, limit: int = 20) -> QuerySet[Region]:
    """Communities and villages whose name, or whose street's or county's name, contains the words typed."""
    words = (query or "").split()
    if not words:
        return Community.objects.none()
    qs = Community.objects.select_related("parent__parent")
    for word in words[:5]:
        qs = qs.filter(Q(name__contains=word) | Q(parent__name__contains=word) | Q(parent__parent__name__contains=word))
    return qs.order_by("code")[:limit]


def can_decide(user: User, community: Region) -> bool:
    return any(has_role(user, role, community) for role in DECIDING_ROLES)


@transaction.atomic
def binding_request(*, resident: User, community: Region, address: str) -> ResidenceBinding:
    """Ask to belong to `community`. Moving is a new request: the current binding ends, its history stays."""
    address = (address or "").strip()
    if community.level != Level.COMMUNITY:
        raise ValidationError({"community": [_("请选择一个社区（村）。")]})
    if not address:
        raise ValidationError({"address": [_("请填写居住地址。")]})
    User.objects.select_for_update().get(pk=resident.pk)  # one request at a time per resident
    current = ResidenceBinding.objects.filter(resident=resident, status__in=CURRENT).first()
    if current is not None and current.community_id == community.pk:
        raise ValidationError({"community": [_("您已申请或已是该社区（村）的居民。")]})
    now = timezone.now()
    if current is not None:
        current.status = BindingStatus.ENDED
        current.ended_at = now
        current.save(update_fields=["status", "ended_at"])
    # One community at a time: every other residence (also one given before bindings existed) ends here.
    for membership in Membership.objects.filter(user=resident, role=Role.RESIDENT, active=True).exclude(
        region=community
    ):
        membership.active = False
        membership.save(update_fields=["active"])
    membership, _created = Membership.objects.get_or_create(
        user=resident, role=Role.RESIDENT, region=community, defaults={"active": True}
    )
    if not membership.active:
        membership.active = True
        membership.save(update_fields=["active"])
    binding = ResidenceBinding(resident=resident, community=community, address=address)
    binding.full_clean()
    binding.save()
    resident.__dict__.pop("_active_memberships", None)
    return binding


@transaction.atomic
def binding_decide(
    *, actor: User, binding_id: int, confirm: bool, reason: str = "", at_counter: bool = False
) -> ResidenceBinding:
    """Staff or the director of the community confirm or refuse a pending binding (refusal needs a reason)."""
    binding = ResidenceBinding.objects.select_for_update().select_related("community").get(pk=binding_id)
    if not can_decide(actor, binding.community):
        raise Forbidden(in_words_of(binding.community, _("只有本社区（村）工作人员可以确认居住关系。")))
    if binding.status != BindingStatus.PENDING:
        raise ValidationError(_("该申请已办理，不能重复办理。"))
    reason = (reason or "").strip()
    if not confirm and not reason:
        raise ValidationError({"reason": [_("不予确认时请写明理由，居民会看到。")]})
    binding.status = BindingStatus.CONFIRMED if confirm else BindingStatus.REFUSED
    binding.decided_at = timezone.now()
    binding.decided_by = actor
    binding.reason = reason[:300]
    binding.at_counter = at_counter
    binding.save(update_fields=["status", "decided_at", "decided_by", "reason", "at_counter"])
    if not confirm:
        for membership in Membership.objects.filter(
            user=binding.resident_id, role=Role.RESIDENT, region=binding.community, active=True
        ):
            membership.active = False
            membership.save(update_fields=["active"])  # save, not update(): the membership's history records it
    return binding


def pending_for(user: User) -> QuerySet[ResidenceBinding]:
    """Pending bindings in the communities where this user confirms residence."""
    communities = [m.region_id for m in Membership.objects.filter(user=user, active=True, role__in=DECIDING_ROLES)]
    return (
        ResidenceBinding.objects.filter(community_id__in=communities, status=BindingStatus.PENDING)
        .select_related("resident", "community")
        .order_by("requested_at", "pk")
    )


def decided_by_community(user: User, *, limit: int = 30) -> QuerySet[ResidenceBinding]:
    communities = [m.region_id for m in Membership.objects.filter(user=user, active=True, role__in=DECIDING_ROLES)]
    return (
        ResidenceBinding.objects.filter(community_id__in=communities)
        .exclude(status=BindingStatus.PENDING)
        .select_related("resident", "community", "decided_by")
        .order_by("-requested_at", "-pk")[:limit]
    )
