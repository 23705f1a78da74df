"""Writes for seals: registering, handing over, retiring, and applying a seal (the ledger row).

Every application of a seal goes through `seal_apply`, which holds the separation-of-duties rule.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.liability import ensure_no_liability
from portal.access import has_role, supervises
from portal.models import Region, User
from portal.regions import Level
from portal.roles import Role
from portal.terms import in_words_of
from portal.text import ensure_printable, printable_errors
from seals.impressions import clean_impression
from seals.models import (
    DocumentKind,
    Seal,
    SealHandover,
    SealStatus,
    SealUse,
    SealUseRequest,
    UseRequestStatus,
)


class SealRuleError(ValidationError):
    """A seal rule refused the action; the message says which."""


def separation_problem(*, seal: Seal, applied_by: User, approved_by: User) -> str | None:
    """Why applied_by may not apply this seal for a use approved by approved_by; None when they may."""
    if not seal.usable:
        return _("印章“%(seal)s”状态为“%(status)s”，不能使用。") % {"seal": seal, "status": seal.get_status_display()}
    if seal.keeper_id != applied_by.pk or not has_role(applied_by, Role.KEEPER, seal.community):
        return _("只有该印章的保管人才能用印。")
    if approved_by.pk == applied_by.pk:
        return _("印章使用审批人与保管人不得为同一人：您批准（签字）了这件事项，不能再为它用印。")
    return None


def seal_apply(
    *,
    seal: Seal,
    applied_by: User,
    approved_by: User,
    document_kind: str,
    document_title: str,
    register_entry=None,
    use_request: SealUseRequest | None = None,
    copies: int = 1,
) -> SealUse:
    """Write one ledger row. Runs inside the caller's transaction; locks the seal row."""
    seal = Seal.objects.select_for_update().get(pk=seal.pk)
    problem = separation_problem(seal=seal, applied_by=applied_by, approved_by=approved_by)
    if problem:
        raise SealRuleError(problem)
    return SealUse.objects.create(
        seal=seal,
        document_kind=document_kind,
        document_title=document_title,
        register_entry=register_entry,
        use_request=use_request,
        approved_by=approved_by,
        applied_by=applied_by,
        copies=copies,
    )


def can_manage_seals(actor: User, community: Region) -> bool:
    """The director is first responsible for the community's seals; the supervising officers may act too."""
    return has_role(actor, Role.DIRECTOR, community) or supervises(actor, community)


def can_upload_impression(actor: User, community: Region) -> bool:
    """Only a county officer of the county containing the community uploads a real impression."""
    county = community.ancestor_at(Level.COUNTY)
    return county is not None and has_role(actor, Role.COUNTY_OFFICER, county)


def _require_director_or_officer(actor: User, community: Region) -> None:
    if not can_manage_seals(actor, community):
        raise SealRuleError(in_words_of(community, _("只有社区主任或区县民政干部可以管理印章。")))


@transaction.atomic
def seal_set_impression(*, seal: Seal, upload, actor: User) -> Seal:
    """Store the real impression (uploaded by the county) and clear the specimen mark, as a new version.

    `upload` is the uploaded file; what is stored is its clean form (a re-encoded PNG or a rebuilt SVG). A refused
    file raises ImpressionRejected (a ValidationError) saying why, and nothing is written.
    """
    seal = Seal.objects.select_for_update().get(pk=seal.pk)
    if not can_upload_impression(actor, seal.community):
        raise SealRuleError(_("印模图像只能由本区县民政干部上传。"))
    if not seal.usable:
        raise SealRuleError(_("已停用或遗失的印章不能更换印模。"))
    data, extension = clean_impression(upload)
    seal.impression.save(f"{uuid.uuid4().hex}.{extension}", ContentFile(data), save=False)
    seal.is_specimen = False
    seal._history_user = actor
    seal._change_reason = _("区县民政干部上传印模图像")
    seal.save()
    return seal


@transaction.atomic
def seal_register(
    *, community: Region, name: str, kind: str, keeper: User, actor: User, is_specimen: bool = False
) -> Seal:
    """A new seal, without an impression: the real one only ever arrives through seal_set_impression, which judges
    the file and stores its clean form (an impression passed here would have skipped that)."""
    _require_director_or_officer(actor, community)
    if not has_role(keeper, Role.KEEPER, community):
        raise SealRuleError(in_words_of(community, _("保管人必须是本社区的印章保管人。")))
    seal = Seal(community=community, name=name, kind=kind, keeper=keeper, is_specimen=is_specimen)
    seal._history_user = actor
    seal.full_clean(exclude=["impression"])
    seal.save()
    return seal


