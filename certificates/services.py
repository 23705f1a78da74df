"""Writes around a request that are not state transitions: creating it (online or at the counter), attaching
materials and commitments, the exceptional path, and refusal-and-referral notices for non-issuable items.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from catalog import resolver
from catalog.models import IssuableItem, NonIssuableItem, Scope
from catalog.rules import normalize_name
from catalog.selectors import effective_issuable_items, effective_non_issuable_items
from certificates import pades, register, texts, workflow
from certificates.documents import RefusalNoticeDocument, new_verification_code
from certificates.models import (
    Attachment,
    CertificateRequest,
    Channel,
    Commitment,
    CommitmentText,
    CountyReviewGate,
    FourEyesWaiver,
    NumberCounter,
    PendingUpload,
    PostCheck,
    PostCheckResult,
    RefusalNotice,
    RequestEvent,
    RequestingBasis,
    RequestingBody,
    RequestingBodyKind,
    SupervisionPhoneChange,
    TransitionalGap,
    VerificationMethod,
)
from certificates.permissions import handles_requests
from certificates.uploads import UploadRejected, clean_upload, display_name
from certificates.workflow import WorkflowError
from portal.access import active_memberships, has_role, regions_with_role
from portal.idcard import normalize_id_number, validate_id_number
from portal.models import Region, User
from portal.pdf import render_pdf
from portal.regions import Level
from portal.roles import Role
from portal.terms import in_words_of


@dataclass
class RequestInput:
    """What a resident (or staff at the counter) entered. Errors are collected per field, nothing is lost."""

    applicant_name: str
    applicant_id_number: str
    applicant_phone: str = ""
    purpose: str = ""
    requesting_body: str = ""  # typed ("其他"), or empty when picked from the county's registry
    requesting_basis: str = ""  # may stay empty when the registry holds the body's basis for this item
    requesting_body_id: int | None = None  # a row of the county's registry of requesting bodies
    requesting_body_other: bool = False  # "其他" was chosen in the registry's list: the typed name and basis are due
    field_values: dict[str, str] = field(default_factory=dict)
    uploads: dict[str, list] = field(default_factory=dict)  # material name -> uploaded files
    commitments: set[str] = field(default_factory=set)  # material names replaced by a commitment
    # Online, the applicant ticks that they read the commitment text; at the counter staff tick each commitment
    # only after the applicant signed it in person, so the tick is the confirmation.
    commitment_confirmed: bool = False
    # At the counter: materials whose original staff saw (原件已查验) instead of scanning it; recorded in the timeline.
    originals_seen: set[str] = field(default_factory=set)


class RequestInvalid(Exception):
    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("; ".join(m for ms in errors.values() for m in ms))
        self.errors = errors


class DuplicateRequest(Exception):
    """The applicant already has an open request for this item and purpose: open it instead."""

    def __init__(self, existing: CertificateRequest):
        super().__init__(f"duplicate of request {existing.pk}")
        self.existing = existing


def in_progress_duplicate(
    *, community: Region, item: IssuableItem, applicant_id_number: str, purpose: str
) -> CertificateRequest | None:
    """The same person's request for the same item and purpose still open (the community has yet to decide on it),
    if any: online and at the counter. Once signed, another application is another copy, not a duplicate."""
    number, purpose = normalize_id_number(applicant_id_number or ""), (purpose or "").strip()
    if not number or not purpose:
        return None
    return (
        CertificateRequest.objects.filter(
            community=community,
            item=item,
            applicant_id_number=number,
            purpose=purpose,
            status__in=workflow.OPEN_STATES,
        )
        .order_by("-created_at", "-pk")
        .first()
    )


def current_commitment_text() -> CommitmentText:
    text = CommitmentText.objects.filter(effective_from__lte=timezone.localdate()).first()
    if text is None:
        raise WorkflowError(_("尚未配置告知承诺书文本，请联系区县民政部门。"))
    return text


def _add(errors: dict[str, list[str]], key: str, message: str) -> None:
    errors.setdefault(key, []).append(message)


@dataclass(frozen=True)
class BodyChoice:
    body: RequestingBody | None
    name: str
    basis: str


def _requesting_body(
    community: Region, item: IssuableItem | None, data: RequestInput, errors: dict[str, list[str]]
) -> BodyChoice:
    """The requesting body picked from the county's registry (its basis for the item pre-filled when the registry
    has it) or typed; the basis is required only when the registry does not hold it."""
    body = None
    name, basis = data.requesting_body.strip(), data.requesting_basis.strip()
    if data.requesting_body_id:
        body = (
            RequestingBody.objects.filter(
                pk=data.requesting_body_id, active=True, county__code=workflow.county_code(community)
            ).first()
            if str(data.requesting_body_id).isdigit()
            else None
        )
        if body is None:
            _add(errors, "requesting_body", _("所选单位不在本区县登记的单位中，请重新选择或选择“其他”后填写。"))
            return BodyChoice(None, name, basis)
        name = body.name
        if not basis and item is not None:
            known = RequestingBasis.objects.filter(body=body, item=item, active=True).first()
            basis = known.basis if known else ""
    if not name:
        if data.requesting_body_other:
            _add(errors, "requesting_body", _("您选择了“其他”，请填写其他单位名称。"))
        else:
            _add(errors, "requesting_body", _("请填写要求出具证明的单位。"))
    if not basis:
        if data.requesting_body_other:
            _add(errors, "requesting_basis", _("您选择了“其他”单位，请填写该单位告知的法律法规或政策依据。"))
        else:
            _add(
                errors,
                "requesting_basis",
                _("要求出具证明的单位应当说明其依据，请填写该单位告知的法律法规或政策依据。"),
            )
    return BodyChoice(body, name, basis)


def _check_account(community: Region, applicant: User | None, data: RequestInput, errors: dict[str, list[str]]) -> None:
    """A request linked to an account is shown to that account: staff may link only the applicant's own."""
    if applicant is None:
        return
    if not has_role(applicant, Role.RESIDENT, community):
        _add(errors, "account", in_words_of(community, _("只能关联本社区（村）居民的账号。")))
    elif not applicant.id_number or normalize_id_number(applicant.id_number) != normalize_id_number(
        data.applicant_id_number or ""
    ):
        _add(errors, "account", _("该居民账号登记的公民身份号码与申请人不一致，不能关联。"))


