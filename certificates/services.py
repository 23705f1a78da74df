"""Writes around a request that are not state transitions: creating it (online or at the counter), attaching
materials and commitments, the exceptional path, and refusal-and-referral notices for non-issuable items.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog import resolver
from catalog.models import IssuableItem, NonIssuableItem
from catalog.selectors import effective_issuable_items, effective_non_issuable_items
from certificates import register, texts, workflow
from certificates.models import (
    Attachment,
    CertificateRequest,
    Channel,
    Commitment,
    CommitmentText,
    FourEyesWaiver,
    NumberCounter,
    PostCheck,
    PostCheckResult,
    RefusalNotice,
    RequestEvent,
    Status,
    VerificationMethod,
)
from certificates.permissions import handles_requests
from certificates.uploads import UploadRejected, clean_upload, display_name
from certificates.workflow import WorkflowError
from portal.access import active_memberships, has_role
from portal.idcard import normalize_id_number, validate_id_number
from portal.models import Region, User
from portal.regions import Level
from portal.roles import Role


@dataclass
class RequestInput:
    """What a resident (or staff at the counter) entered. Errors are collected per field, nothing is lost."""

    applicant_name: str
    applicant_id_number: str
    applicant_phone: str = ""
    purpose: str = ""
    requesting_body: str = ""
    requesting_basis: str = ""
    field_values: dict[str, str] = field(default_factory=dict)
    uploads: dict[str, list] = field(default_factory=dict)  # material name -> uploaded files
    commitments: set[str] = field(default_factory=set)  # material names replaced by a commitment


class RequestInvalid(Exception):
    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("; ".join(m for ms in errors.values() for m in ms))
        self.errors = errors


def current_commitment_text() -> CommitmentText:
    text = CommitmentText.objects.filter(effective_from__lte=timezone.localdate()).first()
    if text is None:
        raise WorkflowError(_("尚未配置告知承诺书文本，请联系区县民政部门。"))
    return text


def _validate(item: IssuableItem, data: RequestInput) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}

    def add(key: str, message: str) -> None:
        errors.setdefault(key, []).append(message)

    if not data.applicant_name.strip():
        add("applicant_name", _("请填写申请人姓名。"))
    try:
        validate_id_number(data.applicant_id_number or "")
    except Exception as error:  # ValidationError: its message names the problem
        add("applicant_id_number", " ".join(getattr(error, "messages", [str(error)])))
    if item.purposes and data.purpose not in item.purposes:
        add("purpose", _("请从该事项的办理用途中选择。"))
    if not data.purpose.strip():
        add("purpose", _("请选择办理用途。"))
    if not data.requesting_body.strip():
        add("requesting_body", _("请填写要求出具证明的单位。"))
    if not data.requesting_basis.strip():
        add("requesting_basis", _("要求出具证明的单位应当说明其依据，请填写该单位告知的法律法规或政策依据。"))
    for spec in item.fields:
        value = (data.field_values.get(spec["name"]) or "").strip()
        if spec.get("required") and not value:
            add(f"field_{spec['name']}", _("请填写“%(label)s”。") % {"label": spec.get("label", spec["name"])})
    replaceable = {m["name"] for m in item.materials if m.get("requirement") == "commitment"}
    for material in data.commitments - replaceable:
        add("commitments", _("“%(m)s”不能以告知承诺替代。") % {"m": material})
    for material in item.materials:
        name, requirement = material["name"], material.get("requirement")
        if requirement == "optional" or data.uploads.get(name) or name in data.commitments & replaceable:
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
    if not effective_issuable_items(community).filter(pk=item.pk).exists():
        raise WorkflowError(_("该事项不在本社区（村）现行的可出具清单中。"))
    if channel == Channel.COUNTER and not handles_requests(actor, community):
        raise WorkflowError(_("只有本社区工作人员可以窗口受理。"), forbidden=True)
    if channel == Channel.ONLINE and applicant != actor:
        raise WorkflowError(_("网上申请只能由申请人本人提交。"), forbidden=True)
    if channel == Channel.ONLINE and not has_role(actor, Role.RESIDENT, community):
        raise WorkflowError(_("网上申请只能向本人所在的社区（村）提出。"), forbidden=True)
    errors = texts.merge(_validate(item, data), _request_text_errors(data))
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
        requesting_body=data.requesting_body.strip(),
        requesting_basis=data.requesting_basis.strip(),
        field_values={k: v.strip() for k, v in data.field_values.items()},
        post_check_required=bool(data.commitments),
    )
    for material, clean in cleaned:
        _store(request, material, clean, actor)
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


@transaction.atomic
def request_create_exceptional(
    *,
    community: Region,
    actor: User,
    matter_name: str,
    can_verify: str,
    risk_assessment: str,
    data: RequestInput,
    applicant: User | None = None,
) -> CertificateRequest:
    """清单外据实出具: a matter in neither list, accepted only with a verification note and a risk assessment.

    Flagged for the county's review. (Shaanxi notice 三: where policy has not caught up and the community can
    verify, it may certify the facts after full assessment, keeping the records.)
    """
    if not handles_requests(actor, community):
        raise WorkflowError(_("只有本社区工作人员可以受理清单外事项。"), forbidden=True)
    errors: dict[str, list[str]] = {}
    if not matter_name.strip():
        errors["matter_name"] = [_("请填写证明事项名称。")]
    # A non-issuable item stays refused however it is reworded: "无犯罪记录证明（补办）", "良民证" are still that item.
    meaning = resolver.resolve(matter_name, region=community)
    if meaning.kind == resolver.Kind.MATCH and meaning.non_issuable:
        errors.setdefault("matter_name", []).append(_("该事项在不予出具清单中，应告知申请人到相关部门办理。"))
    # The committee's seal never backs legal or economic liability, on this path either; the matter's name is the
    # certificate's title. The assessment texts are not printed but were always held to the same rule here.
    texts.merge(
        errors,
        texts.text_errors(
            printed={
                "matter_name": matter_name,
                "can_verify": can_verify,
                "risk_assessment": risk_assessment,
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
    try:
        validate_id_number(data.applicant_id_number or "")
    except Exception as error:
        errors["applicant_id_number"] = list(getattr(error, "messages", [str(error)]))
    for key, value in (
        ("purpose", data.purpose),
        ("requesting_body", data.requesting_body),
        ("requesting_basis", data.requesting_basis),
    ):
        if not value.strip():
            errors.setdefault(key, []).append(_("此项必填。"))
    if errors:
        raise RequestInvalid(errors)
    request = CertificateRequest.objects.create(
        community=community,
        exceptional=True,
        exceptional_name=matter_name.strip(),
        exceptional_can_verify=can_verify.strip(),
        exceptional_risk_assessment=risk_assessment.strip(),
        county_review_required=True,
        channel=Channel.COUNTER,
        applicant=applicant,
        applicant_name=data.applicant_name.strip(),
        applicant_id_number=normalize_id_number(data.applicant_id_number),
        applicant_phone=data.applicant_phone.strip(),
        created_by=actor,
        purpose=data.purpose.strip(),
        requesting_body=data.requesting_body.strip(),
        requesting_basis=data.requesting_basis.strip(),
        field_values={},
    )
    return workflow.submit(request_id=request.pk, actor=actor)


@transaction.atomic
def refusal_notice_create(
    *, community: Region, item: NonIssuableItem, requesting_body: str = "", resident: User | None = None
) -> RefusalNotice:
    """A numbered 不予出具告知单 naming where to go instead; never creates a request."""
    if not effective_non_issuable_items(community).filter(pk=item.pk).exists():
        raise WorkflowError(_("该事项不在本社区（村）的不予出具清单中。"))
    year = timezone.localdate().year
    number = register.next_number(community, year, NumberCounter.REFUSAL)
    return RefusalNotice.objects.create(
        community=community,
        item=item,
        year=year,
        number=number,
        requesting_body=requesting_body.strip()[:200],
        resident=resident if resident and resident.is_authenticated else None,
    )


# --- steps that combine files with a transition: one transaction, so they stand or fall together -------------


def _files_note(note: str, uploads: list[tuple[str, object]]) -> str:
    note = note.strip()
    if not uploads:
        return note
    files = "、".join(f"{material}（{display_name(f.name)}）" for material, f in uploads)
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
        (minutes,) = attachments_add(request=request, actor=actor, uploads=[(_("议事协商会议记录"), minutes_file)])
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
def county_review_complete(*, request_id: int, actor: User, note: str) -> CertificateRequest:
    """The county reviews an exceptional (清单外) matter; the review is recorded and leaves the county's list."""
    request = CertificateRequest.objects.select_for_update(of=("self",)).select_related("community").get(pk=request_id)
    if not is_county_officer_of(actor, request.community):
        raise WorkflowError(_("只有本区县民政干部可以复核。"), forbidden=True)
    if not request.county_review_required or request.county_reviewed_at:
        raise WorkflowError(_("该申请不需要复核或已经复核。"))
    if not note.strip():
        raise WorkflowError(_("请写明复核意见。"))
    request.county_reviewed_by, request.county_reviewed_at = actor, timezone.now()
    request.county_review_note = note.strip()
    request.save(update_fields=["county_reviewed_by", "county_reviewed_at", "county_review_note", "updated_at"])
    RequestEvent.record(
        request,
        action="county_review",
        actor=actor,
        note=note.strip(),
    )
    return request


