"""Counties run their own people: appointing and removing community staff, directors and seal keepers, the election
change of a director (换届) in one step, and a director's deputy for signing (代签).

Terms (portal.models.Appointment): open (no end, or an end in the future) → ended (ends_on written once, by whom and
why). The membership a term points to carries the current term's dates, and portal.access reads a membership only
within them. One director per community at a time: a new director comes by election change, which ends the
current one the day before. A keeper holding a seal cannot be removed before the seal is handed over (the handover
in the seals app is the keeper change).
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import phonecodes
from portal.access import active_memberships, has_role
from portal.errors import Forbidden
from portal.models import Appointment, DeputySigning, Membership, Region, User
from portal.regions import Level
from portal.roles import COMMUNITY_WORK_ROLES, Role
from portal.terms import in_words_of


def can_appoint(actor: User, community: Region) -> bool:
    """Only an officer of the county the community belongs to."""
    return any(
        m.role == Role.COUNTY_OFFICER and community.code.startswith(m.region.prefix) for m in active_memberships(actor)
    )


def open_terms(community: Region, *, on: dt.date | None = None) -> QuerySet[Appointment]:
    on = on or timezone.localdate()
    return (
        Appointment.objects.filter(community=community)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=on))
        .select_related("user")
    )


def adopt_posts(community: Region) -> None:
    """Posts given before appointments existed (a membership without any term) become terms, so that they show in
    the history and are ended like any other (an election change ends a director given by the Django admin too)."""
    legacy = Membership.objects.filter(
        region=community, role__in=COMMUNITY_WORK_ROLES, active=True, appointments__isnull=True
    ).select_related("user")
    for membership in legacy:
        Appointment.objects.create(
            membership=membership,
            user=membership.user,
            role=membership.role,
            community=community,
            starts_on=membership.starts_on or timezone.localdate(membership.created_at),
            ends_on=membership.ends_on,
            appointed_by=None,
        )


def _person(phone: str, real_name: str) -> User:
    """The account with this phone number, or a new one (the person signs in by SMS code and sets a password)."""
    user = User.objects.filter(phone=phone).first()
    if user is not None:
        if not user.is_active:
            raise ValidationError({"phone": [_("该号码的账号已注销，请本人重新注册后再任命。")]})
        return user
    user = User(username=f"u{secrets.token_hex(5)}", real_name=real_name, phone=phone)
    user.set_unusable_password()
    user.full_clean()
    user.save()
    return user


# Sent after the appointment commits: the notification app records an SMS invitation (a NotificationDelivery,
# retried and shown to the county's officers when it fails), so portal never imports that app.
appointment_made = Signal()


def _invite(appointment: Appointment) -> None:
    transaction.on_commit(lambda: appointment_made.send(sender=Appointment, appointment=appointment))


@transaction.atomic
def appointment_make(
    *,
    actor: User,
    community: Region,
    role: str,
    phone: str,
    real_name: str,
    starts_on: dt.date,
    ends_on: dt.date | None = None,
    election: bool = False,
) -> Appointment:
    if not can_appoint(actor, community):
        raise Forbidden(_("只有本县（市、区）民政干部可以任免社区工作人员。"))
    errors: dict[str, list[str]] = {}
    if community.level != Level.COMMUNITY:
        errors["community"] = [_("请选择一个社区（村）。")]
    if role not in COMMUNITY_WORK_ROLES:
        errors["role"] = [_("请选择职务。")]
    real_name = (real_name or "").strip()
    if not real_name:
        errors["real_name"] = [_("请填写姓名。")]
    try:
        phone = phonecodes.clean_phone(phone)
    except ValidationError as error:
        errors["phone"] = error.messages
    if ends_on is not None and ends_on < starts_on:
        errors["ends_on"] = [_("截止日不能早于起始日。")]
    if errors:
        raise ValidationError(errors)
    Region.objects.select_for_update().get(pk=community.pk)  # one appointment at a time per community
    adopt_posts(community)
    if role == Role.DIRECTOR and not election:
        if open_terms(community, on=starts_on).filter(role=Role.DIRECTOR).exists():
            raise ValidationError(
                {
                    "role": [
                        in_words_of(community, _("本社区（村）已有主任。更换主任请使用“换届”，一步完成免职和任命。"))
                    ]
                }
            )
    user = _person(phone, real_name)
    if open_terms(community, on=starts_on).filter(role=role, user=user).exists():
        raise ValidationError({"phone": [_("此人已担任该职务。")]})
    membership, _created = Membership.objects.get_or_create(user=user, role=role, region=community)
    membership.active = True
    membership.starts_on, membership.ends_on = starts_on, ends_on
    membership.save()
    appointment = Appointment.objects.create(
        membership=membership,
        user=user,
        role=role,
        community=community,
        starts_on=starts_on,
        ends_on=ends_on,
        election=election,
        appointed_by=actor,
    )
    _invite(appointment)
    return appointment


@transaction.atomic
def appointment_end(*, actor: User, appointment_id: int, ends_on: dt.date, reason: str) -> Appointment:
    appointment = (
        Appointment.objects.select_for_update().select_related("community", "membership").get(pk=appointment_id)
    )
    if not can_appoint(actor, appointment.community):
        raise Forbidden(_("只有本县（市、区）民政干部可以任免社区工作人员。"))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("请写明免职原因。")]})
    if appointment.ended_at is not None:
        raise ValidationError(_("该任职已经结束。"))
    if ends_on < appointment.starts_on:
        ends_on = appointment.starts_on - dt.timedelta(days=1)  # never took office: ends before it began
    if appointment.role == Role.KEEPER:
        seal = apps.get_model("seals", "Seal")  # by name: the seals app builds on portal, not the other way
        held = seal.objects.filter(community=appointment.community, keeper=appointment.user)
        if held.exists():
            raise ValidationError(
                in_words_of(
                    appointment.community,
                    _("此人仍保管本社区印章，请先在“印章”中把印章交接给新的保管人，再免去其保管人职务。"),
                )
            )
    appointment.ends_on = ends_on
    appointment.ended_by = actor
    appointment.ended_at = timezone.now()
    appointment.end_reason = reason[:200]
    appointment.save(update_fields=["ends_on", "ended_by", "ended_at", "end_reason"])
    membership = appointment.membership
    membership.ends_on = ends_on
    if ends_on < timezone.localdate():
        membership.active = False
    membership.save(update_fields=["ends_on", "active"])
    return appointment


@transaction.atomic
def director_replace(
    *, actor: User, community: Region, phone: str, real_name: str, starts_on: dt.date, reason: str = ""
) -> Appointment:
    """换届: the current director's term ends the day before and the new director's begins, in one step."""
    if not can_appoint(actor, community):
        raise Forbidden(_("只有本县（市、区）民政干部可以任免社区工作人员。"))
    Region.objects.select_for_update().get(pk=community.pk)
    adopt_posts(community)
    for term in open_terms(community, on=starts_on).filter(role=Role.DIRECTOR).select_for_update():
        appointment_end(
            actor=actor,
            appointment_id=term.pk,
            ends_on=starts_on - dt.timedelta(days=1),
            reason=reason or _("换届"),
        )
    return appointment_make(
        actor=actor,
        community=community,
        role=Role.DIRECTOR,
        phone=phone,
        real_name=real_name,
        starts_on=starts_on,
        election=True,
    )


# --- deputy signing (代签) ------------------------------------------------------------------------------------------


def deputy_for(user: User, community: Region, *, on: dt.date | None = None) -> DeputySigning | None:
    """The authorization under which `user` may sign for the director of `community` on that day, if any."""
    if not user.is_authenticated:
        return None
    on = on or timezone.localdate()
    return (
        DeputySigning.objects.filter(
            deputy=user, community=community, starts_on__lte=on, ends_on__gte=on, revoked_at__isnull=True
        )
        .select_related("director")
        .first()
    )


@transaction.atomic
def deputy_name(
    *, director: User, community: Region, deputy: User, starts_on: dt.date, ends_on: dt.date
) -> DeputySigning:
    if not has_role(director, Role.DIRECTOR, community):
        raise Forbidden(in_words_of(community, _("只有本社区（村）主任可以指定代签人。")))
    errors: dict[str, list[str]] = {}
    if deputy.pk == director.pk:
        errors["deputy"] = [_("不能指定本人为代签人。")]
    elif not any(has_role(deputy, role, community) for role in (Role.STAFF, Role.KEEPER)):
        errors["deputy"] = [in_words_of(community, _("代签人应为本社区（村）工作人员。"))]
    if ends_on < starts_on:
        errors["ends_on"] = [_("截止日不能早于起始日。")]
    if errors:
        raise ValidationError(errors)
    return DeputySigning.objects.create(
        community=community, director=director, deputy=deputy, starts_on=starts_on, ends_on=ends_on
    )


@transaction.atomic
def deputy_revoke(*, director: User, signing_id: int) -> DeputySigning:
    signing = DeputySigning.objects.select_for_update().select_related("community").get(pk=signing_id)
    if not has_role(director, Role.DIRECTOR, signing.community):
        raise Forbidden(in_words_of(signing.community, _("只有本社区（村）主任可以撤销代签。")))
    if signing.revoked_at is None:
        signing.revoked_at = timezone.now()
        signing.save(update_fields=["revoked_at"])
    return signing