EARLIEST_PLAUSIBLE_DATE = dt.date(1900, 1, 1)


def _check_field_value(spec: dict, value: str) -> str | None:
    """The same date and number checks online and at the counter. A certificate attests facts that have happened
    (living somewhere since, a relation, a death): a date after today, or before 1900, cannot be true."""
    kind = spec.get("type")
    if kind == "date":
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            return _("请按“年-月-日”填写日期，例如 2024-03-01。")
        label = spec.get("label") or spec["name"]
        today = timezone.localdate()
        if day > today:
            return _("“%(label)s”不能晚于今天（%(today)s）：证明的是已经发生的事实。") % {
                "label": label,
                "today": today.isoformat(),
            }
        if day < EARLIEST_PLAUSIBLE_DATE:
            return _("“%(label)s”早于 1900 年，请检查年份。") % {"label": label}
    elif kind == "number":
        try:
            if not Decimal(value).is_finite():
                raise InvalidOperation
        except InvalidOperation:
            return _("请填写数字。")
    return None


def _validate(item: IssuableItem, data: RequestInput) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}

    def add(key: str, message: str) -> None:
        _add(errors, key, message)

    if not data.applicant_name.strip():
        add("applicant_name", _("请填写申请人姓名。"))
    try:
        validate_id_number(data.applicant_id_number or "")
    except Exception as error:  # ValidationError: its message names the problem
        add("applicant_id_number", " ".join(getattr(error, "messages", [str(error)])))
    if not data.purpose.strip():
        add("purpose", _("请选择办理用途。") if item.purposes else _("请填写办理用途。"))
    elif item.purposes and data.purpose not in item.purposes:
        add("purpose", _("请从该事项的办理用途中选择。"))
    for spec in item.fields:
        value = (data.field_values.get(spec["name"]) or "").strip()
        if spec.get("required") and not value:
            add(f"field_{spec['name']}", _("请填写“%(label)s”。") % {"label": spec.get("label", spec["name"])})
        elif value and (problem := _check_field_value(spec, value)):
            add(f"field_{spec['name']}", problem)
    replaceable = {m["name"] for m in item.materials if m.get("requirement") == "commitment"}
    for material in data.commitments - replaceable:
        add("commitments", _("“%(m)s”不能以告知承诺替代。") % {"m": material})
    for material in item.materials:
        name, requirement = material["name"], material.get("requirement")
        if (
            requirement == "optional"
            or data.uploads.get(name)
            or name in data.commitments & replaceable
            or name in data.originals_seen
        ):
            continue
        add(
            f"material_{name}",
            _("请上传“%(m)s”。") % {"m": name} + (_("也可以选择告知承诺替代。") if requirement == "commitment" else ""),
        )
    return errors


def _request_text_errors(data: RequestInput) -> dict[str, list[str]]:
    """The applicant's name, purpose, requesting body and field values are printed on the certificate."""
    return texts.text_errors(
        printed={
            "applicant_name": data.applicant_name,
            "purpose": data.purpose,
            "requesting_body": data.requesting_body,
            **{f"field_{name}": value for name, value in data.field_values.items()},
        },
        stored={"applicant_phone": data.applicant_phone, "requesting_basis": data.requesting_basis},
    )