POST_CHECK_STATES = frozenset({Status.SIGNED, Status.ISSUED})


def can_post_check(user: User, request: CertificateRequest) -> bool:
    return (
        request.post_check_required
        and request.status in POST_CHECK_STATES
        and handles_requests(user, request.community)
    )


@transaction.atomic
def post_check_record(*, request_id: int, actor: User, result: str, method: str, note: str) -> PostCheck:
    """Record a post-check of the commitments. A false commitment is flagged for the director, who may revoke the
    certificate (issuance.certificate_revoke) and report it to the credit system; nothing is revoked silently."""
    request = CertificateRequest.objects.select_for_update(of=("self",)).select_related("community").get(pk=request_id)
    if not can_post_check(actor, request):
        raise WorkflowError(_("该申请不需要事后核查，或您不能核查本社区以外的申请。"), forbidden=True)
    if result not in PostCheckResult.values or method not in VerificationMethod.values:
        raise WorkflowError(_("请选择核查结果和核查方式。"))
    if not note.strip():
        raise WorkflowError(_("请写明核查情况。"))
    check = PostCheck.objects.create(request=request, result=result, method=method, note=note.strip(), checked_by=actor)
    RequestEvent.record(
        request,
        action="post_check",
        actor=actor,
        note=f"{check.get_result_display()}：{note.strip()}",
    )
    return check