@transaction.atomic
def seal_handover(*, seal: Seal, to_keeper: User, actor: User, note: str = "") -> Seal:
    seal = Seal.objects.select_for_update().get(pk=seal.pk)
    _require_director_or_officer(actor, seal.community)
    if not has_role(to_keeper, Role.KEEPER, seal.community):
        raise SealRuleError(in_words_of(seal.community, _("接收人必须是本社区的印章保管人。")))
    if to_keeper.pk == seal.keeper_id:
        raise SealRuleError(_("接收人已经是该印章的保管人。"))
    if not seal.usable:
        raise SealRuleError(_("已停用或遗失的印章不再交接，请登记新印章。"))
    SealHandover.objects.create(seal=seal, from_keeper=seal.keeper, to_keeper=to_keeper, ordered_by=actor, note=note)
    seal.keeper = to_keeper
    seal._history_user = actor
    seal._change_reason = _("交接")
    seal.save()
    return seal


@transaction.atomic
def seal_set_status(*, seal: Seal, status: str, reason: str, actor: User, on: dt.date | None = None) -> Seal:
    seal = Seal.objects.select_for_update().get(pk=seal.pk)
    _require_director_or_officer(actor, seal.community)
    if status not in SealStatus.values or status == seal.status:
        raise SealRuleError(_("印章状态没有变化。"))
    if seal.status != SealStatus.IN_USE:
        raise SealRuleError(_("已停用或遗失的印章不能恢复使用，请登记新印章。"))
    if not reason.strip():
        raise SealRuleError(_("请写明停用或遗失的原因。"))
    seal.status, seal.status_reason = status, reason.strip()
    seal.status_changed_on = on or timezone.localdate()
    seal._history_user = actor
    seal._change_reason = reason.strip()
    seal.save()
    return seal


# --- seal use for documents that are not certificates --------------------------------------------------------


def use_text_problems(*, document_title: str, reason: str) -> dict[str, list[str]]:
    """A committee seal never backs legal or economic liability (陕西通知 二(一)): no 担保书, no 保证书, whatever
    path the document takes. Checked when the use is asked for, again when it is approved and when it is stamped,
    so a request written before this check (or into the database directly) is never stamped."""
    errors = printable_errors({"document_title": document_title, "reason": reason})
    try:
        ensure_no_liability({"document_title": document_title, "reason": reason})
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    return errors


def _refuse_liability(use_request: SealUseRequest) -> None:
    errors = use_text_problems(document_title=use_request.document_title, reason=use_request.reason)
    if errors:
        raise SealRuleError(
            [
                _("该用印申请不能批准或用印：")
                + " ".join(m for messages in errors.values() for m in messages)
                + _("请不予批准并写明理由。")
            ]
        )


@transaction.atomic
def use_request_create(*, seal: Seal, actor: User, document_title: str, reason: str, copies: int = 1) -> SealUseRequest:
    if not any(has_role(actor, r, seal.community) for r in (Role.STAFF, Role.DIRECTOR, Role.KEEPER)):
        raise SealRuleError(in_words_of(seal.community, _("只有本社区工作人员可以申请用印。")))
    if not document_title.strip() or not reason.strip():
        raise SealRuleError(_("请写明文件名称和用印事由。"))
    if copies < 1:
        raise SealRuleError(_("份数至少为1。"))
    errors = use_text_problems(document_title=document_title, reason=reason)
    if errors:
        raise SealRuleError(errors)
    return SealUseRequest.objects.create(
        community=seal.community,
        seal=seal,
        document_title=document_title.strip(),
        reason=reason.strip(),
        copies=copies,
        requested_by=actor,
    )


@transaction.atomic
def use_request_decide(*, use_request: SealUseRequest, actor: User, approve: bool, note: str = "") -> SealUseRequest:
    use_request = SealUseRequest.objects.select_for_update().get(pk=use_request.pk)
    if not has_role(actor, Role.DIRECTOR, use_request.community):
        raise SealRuleError(in_words_of(use_request.community, _("用印须经社区主任批准。")))
    if use_request.status != UseRequestStatus.PENDING:
        raise SealRuleError(_("该用印申请已经处理。"))
    ensure_printable({"note": note})
    if approve:
        _refuse_liability(use_request)
    use_request.status = UseRequestStatus.APPROVED if approve else UseRequestStatus.REFUSED
    use_request.decided_by, use_request.decided_at, use_request.decision_note = actor, timezone.now(), note.strip()
    use_request.save()
    return use_request


@transaction.atomic
def use_request_apply(*, use_request: SealUseRequest, actor: User) -> SealUse:
    use_request = SealUseRequest.objects.select_for_update().get(pk=use_request.pk)
    if use_request.status != UseRequestStatus.APPROVED:
        raise SealRuleError(
            _("未经批准，任何人不得擅自用印。")
            if use_request.status == UseRequestStatus.PENDING
            else _("该用印申请不能用印。")
        )
    _refuse_liability(use_request)
    use = seal_apply(
        seal=use_request.seal,
        applied_by=actor,
        approved_by=use_request.decided_by,
        document_kind=DocumentKind.OTHER,
        document_title=use_request.document_title,
        use_request=use_request,
        copies=use_request.copies,
    )
    use_request.status = UseRequestStatus.APPLIED
    use_request.save()
    return use