def _request_checks(
    *, community: Region, item: IssuableItem, actor: User, data: RequestInput, applicant: User | None, channel: str
) -> tuple[dict[str, list[str]], BodyChoice, list[tuple[str, object]]]:
    """Every rule a new request must meet, each failure under its field's key, all at once."""
    if not effective_issuable_items(community).filter(pk=item.pk).exists():
        raise WorkflowError(in_words_of(community, _("该事项不在本社区（村）现行的可出具清单中。")))
    if channel == Channel.COUNTER and not handles_requests(actor, community):
        raise WorkflowError(in_words_of(community, _("只有本社区工作人员可以窗口受理。")), forbidden=True)
    if channel == Channel.ONLINE and applicant != actor:
        raise WorkflowError(_("网上申请只能由申请人本人提交。"), forbidden=True)
    if channel == Channel.ONLINE and not has_role(actor, Role.RESIDENT, community):
        raise WorkflowError(_("网上申请只能向本人所在的社区（村）提出。"), forbidden=True)
    if applicant is not None:
        # One application at a time per person: two quick submits (a double tap, the Back button) wait here for
        # each other, and the second finds the first.
        User.objects.select_for_update().filter(pk=applicant.pk).first()
    existing = in_progress_duplicate(
        community=community, item=item, applicant_id_number=data.applicant_id_number, purpose=data.purpose
    )
    if existing is not None:
        raise DuplicateRequest(existing)
    errors = texts.merge(_validate(item, data), _request_text_errors(data))
    if channel != Channel.COUNTER and data.originals_seen:
        _add(errors, "originals_seen", _("只有窗口受理时，工作人员可以记录“原件已查验”。"))
    for material in sorted(data.originals_seen - {m["name"] for m in item.materials}):
        _add(errors, "originals_seen", _("“%(m)s”不是该事项的申请材料。") % {"m": material})
    if channel == Channel.ONLINE and data.commitments and not data.commitment_confirmed:
        _add(errors, "commitments", _("选择以告知承诺替代材料的，请阅读告知承诺书并勾选确认，否则请上传材料。"))
    body = _requesting_body(community, item, data, errors)
    if channel == Channel.COUNTER:
        _check_account(community, applicant, data, errors)
    cleaned: list[tuple[str, object]] = []
    total = 0
    for material, files in data.uploads.items():
        for uploaded in files:
            try:
                clean = clean_upload(uploaded, bytes_already=total)
            except UploadRejected as rejected:
                errors.setdefault(f"material_{material}", []).append(rejected.message)
                continue
            total += clean.size
            cleaned.append((material, clean))
    return errors, body, cleaned


@transaction.atomic
def request_errors(
    *,
    community: Region,
    item: IssuableItem,
    actor: User,
    data: RequestInput,
    applicant: User | None = None,
    channel: str = Channel.ONLINE,
) -> dict[str, list[str]]:
    """What request_create would refuse, without writing anything: a form that has its own errors still shows
    the service's at the same time, so nothing is reported one submit at a time."""
    errors, _body, _cleaned = _request_checks(
        community=community, item=item, actor=actor, data=data, applicant=applicant, channel=channel
    )
    return errors


@transaction.atomic
def request_create(
    *,
    community: Region,
    item: IssuableItem,
    actor: User,
    data: RequestInput,
    applicant: User | None = None,
    channel: str = Channel.ONLINE,
    submit: bool = True,
) -> CertificateRequest:
    """Create a request with its materials and commitments, and submit it (the clock starts at acceptance)."""
    errors, body, cleaned = _request_checks(
        community=community, item=item, actor=actor, data=data, applicant=applicant, channel=channel
    )
    if errors:
        raise RequestInvalid(errors)
    request = CertificateRequest.objects.create(
        community=community,
        item=item,
        item_version=item.history.values_list("history_id", flat=True).first(),
        channel=channel,
        applicant=applicant,
        applicant_name=data.applicant_name.strip(),
        applicant_id_number=normalize_id_number(data.applicant_id_number),
        applicant_phone=data.applicant_phone.strip(),
        created_by=actor,
        purpose=data.purpose.strip(),
        requesting_body=body.name,
        requesting_body_ref=body.body,
        requesting_basis=body.basis,
        field_values={k: v.strip() for k, v in data.field_values.items()},
        post_check_required=bool(data.commitments),
    )
    for material, clean in cleaned:
        _store(request, material, clean, actor)
    with translation.override(settings.LANGUAGE_CODE):  # the timeline is a permanent record: in Chinese
        for material in sorted(data.originals_seen):
            RequestEvent.record(
                request, action="original_seen", actor=actor, note=_("原件已查验：%(m)s") % {"m": material}
            )
    if data.commitments:
        text = current_commitment_text()
        for material in sorted(data.commitments):
            Commitment.objects.create(request=request, material=material, text=text, confirmed_by=actor)
    if submit:
        request = workflow.submit(request_id=request.pk, actor=actor)
    return request


def _store(request: CertificateRequest, material: str, clean, actor: User) -> Attachment:
    return Attachment.objects.create(
        request=request,
        material=material,
        file=clean.content,
        original_name=clean.original_name,
        content_type=clean.content_type,
        size=clean.size,
        sha256=clean.sha256,
        uploaded_by=actor,
    )


# --- pending uploads: files chosen on an application sent back for correction ----------------------------------------


def pending_uploads(*, session_key: str, user: User, form_key: str) -> list[PendingUpload]:
    """The files kept for this session's application form; none without a session (nothing is ever shared)."""
    if not session_key or not user.is_authenticated:
        return []
    return list(PendingUpload.objects.filter(session_key=session_key, user=user, form_key=form_key))


def pending_uploads_keep(
    *, session_key: str, user: User, form_key: str, uploads: dict[int, list]
) -> dict[int, list[str]]:
    """Keep the newly chosen files that pass the upload checks (by content, images re-encoded), so that the
    resident need not choose them again after a correction. Returns, per material, the names NOT kept (refused,
    or beyond the 40 MB of one application): those must be chosen again."""
    not_kept: dict[int, list[str]] = {}
    if not session_key or not user.is_authenticated:
        return {index: [display_name(f.name) for f in files] for index, files in uploads.items() if files}
    used = sum(p.size for p in pending_uploads(session_key=session_key, user=user, form_key=form_key))
    for index, files in uploads.items():
        for uploaded in files:
            try:
                clean = clean_upload(uploaded, bytes_already=used)
            except UploadRejected:
                not_kept.setdefault(index, []).append(display_name(uploaded.name))
                continue
            used += clean.size
            PendingUpload.objects.create(
                session_key=session_key,
                user=user,
                form_key=form_key,
                material_index=index,
                file=clean.content,
                original_name=clean.original_name,
                content_type=clean.content_type,
                size=clean.size,
                sha256=clean.sha256,
            )
    return not_kept


def pending_uploads_discard(*, session_key: str, user: User, form_key: str, ids: Iterable[int] | None = None) -> int:
    """Delete kept files of this session's form (those ids only, or all), files on disk included."""
    rows = pending_uploads(session_key=session_key, user=user, form_key=form_key)
    if ids is not None:
        wanted = set(ids)
        rows = [row for row in rows if row.pk in wanted]
    for row in rows:
        row.file.delete(save=False)
        row.delete()
    return len(rows)


def pending_as_uploads(rows: Iterable[PendingUpload]) -> dict[int, list]:
    """Kept files as uploaded files again, per material index: request_create checks them like new ones."""
    files: dict[int, list] = {}
    for row in rows:
        with row.file.open("rb") as stored:
            data = stored.read()
        files.setdefault(row.material_index, []).append(SimpleUploadedFile(row.original_name, data, row.content_type))
    return files


def pending_uploads_expire(*, older_than: dt.timedelta) -> int:
    """Abandoned kept files (a form never sent again): deleted with their files. Used by clean_pending_uploads."""
    rows = list(PendingUpload.objects.filter(created_at__lt=timezone.now() - older_than))
    for row in rows:
        row.file.delete(save=False)
        row.delete()
    return len(rows)


@transaction.atomic
def attachments_add(*, request: CertificateRequest, actor: User, uploads: Iterable[tuple[str, object]]) -> list:
    """Add files (a supplement, minutes); earlier files are kept. All-or-nothing: one bad file adds none."""
    used = request.attachments.aggregate(total=Sum("size"))["total"] or 0
    cleaned = []
    for material, uploaded in uploads:
        clean = clean_upload(uploaded, bytes_already=used)
        used += clean.size
        cleaned.append((material, clean))
    return [_store(request, material, clean, actor) for material, clean in cleaned]


def transitional_gap(community: Region, item: NonIssuableItem, on: dt.date | None = None) -> TransitionalGap | None:
    """The county's statement in force that item's alternative is not yet in place locally, or None."""
    latest = TransitionalGap.objects.filter(county__code=workflow.county_code(community), item=item).first()
    return latest if latest and latest.in_force(on or timezone.localdate()) else None


def _listed_matter(community: Region, matter_name: str, errors: dict[str, list[str]]) -> NonIssuableItem | None:
    """Which listed item the matter is, when it may still be certified in the transition (陕西通知 三); a listed
    matter whose alternative the county has not marked as missing is refused, naming where to go."""
    resolution = resolver.resolve(matter_name, region=community)
    if resolution.kind == resolver.Kind.MATCH:
        for item in resolution.issuable:
            _add(
                errors,
                "matter_name",
                in_words_of(community, _("“%(name)s”在本社区（村）的可出具清单中，请按清单窗口受理。"))
                % {"name": item.name},
            )
        for item in resolution.non_issuable:
            if transitional_gap(community, item):
                return item
        for item in resolution.non_issuable[:1]:
            _add(errors, "matter_name", _refused_listed(item))
        return None
    # A non-issuable item stays refused however it is reworded: "无犯罪记录证明（补办）" is still that item.
    wanted = normalize_name(matter_name)
    if wanted:
        for item in effective_non_issuable_items(community):
            if normalize_name(item.name) in wanted:
                _add(errors, "matter_name", _refused_listed(item))
                break
    return None


def _refused_listed(item: NonIssuableItem) -> str:
    # Plain words for the desk: the matter is the listed item (whatever it was called), where to send the person,
    # and the one exception (the county has marked the alternative as not yet in place).
    return _(
        "该事项即不予出具清单中的“%(name)s”，社区不能出具。请告知申请人到%(department)s办理：%(channel)s"
        "（只有区县认定该事项本地替代途径尚未到位时，才可按过渡期规定据实出具。）"
    ) % {"name": item.name, "department": item.alternative_department, "channel": item.alternative_channel}


@transaction.atomic
def request_create_exceptional(
    *,
    community: Region,
    actor: User,
    matter_name: str,
    can_verify: str,
    risk_assessment: str,
    data: RequestInput,
    precautions: str = "",
    applicant: User | None = None,
) -> CertificateRequest:
    """The exceptional path (陕西通知 三), accepted only with a verification note and a risk assessment:

    - a matter in neither list: flagged for the county's review (a record, or a gate where the county chose so);
    - a listed (non-issuable) item, only while the county marks its alternative as not yet in place locally: also
      needs the precautions written down, and the county's approval before the director signs.
    """
    if not handles_requests(actor, community):
        raise WorkflowError(in_words_of(community, _("只有本社区工作人员可以受理清单外事项。")), forbidden=True)
    errors: dict[str, list[str]] = {}
    if not matter_name.strip():
        errors["matter_name"] = [_("请填写证明事项名称。")]
    listed = _listed_matter(community, matter_name, errors) if matter_name.strip() else None
    # The committee's seal never backs legal or economic liability, on this path either; the matter's name is the
    # certificate's title. The assessment texts are not printed but were always held to the same rule here.
    texts.merge(
        errors,
        texts.text_errors(
            printed={
                "matter_name": matter_name,
                "can_verify": can_verify,
                "risk_assessment": risk_assessment,
                "precautions": precautions,
                "applicant_name": data.applicant_name,
                "purpose": data.purpose,
                "requesting_body": data.requesting_body,
            },
            stored={"applicant_phone": data.applicant_phone, "requesting_basis": data.requesting_basis},
        ),
    )
    if not data.applicant_name.strip():
        errors["applicant_name"] = [_("请填写申请人姓名。")]
    if not can_verify.strip():
        errors["can_verify"] = [_("请说明社区能够核实该事实的方式。")]
    if not risk_assessment.strip():
        errors["risk_assessment"] = [_("请填写风险评估。")]
    if listed is not None and not precautions.strip():
        _add(errors, "precautions", _("过渡期例外事项须写明预先防范措施。"))
    try:
        validate_id_number(data.applicant_id_number or "")
    except Exception as error:
        errors["applicant_id_number"] = list(getattr(error, "messages", [str(error)]))
    if not data.purpose.strip():
        _add(errors, "purpose", _("此项必填。"))
    body = _requesting_body(community, None, data, errors)
    _check_account(community, applicant, data, errors)
    if errors:
        raise RequestInvalid(errors)
    request = CertificateRequest.objects.create(
        community=community,
        exceptional=True,
        exceptional_name=matter_name.strip(),
        exceptional_can_verify=can_verify.strip(),
        exceptional_risk_assessment=risk_assessment.strip(),
        exceptional_precautions=precautions.strip(),
        transitional_item=listed,
        county_review_required=True,
        channel=Channel.COUNTER,
        applicant=applicant,
        applicant_name=data.applicant_name.strip(),
        applicant_id_number=normalize_id_number(data.applicant_id_number),
        applicant_phone=data.applicant_phone.strip(),
        created_by=actor,
        purpose=data.purpose.strip(),
        requesting_body=body.name,
        requesting_body_ref=body.body,
        requesting_basis=body.basis,
        field_values={},
    )
    return workflow.submit(request_id=request.pk, actor=actor)


def refusal_notice_issuer(actor: User | None, community: Region) -> str | None:
    """Who may take a numbered notice: "counter" for the community's staff or director, "resident" for a signed-in
    resident, None for anyone else (they may print the unnumbered guide, which is not counted)."""
    if actor is None or not actor.is_authenticated:
        return None
    if has_role(actor, Role.STAFF, community) or has_role(actor, Role.DIRECTOR, community):
        return "counter"
    if regions_with_role(actor, Role.RESIDENT):
        return "resident"
    return None


class RefusalNoticeUnsignable(WorkflowError):
    """No numbered notice: the community cannot sign now (certificates/pades.py). The unnumbered guide still can be
    printed; the page links it."""


@transaction.atomic
def refusal_notice_create(
    *, community: Region, item: NonIssuableItem, actor: User | None, requesting_body: str = ""
) -> RefusalNotice:
    """A numbered 不予出具告知单 naming where to go instead; never creates a request.

    Issued only to a signed-in resident or by the community's staff at the counter (the numbers are counted in the
    county's statistics, so nobody may use them up anonymously). Rendered once and stored with its hash and a
    verification code, like a certificate, and signed with the community's key like one (PAdES, pades.py): the stored
    hash is the signed file's. When the community cannot sign, nothing is stored, no number is used up, the county is
    alerted, and the message points to the unnumbered guide.
    """
    issuer = refusal_notice_issuer(actor, community)
    if issuer is None:
        raise WorkflowError(
            _("编号的不予出具告知单只发给已登录的居民，或由社区工作人员在窗口出具。您可以打印不编号的办理指引。"),
            forbidden=True,
        )
    if not effective_non_issuable_items(community).filter(pk=item.pk).exists():
        raise WorkflowError(in_words_of(community, _("该事项不在本社区（村）的不予出具清单中。")))
    # The community's signing key, before a number is taken: a numbered notice never leaves unsigned.
    try:
        signer = pades.signer_or_alert(community)
    except pades.SigningUnavailable as unavailable:
        why = (
            _("原因：%(reason)s") % {"reason": unavailable.message}
            if issuer == "counter"
            else _("区县民政部门已收到通知。")
        )
        raise RefusalNoticeUnsignable(
            in_words_of(
                community,
                _(
                    "本社区目前无法为编号的不予出具告知单加盖电子签名，告知单没有出具，也没有占用编号。%(why)s"
                    "您仍可以打印不编号的办理指引，上面同样写明应到哪里办理。"
                ),
            )
            % {"why": why}
        ) from None
    year = timezone.localdate().year
    number = register.next_number(community, year, NumberCounter.REFUSAL)
    code = new_verification_code()
    notice = RefusalNotice(
        community=community,
        item=item,
        year=year,
        number=number,
        requesting_body=requesting_body.strip()[:200],
        resident=actor if issuer == "resident" else None,
        issued_by=actor if issuer == "counter" else None,
        code=code,
        created_at=timezone.now(),
    )
    with translation.override(settings.LANGUAGE_CODE):  # an official document: Chinese whatever the screen says
        document = RefusalNoticeDocument.numbered(notice)
        pdf = render_pdf(document.render_pdf_html(demo=settings.DEMO_MODE))
    pdf = signer.sign_pdf(pdf, reason=f"{document.number} {document.title}")
    notice.pdf = ContentFile(pdf, name=f"{code}.pdf")
    notice.sha256 = hashlib.sha256(pdf).hexdigest()
    notice.save()
    return notice


# --- steps that combine files with a transition: one transaction, so they stand or fall together -------------


def _files_note(note: str, uploads: list[tuple[str, object]]) -> str:
    note = note.strip()
    if not uploads:
        return note
    files = "、".join(f"{material}（{display_name(f.name)}）" for material, f in uploads)
    with translation.override(settings.LANGUAGE_CODE):  # a permanent record: written in Chinese
        uploaded = _("上传了 %(n)s 个文件：%(files)s") % {"n": len(uploads), "files": files}
    return f"{note}\n{uploaded}" if note else uploaded


@transaction.atomic
def supplement_submit(
    *, request_id: int, actor: User, note: str, uploads: list[tuple[str, object]], expected_revision: int | None
) -> CertificateRequest:
    """The resident (or staff at the counter) hands in what was missing. The transition runs first, so a stale
    form is refused before any file is written; a refused file undoes the transition."""
    workflow.refuse_texts(stored={"note": note})
    updated = workflow.supplement(
        request_id=request_id, actor=actor, note=_files_note(note, uploads), expected_revision=expected_revision
    )
    attachments_add(request=updated, actor=actor, uploads=uploads)
    return updated


@transaction.atomic
def deliberation_record(*, request_id: int, actor: User, minutes_file=None, **meeting) -> CertificateRequest:
    """Record a residents' deliberation, with its minutes file when there is one."""
    # Refused before the minutes file is written.
    workflow.refuse_texts(stored={"place": meeting.get("place", ""), "participants": meeting.get("participants", "")})
    minutes = None
    if minutes_file is not None:
        request = CertificateRequest.objects.get(pk=request_id)
        with translation.override(settings.LANGUAGE_CODE):  # the attachment's name is permanent: in Chinese
            material = _("议事协商会议记录")
        (minutes,) = attachments_add(request=request, actor=actor, uploads=[(material, minutes_file)])
    return workflow.record_deliberation(request_id=request_id, actor=actor, minutes=minutes, **meeting)


def is_county_officer_of(user: User, community: Region) -> bool:
    """The county officer of the community's own county: decides its four-eyes waiver and reviews its
    exceptional matters."""
    # By statistical-code prefix: no query per community in lists.
    return any(
        m.role == Role.COUNTY_OFFICER and m.region.level == Level.COUNTY and community.code.startswith(m.region.prefix)
        for m in active_memberships(user)
    )


@transaction.atomic
def four_eyes_waiver_set(*, community: Region, actor: User, allowed: bool, reason: str) -> FourEyesWaiver:
    """Only the county officer of the community's county decides; every decision is a new row."""
    county = community.ancestor_at(Level.COUNTY)
    if not is_county_officer_of(actor, community):
        raise WorkflowError(_("只有本区县民政干部可以设置四眼原则豁免。"), forbidden=True)
    if not reason.strip():
        raise WorkflowError(_("请写明理由。"))
    return FourEyesWaiver.objects.create(
        county=county, community=community, allowed=allowed, reason=reason.strip(), set_by=actor
    )


@transaction.atomic
def county_review_complete(*, request_id: int, actor: User, note: str, approved: bool = True) -> CertificateRequest:
    """The county reviews an exceptional (清单外) matter: agrees or not, with a note. Where the review is a gate
    (a listed item in the transition, or the county's switch), the director signs only after an agreement."""
    request = CertificateRequest.objects.select_for_update(of=("self",)).select_related("community").get(pk=request_id)
    if not is_county_officer_of(actor, request.community):
        raise WorkflowError(_("只有本区县民政干部可以复核。"), forbidden=True)
    if not request.county_review_required or request.county_reviewed_at:
        raise WorkflowError(_("该申请不需要复核或已经复核。"))
    if not note.strip():
        raise WorkflowError(_("请写明复核意见。"))
    request.county_reviewed_by, request.county_reviewed_at = actor, timezone.now()
    request.county_review_note = note.strip()
    request.county_review_approved = approved
    request.save(
        update_fields=[
            "county_reviewed_by",
            "county_reviewed_at",
            "county_review_note",
            "county_review_approved",
            "updated_at",
        ]
    )
    with translation.override(settings.LANGUAGE_CODE):  # a permanent record: written in Chinese
        decision = _("同意") if approved else _("不同意")
    RequestEvent.record(request, action="county_review", actor=actor, note=f"{decision}：{note.strip()}")
    return request


def _county_of(actor: User, county: Region, message: str) -> None:
    if county.level != Level.COUNTY or not is_county_officer_of(actor, county):
        raise WorkflowError(message, forbidden=True)


@transaction.atomic
def county_review_gate_set(*, county: Region, actor: User, gate: bool, reason: str) -> CountyReviewGate:
    """The county switches its review of matters in neither list between a record after the fact and a gate
    before the director signs. Every decision is a new row."""
    _county_of(actor, county, _("只有本区县民政干部可以设置复核方式。"))
    if not reason.strip():
        raise WorkflowError(_("请写明理由。"))
    return CountyReviewGate.objects.create(county=county, gate=gate, reason=reason.strip(), set_by=actor)


SUPERVISION_PHONE = re.compile(r"^[0-9][0-9-]{5,19}$")


@transaction.atomic
def supervision_phone_set(*, county: Region, actor: User, phone: str, reason: str) -> SupervisionPhoneChange:
    """The county sets the supervision phone its communities' notice boards print; every change is a new row, and
    the region keeps the number in force (read by catalog.noticeboards). Empty clears it."""
    _county_of(actor, county, _("只有本区县民政干部可以设置监督电话。"))
    phone = phone.strip().replace(" ", "")
    if phone and not SUPERVISION_PHONE.match(phone):
        raise RequestInvalid({"phone": [_("请填写电话号码，只用数字和连字符，如 029-85361234。")]})
    if not reason.strip():
        raise RequestInvalid({"reason": [_("请写明理由。")]})
    Region.objects.filter(pk=county.pk).update(supervision_phone=phone)
    county.supervision_phone = phone
    return SupervisionPhoneChange.objects.create(county=county, phone=phone, reason=reason.strip(), set_by=actor)


@transaction.atomic
def transitional_gap_set(
    *,
    county: Region,
    item: NonIssuableItem,
    actor: User,
    not_in_place: bool,
    note: str,
    valid_from: dt.date | None = None,
    valid_until: dt.date | None = None,
) -> TransitionalGap:
    """The county marks (or clears) that a listed item's alternative is not yet in place locally, for a period.
    Every setting is a new permanent row; the latest one is in force."""
    _county_of(actor, county, _("只有本区县民政干部可以认定过渡期衔接不到位的事项。"))
    if not effective_non_issuable_items(county).filter(pk=item.pk).exists():
        raise WorkflowError(_("该事项不在本区县适用的不予出具清单中。"))
    errors: dict[str, list[str]] = {}
    if not note.strip():
        _add(errors, "note", _("请写明说明：哪个部门的替代途径尚未到位，如何处理。"))
    if not_in_place:
        if valid_from is None:
            _add(errors, "valid_from", _("请填写起始日期。"))
        if valid_from and valid_until and valid_until < valid_from:
            _add(errors, "valid_until", _("截止日期不能早于起始日期。"))
    if errors:
        raise RequestInvalid(errors)
    return TransitionalGap.objects.create(
        county=county,
        item=item,
        not_in_place=not_in_place,
        valid_from=valid_from if not_in_place else None,
        valid_until=valid_until if not_in_place else None,
        note=note.strip(),
        set_by=actor,
    )


def county_issuable_items(county: Region):
    """Issuable items in force in a county (for the registry of requesting bodies)."""
    places = [county.pk, *(r.pk for r in county.ancestors())]
    return IssuableItem.objects.in_force().filter(Q(scope=Scope.NATIONAL) | Q(region_id__in=places)).order_by("code")


@transaction.atomic
def requesting_body_save(
    *, county: Region, actor: User, name: str, kind: str, active: bool = True, body: RequestingBody | None = None
) -> RequestingBody:
    """Add a requesting body to the county's registry, or change one (simple-history keeps every version)."""
    _county_of(actor, county, _("只有本区县民政干部可以维护要求出具证明的单位。"))
    if body is not None and body.county_id != county.pk:
        raise WorkflowError(_("该单位不在本区县登记。"), forbidden=True)
    name = " ".join(name.split())
    errors: dict[str, list[str]] = {}
    if not name:
        _add(errors, "name", _("请填写要求单位的名称。"))
    elif RequestingBody.objects.filter(county=county, name=name).exclude(pk=body.pk if body else None).exists():
        _add(errors, "name", _("本区县已登记同名单位。"))
    if kind not in RequestingBodyKind.values:
        _add(errors, "kind", _("请选择单位类型。"))
    if errors:
        raise RequestInvalid(errors)
    body = body or RequestingBody(county=county)
    body.name, body.kind, body.active = name[:200], kind, active
    body._history_user = actor
    body.save()
    return body


@transaction.atomic
def requesting_basis_set(
    *, body: RequestingBody, item: IssuableItem, actor: User, basis: str, active: bool = True
) -> RequestingBasis:
    """Record (or change, or withdraw) what a body states as its basis for one item."""
    county = body.county
    _county_of(actor, county, _("只有本区县民政干部可以维护要求出具证明的单位。"))
    if not county_issuable_items(county).filter(pk=item.pk).exists():
        raise RequestInvalid({"item": [_("该事项不在本区县现行的可出具清单中。")]})
    basis = basis.strip()
    if active and not basis:
        raise RequestInvalid({"basis": [_("请填写该单位说明的法律法规或政策依据。")]})
    row = RequestingBasis.objects.filter(body=body, item=item).first() or RequestingBasis(body=body, item=item)
    if basis:
        row.basis = basis[:300]
    row.active = active
    row._history_user = actor
    row.save()
    return row


POST_CHECK_STATES = workflow.POST_CHECK_STATES


def can_post_check(user: User, request: CertificateRequest) -> bool:
    return (
        request.post_check_required
        and request.status in POST_CHECK_STATES
        and (handles_requests(user, request.community) or _street_officer_of(user, request.community))
    )


def _street_officer_of(user: User, community: Region) -> bool:
    """The street/township officer of the community's street: post-checks are part of their supervision."""
    return any(
        m.role == Role.STREET_OFFICER and community.code.startswith(m.region.prefix) for m in active_memberships(user)
    )


@transaction.atomic
def post_check_record(*, request_id: int, actor: User, result: str, method: str, note: str) -> PostCheck:
    """Record a post-check of the commitments. A false commitment is flagged for the director, who may revoke the
    certificate (issuance.certificate_revoke) and report it to the credit system; nothing is revoked silently."""
    request = CertificateRequest.objects.select_for_update(of=("self",)).select_related("community").get(pk=request_id)
    if not can_post_check(actor, request):
        raise WorkflowError(
            in_words_of(request.community, _("该申请不需要事后核查，或您不能核查本社区以外的申请。")), forbidden=True
        )
    if result not in PostCheckResult.values or method not in VerificationMethod.values:
        raise WorkflowError(_("请选择核查结果和核查方式。"))
    if not note.strip():
        raise WorkflowError(_("请写明核查情况。"))
    check = PostCheck.objects.create(request=request, result=result, method=method, note=note.strip(), checked_by=actor)
    with translation.override(settings.LANGUAGE_CODE):  # a permanent record: written in Chinese
        result_label = str(check.get_result_display())
    RequestEvent.record(request, action="post_check", actor=actor, note=f"{result_label}：{note.strip()}")
    return check
