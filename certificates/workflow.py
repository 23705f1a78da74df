"""The request workflow: states, the one table of allowed transitions, and one function per transition.

    draft ─submit→ submitted ─verify→ verified ─send_for_signature→ awaiting_signature ─sign→ signed ─issue→ issued
                   ↑   │                 ↑  └request_deliberation→ awaiting_deliberation ─┐
                   │   │                 └──────────────────────── record_deliberation ───┘
                   │   └request_supplement→ awaiting_supplement ─supplement┘ (also from verified)
    A recorded deliberation returns the matter to staff; with a majority in favour it goes on to the director in
    the same step, without one it stays with staff (send_for_signature is refused: 陕西通知 二(一) 须经讨论同意).
    reject: from any open state before signing (staff, director); withdraw: before signing (the applicant).
    cancel: signed → cancelled (the director, with a reason): the register entry gets a cancellation record and
    keeps its number. An issued certificate is revoked instead (certificates/issuance.py).
    send_back: awaiting_signature → verified (the director, with a reason).

Each function locks the request row, checks the move, the actor's right and the guards, writes the change and an
event row, and sends notifications after commit. Views never assign a status.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from certificates import freeze, register, texts
from certificates.issuance import IssuanceRefused, issue_certificate
from certificates.models import (
    CertificateRequest,
    CertificateRevocation,
    CountyReviewGate,
    Deliberation,
    FourEyesWaiver,
    RegisterCancellation,
    RequestEvent,
    RevocationCategory,
    Status,
)
from certificates.workdays import add_workdays, workdays_between
from portal.access import has_role
from portal.appointments import deputy_for
from portal.models import User
from portal.regions import Level, code_prefix
from portal.roles import Role
from portal.terms import in_words_of
from seals.models import Seal

APPLICANT = "applicant"  # the request's own resident: a relation to the request, not a place-bound role
# A deputy named by the director for a date range (代签, portal.appointments): may sign, nothing else of the director's.
DEPUTY = "deputy"

OPEN_BEFORE_SIGNING = frozenset(
    {
        Status.SUBMITTED,
        Status.AWAITING_SUPPLEMENT,
        Status.VERIFIED,
        Status.AWAITING_DELIBERATION,
        Status.AWAITING_SIGNATURE,
    }
)


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    target: str
    roles: frozenset[str]
    label: object  # lazy translation


TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in (
        Transition(
            "submit",
            frozenset({Status.DRAFT}),
            Status.SUBMITTED,
            frozenset({APPLICANT, Role.STAFF}),
            gettext_lazy("提交申请"),
        ),
        Transition(
            "request_supplement",
            frozenset({Status.SUBMITTED, Status.VERIFIED}),
            Status.AWAITING_SUPPLEMENT,
            frozenset({Role.STAFF, Role.DIRECTOR}),
            gettext_lazy("要求补正"),
        ),
        Transition(
            "supplement",
            frozenset({Status.AWAITING_SUPPLEMENT}),
            Status.SUBMITTED,
            frozenset({APPLICANT, Role.STAFF}),
            gettext_lazy("提交补正材料"),
        ),
        Transition(
            "verify",
            frozenset({Status.SUBMITTED}),
            Status.VERIFIED,
            frozenset({Role.STAFF, Role.DIRECTOR}),
            gettext_lazy("核实"),
        ),
        Transition(
            "request_deliberation",
            frozenset({Status.VERIFIED}),
            Status.AWAITING_DELIBERATION,
            frozenset({Role.STAFF, Role.DIRECTOR}),
            gettext_lazy("提交议事协商"),
        ),
        Transition(
            "record_deliberation",
            frozenset({Status.AWAITING_DELIBERATION}),
            Status.VERIFIED,
            frozenset({Role.STAFF, Role.DIRECTOR}),
            gettext_lazy("登记议事协商结果"),
        ),
        Transition(
            "send_for_signature",
            frozenset({Status.VERIFIED}),
            Status.AWAITING_SIGNATURE,
            frozenset({Role.STAFF, Role.DIRECTOR}),
            gettext_lazy("提请主任签字"),
        ),
        Transition(
            "send_back",
            frozenset({Status.AWAITING_SIGNATURE}),
            Status.VERIFIED,
            frozenset({Role.DIRECTOR}),
            gettext_lazy("退回"),
        ),
        Transition(
            "sign",
            frozenset({Status.AWAITING_SIGNATURE}),
            Status.SIGNED,
            frozenset({Role.DIRECTOR, DEPUTY}),
            gettext_lazy("签字批准"),
        ),
        Transition(
            "reject",
            OPEN_BEFORE_SIGNING,
            Status.REJECTED,
            frozenset({Role.STAFF, Role.DIRECTOR}),
            gettext_lazy("不予出具"),
        ),
        Transition(
            "issue", frozenset({Status.SIGNED}), Status.ISSUED, frozenset({Role.KEEPER}), gettext_lazy("用印出具")
        ),
        Transition(
            "cancel", frozenset({Status.SIGNED}), Status.CANCELLED, frozenset({Role.DIRECTOR}), gettext_lazy("作废登记")
        ),
        Transition(
            "revoke", frozenset({Status.ISSUED}), Status.REVOKED, frozenset({Role.DIRECTOR}), gettext_lazy("撤销证明")
        ),
        Transition(
            "withdraw",
            OPEN_BEFORE_SIGNING | {Status.DRAFT},
            Status.WITHDRAWN,
            frozenset({APPLICANT}),
            gettext_lazy("撤回申请"),
        ),
    )
}


# --- the one classification of states (tabs, badges, overdue, post-checks and statistics read it) ---------------


@dataclass(frozen=True)
class StateClass:
    desk_tab: str  # the desk tab that lists the state ("" for drafts, which the desk never sees)
    open: bool  # the community still has to act (open tabs put the nearest due date first)
    clock_runs: bool  # counts against the time limit, so it can be overdue (awaiting a supplement pauses the clock)
    post_checkable: bool  # signed: commitments that replaced materials may be post-checked (事后核查)
    counted: bool  # in the county's statistics (everything a resident handed in; a draft was never handed in)
    terminal: bool  # no transition leaves it
    tone: str  # badge colour


STATES: dict[str, StateClass] = {
    Status.DRAFT: StateClass("", False, False, False, False, False, "secondary"),
    Status.SUBMITTED: StateClass("new", True, True, False, True, False, "primary"),
    Status.AWAITING_SUPPLEMENT: StateClass("supplement", True, False, False, True, False, "warning"),
    Status.VERIFIED: StateClass("verified", True, True, False, True, False, "info"),
    Status.AWAITING_DELIBERATION: StateClass("deliberation", True, True, False, True, False, "info"),
    Status.AWAITING_SIGNATURE: StateClass("signature", True, True, False, True, False, "primary"),
    Status.SIGNED: StateClass("signed", False, False, True, True, False, "success"),
    Status.ISSUED: StateClass("signed", False, False, True, True, False, "success"),  # the director may revoke it
    Status.REJECTED: StateClass("closed", False, False, False, True, True, "danger"),
    Status.CANCELLED: StateClass("closed", False, False, False, True, True, "secondary"),
    Status.WITHDRAWN: StateClass("closed", False, False, False, True, True, "secondary"),
    Status.REVOKED: StateClass("closed", False, False, False, True, True, "danger"),
}


def _states(predicate: Callable[[StateClass], bool]) -> frozenset[str]:
    return frozenset(s for s, c in STATES.items() if predicate(c))


OPEN_STATES = _states(lambda c: c.open)
OVERDUE_STATES = _states(lambda c: c.clock_runs)
POST_CHECK_STATES = _states(lambda c: c.post_checkable)
TERMINAL_STATES = _states(lambda c: c.terminal)
# In the order of Status: the columns of the county's statistics.
STATISTICS_STATES: tuple[str, ...] = tuple(s for s in Status.values if STATES[s].counted)


def tab_states(tab: str) -> frozenset[str]:
    return _states(lambda c: c.desk_tab == tab)


# Events that record something without moving the request (written by services and issuance).
RECORD_LABELS = {
    "revoke": gettext_lazy("撤销证明"),
    "county_review": gettext_lazy("区县复核"),
    "post_check": gettext_lazy("事后核查"),
    "original_seen": gettext_lazy("原件已查验"),
}


# Event notes the applicant sees (on the request page and in notifications). Verification notes, a send-back
# reason, post-check findings and county review notes are the community's internal record.
PUBLIC_NOTE_ACTIONS = frozenset(
    {"submit", "request_supplement", "supplement", "reject", "withdraw", "cancel", "revoke", "original_seen"}
)


def event_label(action: str) -> str:
    """What an event row's action is called in timelines."""
    transition = TRANSITIONS.get(action)
    return str(transition.label if transition else RECORD_LABELS.get(action, action))


class WorkflowError(Exception):
    """A refused action, with a message for the user. Nothing was changed."""

    def __init__(self, message: str, *, forbidden: bool = False):
        super().__init__(message)
        self.message = message
        self.forbidden = forbidden


class TextRefused(WorkflowError):
    """Typed text refused (unprintable characters, liability wording), keyed by field so that the form shows each
    message next to the field and keeps what was typed. Nothing was changed."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(" ".join(m for messages in errors.values() for m in messages))
        self.errors = errors


def refuse_texts(*, printed: dict[str, str] | None = None, stored: dict[str, str] | None = None) -> None:
    errors = texts.text_errors(printed=printed, stored=stored)
    if errors:
        raise TextRefused(errors)


# --- predicates (templates show buttons from these, never from a second copy of the rules) ---------------------


def actor_roles(user: User, request: CertificateRequest) -> set[str]:
    roles = {r for r in (Role.STAFF, Role.DIRECTOR, Role.KEEPER) if has_role(user, r, request.community)}
    if request.applicant_id is not None and request.applicant_id == user.pk:
        roles.add(APPLICANT)
    if Role.DIRECTOR not in roles and roles & {Role.STAFF, Role.KEEPER} and deputy_for(user, request.community):
        roles.add(DEPUTY)
    return roles


# Actions the applicant takes on their own request; every other action is the community's decision, which
# nobody takes on a request of their own (a director or staff member who is also a resident applying).
APPLICANT_ACTIONS = frozenset({"submit", "supplement", "withdraw"})
# Decisions that need the item still in force: a retired item is no longer a basis for issuing.
ITEM_MUST_BE_IN_FORCE = frozenset(
    {"verify", "request_deliberation", "record_deliberation", "send_for_signature", "sign", "issue"}
)


def is_own_request(user: User, request: CertificateRequest) -> bool:
    if request.applicant_id is not None and request.applicant_id == user.pk:
        return True
    return bool(user.id_number) and user.id_number == request.applicant_id_number


def four_eyes_waived(community_id: int) -> bool:
    latest = FourEyesWaiver.objects.filter(community_id=community_id).first()
    return bool(latest and latest.allowed)


def county_code(community) -> str:
    """The statistical code of a community's county (no query)."""
    prefix = code_prefix(Level.COUNTY, community.code)
    return prefix + "0" * (len(community.code) - len(prefix))


def county_review_is_gate(community) -> bool:
    """Whether the community's county has switched its review of exceptional matters into a gate before signing."""
    latest = CountyReviewGate.objects.filter(county__code=county_code(community)).first()
    return bool(latest and latest.gate)


def county_approval_needed(request: CertificateRequest) -> bool:
    """陕西通知 三: a listed item certified in the transition always needs the county's approval before signing; a
    matter in neither list needs it where the county made its review a gate."""
    if not request.exceptional:
        return False
    return request.transitional_item_id is not None or county_review_is_gate(request.community)


def awaiting_county(request: CertificateRequest) -> bool:
    """Waiting for the county's approval (the desk shows it; the director cannot sign yet)."""
    return (
        request.status in OPEN_STATES and county_approval_needed(request) and request.county_review_approved is not True
    )


def _deliberation_refusal(request: CertificateRequest, needs_deliberation: bool, action: str) -> str | None:
    if not (needs_deliberation or request.deliberations.exists()):
        return None
    latest = request.deliberations.order_by("-recorded_at", "-id").first()
    if latest is None:
        if action == "sign":
            return _("该事项须经居民议事协商，议事协商记录登记后主任才能签字。")
        return _("该事项须经居民议事协商，请先提交议事协商。")
    if latest.agreed * 2 <= latest.total:  # 陕西通知 二(一): 须经讨论同意
        if action == "sign":
            return _("居民议事协商未获过半数同意，不能签字出具；请不予出具并说明理由。")
        return _("居民议事协商未获过半数同意，不能提请主任签字；可以重新议事协商，或不予出具并说明理由。")
    return None


def refusal_reason(user: User, request: CertificateRequest, action: str) -> str | None:
    """Why user may not take action on request now; None when they may."""
    transition = TRANSITIONS[action]
    if request.status not in transition.sources:
        return _("当前状态为“%(status)s”，不能执行“%(action)s”。") % {
            "status": request.get_status_display(),
            "action": transition.label,
        }
    if not (actor_roles(user, request) & transition.roles):
        return _("您没有执行“%(action)s”的权限。") % {"action": transition.label}
    if action not in APPLICANT_ACTIONS and is_own_request(user, request):
        return in_words_of(request.community, _("不能办理本人的申请：请由本社区其他工作人员办理。"))
    if action in ITEM_MUST_BE_IN_FORCE and request.item_id and not request.item.is_in_force():
        return _("该证明事项已废止或不在有效期内，不能继续办理；请不予出具并告知申请人办理途径。")
    needs_deliberation = bool(request.item_id and request.item.requires_deliberation)
    if action == "request_deliberation" and not needs_deliberation and not request.exceptional:
        return _("该事项不需要议事协商。")
    if action in ("send_for_signature", "sign"):
        reason = _deliberation_refusal(request, needs_deliberation, action)
        if reason:
            return reason
    if action == "sign":
        if county_approval_needed(request) and request.county_review_approved is not True:
            if request.county_reviewed_at:
                return _("区县民政部门未同意出具该事项，不能签字；请不予出具并告知申请人。")
            return _("该事项须经区县民政部门批准后主任才能签字（陕西通知第三部分），请等待区县复核。")
        if request.verified_by_id == user.pk and not four_eyes_waived(request.community_id):
            return _("主任不能签批本人核实的事项（四眼原则）。")
    if action == "issue" and request.signed_by_id == user.pk:
        return _("印章使用审批人与保管人不得为同一人：您签批了这件事项，不能再为它用印。")
    return None


def can(user: User, request: CertificateRequest, action: str) -> bool:
    return refusal_reason(user, request, action) is None


def available_actions(user: User, request: CertificateRequest) -> list[Transition]:
    return [t for t in TRANSITIONS.values() if can(user, request, t.action)]


# --- the one place that changes a status ---------------------------------------------------------------------


def _transition(
    request_id: int,
    action: str,
    actor: User,
    *,
    expected_revision: int | None,
    note: str = "",
    change: Callable[[CertificateRequest], None] | None = None,
) -> CertificateRequest:
    with transaction.atomic():
        request = (
            CertificateRequest.objects.select_for_update(of=("self",))
            .select_related("item", "community")
            .get(pk=request_id)
        )
        if expected_revision is not None and request.revision != expected_revision:
            raise WorkflowError(_("该申请已被其他人处理或页面已过期，请刷新后查看最新状态。本次操作未执行。"))
        reason = refusal_reason(actor, request, action)
        if reason:
            forbidden = request.status in TRANSITIONS[action].sources and not (
                actor_roles(actor, request) & TRANSITIONS[action].roles
            )
            raise WorkflowError(reason, forbidden=forbidden)
        old_status = request.status
        if change:
            change(request)
        request.status = TRANSITIONS[action].target
        request.revision += 1
        request.save()
        event = RequestEvent.objects.create(
            request=request, action=action, from_status=old_status, to_status=request.status, actor=actor, note=note
        )
        from certificates import notifications  # imported late: notifications render templates

        transaction.on_commit(lambda: notifications.request_changed(request, event))
    return request


def _today() -> dt.date:
    return timezone.localdate()


def submit(*, request_id: int, actor: User, expected_revision: int | None = None) -> CertificateRequest:
    def accept(request: CertificateRequest) -> None:
        request.accepted_on = _today()
        _set_due_date(request)

    return _transition(request_id, "submit", actor, expected_revision=expected_revision, change=accept)


def _set_due_date(request: CertificateRequest) -> None:
    limit = request.item.time_limit_workdays if request.item_id else 5
    due = add_workdays(request.accepted_on, limit + request.paused_workdays)
    request.due_date, request.due_date_provisional = due.date, due.provisional


def request_supplement(*, request_id: int, actor: User, missing: str, expected_revision: int | None = None):
    if not missing.strip():
        raise WorkflowError(_("请列出需要补正的材料或内容。"))
    refuse_texts(stored={"missing": missing})

    def pause(request: CertificateRequest) -> None:
        request.supplement_requested_on = _today()
        request.supplement_note = missing.strip()

    return _transition(
        request_id, "request_supplement", actor, expected_revision=expected_revision, note=missing.strip(), change=pause
    )


def supplement(*, request_id: int, actor: User, note: str = "", expected_revision: int | None = None):
    def resume(request: CertificateRequest) -> None:
        # Time waiting for the resident's supplement does not count against the time limit.
        if request.supplement_requested_on:
            request.paused_workdays += workdays_between(request.supplement_requested_on, _today())
        request.supplement_requested_on = None
        if request.accepted_on:
            _set_due_date(request)

    return _transition(request_id, "supplement", actor, expected_revision=expected_revision, note=note, change=resume)


def verify(*, request_id: int, actor: User, method: str, note: str, expected_revision: int | None = None):
    if not method:
        raise WorkflowError(_("请选择核实方式。"))
    if not note.strip():
        raise WorkflowError(_("请写明核实情况。"))

    refuse_texts(stored={"note": note})

    def record(request: CertificateRequest) -> None:
        if request.exceptional:  # 清单外: the verification note is the certificate's body (certificates/freeze.py)
            refuse_texts(printed={"note": note})
        request.verification_method = method
        request.verification_note = note.strip()
        request.verified_by = actor
        request.verified_at = timezone.now()

    return _transition(
        request_id, "verify", actor, expected_revision=expected_revision, note=note.strip(), change=record
    )


def request_deliberation(*, request_id: int, actor: User, expected_revision: int | None = None):
    return _transition(request_id, "request_deliberation", actor, expected_revision=expected_revision)


def record_deliberation(
    *,
    request_id: int,
    actor: User,
    held_on: dt.date,
    place: str,
    participants: str,
    agreed: int,
    total: int,
    minutes=None,
    expected_revision: int | None = None,
):
    if total <= 0 or agreed < 0 or agreed > total:
        raise WorkflowError(_("同意人数应在0到参会人数之间，参会人数应大于0。"))
    if held_on > _today():
        raise WorkflowError(_("会议日期不能晚于今天。"))
    if not place.strip() or not participants.strip():
        raise WorkflowError(_("请填写会议地点和参加人员。"))
    refuse_texts(stored={"place": place, "participants": participants})

    def record(request: CertificateRequest) -> None:
        Deliberation.objects.create(
            request=request,
            held_on=held_on,
            place=place.strip(),
            participants=participants.strip(),
            agreed=agreed,
            total=total,
            minutes=minutes,
            recorded_by=actor,
        )

    with translation.override(settings.LANGUAGE_CODE):  # a permanent record: written in Chinese
        note = _("参会%(total)s人，同意%(agreed)s人") % {"total": total, "agreed": agreed}
    with transaction.atomic():
        request = _transition(
            request_id, "record_deliberation", actor, expected_revision=expected_revision, note=note, change=record
        )
        # With a majority in favour the matter goes on to the director in the same step; without one it stays
        # with staff, and the same predicate that refuses send_for_signature says why on the desk.
        if can(actor, request, "send_for_signature"):
            request = _transition(request_id, "send_for_signature", actor, expected_revision=None)
    return request


def send_for_signature(*, request_id: int, actor: User, expected_revision: int | None = None):
    return _transition(request_id, "send_for_signature", actor, expected_revision=expected_revision)


def send_back(*, request_id: int, actor: User, reason: str, expected_revision: int | None = None):
    if not reason.strip():
        raise WorkflowError(_("请写明退回理由。"))
    refuse_texts(stored={"reason": reason})
    return _transition(request_id, "send_back", actor, expected_revision=expected_revision, note=reason.strip())


def sign(*, request_id: int, actor: User, expected_revision: int | None = None) -> CertificateRequest:
    """The director signs; the register entry is created in the same transaction (一事一登记)."""

    def register_it(request: CertificateRequest) -> None:
        # What is signed is what will be printed: the text is fixed now and checked before a number is taken, so a
        # certificate that could not be printed (a character outside the font, liability wording) never uses one.
        text = freeze.certificate_text(request)
        problem = freeze.signing_problem(text, request.community)
        if problem:
            raise WorkflowError(problem)
        request.signed_by = actor
        request.signed_at = timezone.now()
        register.create_entry(request, text, deputy_for=acting_for)

    # A deputy's signature names the director it was made for, in the register entry and in the event.
    acting_for = None
    note = ""
    request = CertificateRequest.objects.select_related("community").get(pk=request_id)
    if not has_role(actor, Role.DIRECTOR, request.community):
        signing = deputy_for(actor, request.community)
        if signing is not None:
            acting_for = signing.director
            note = _("代签：受主任%(name)s委托（%(start)s至%(end)s）") % {
                "name": signing.director.display_name,
                "start": f"{signing.starts_on:%Y-%m-%d}",
                "end": f"{signing.ends_on:%Y-%m-%d}",
            }
    return _transition(request_id, "sign", actor, expected_revision=expected_revision, note=note, change=register_it)


def bulk_sign_refusal(request: CertificateRequest) -> str | None:
    """Why this matter cannot be signed together with others (None when it can). A matter that needed a residents'
    deliberation, or a matter outside the catalogue, is read and signed on its own."""
    if request.exceptional or not request.item_id:
        return _("清单外事项须逐件签字。")
    if request.item.requires_deliberation:
        return _("须经居民议事协商的事项须逐件签字。")
    return None


@dataclass(frozen=True)
class SignOutcome:
    request_id: int
    signed: CertificateRequest | None
    refusal: str | None


def sign_many(*, actor: User, matters: list[tuple[int, int]]) -> list[SignOutcome]:
    """The director signs several matters from the list: each (request id, revision seen on the list) is signed on
    its own through sign(), in its own transaction, with the same checks and the stale-form check, and gets its own
    register line. One refusal does not stop the others; each outcome is reported."""
    outcomes = []
    for request_id, revision in matters:
        request = CertificateRequest.objects.select_related("item").filter(pk=request_id).first()
        refusal = _("没有找到该申请。") if request is None else bulk_sign_refusal(request)
        if refusal is None:
            try:
                outcomes.append(
                    SignOutcome(request_id, sign(request_id=request_id, actor=actor, expected_revision=revision), None)
                )
                continue
            except WorkflowError as error:
                refusal = error.message
        outcomes.append(SignOutcome(request_id, None, refusal))
    return outcomes


def reject(*, request_id: int, actor: User, reason: str, expected_revision: int | None = None):
    if not reason.strip():
        raise WorkflowError(_("请写明不予出具的理由，申请人会看到。"))
    refuse_texts(stored={"reason": reason})

    def record(request: CertificateRequest) -> None:
        request.rejection_reason = reason.strip()

    return _transition(
        request_id, "reject", actor, expected_revision=expected_revision, note=reason.strip(), change=record
    )


def withdraw(*, request_id: int, actor: User, expected_revision: int | None = None):
    return _transition(request_id, "withdraw", actor, expected_revision=expected_revision)


def issue(
    *,
    request_id: int,
    actor: User,
    seal_id: int,
    expected_revision: int | None = None,
    paper: bool = False,
    copies: int = 1,
):
    """The keeper applies the seal and the certificate is issued (rendered once and stored); on paper with its copies
    and a stub for the community's file."""

    def seal_and_render(request: CertificateRequest) -> None:
        seal = Seal.objects.filter(pk=seal_id, community=request.community).first()
        if seal is None:
            raise WorkflowError(in_words_of(request.community, _("请选择本社区登记的印章。")))
        try:
            issue_certificate(request, keeper=actor, seal=seal, paper=paper, copies=copies)
        except IssuanceRefused as refused:
            raise WorkflowError(refused.message) from None

    return _transition(request_id, "issue", actor, expected_revision=expected_revision, change=seal_and_render)


def revoke(
    *,
    request_id: int,
    actor: User,
    reason: str,
    category: str = RevocationCategory.OTHER,
    expected_revision: int | None = None,
):
    """The director revokes an issued certificate: the request reads 已撤销 everywhere, the register entry keeps its
    number and the verification page shows the revocation's date and category (never the written reason)."""
    if not reason.strip():
        raise WorkflowError(_("请写明撤销理由。"))
    if category not in RevocationCategory.values:
        raise WorkflowError(_("请选择撤销原因类别。"))
    refuse_texts(stored={"reason": reason})

    def record(request: CertificateRequest) -> None:
        CertificateRevocation.objects.create(
            certificate=request.register_entry.certificate, category=category, reason=reason.strip(), revoked_by=actor
        )

    return _transition(
        request_id, "revoke", actor, expected_revision=expected_revision, note=reason.strip(), change=record
    )


def cancel(*, request_id: int, actor: User, reason: str, expected_revision: int | None = None):
    """The director cancels a signed matter before it is sealed; the register entry keeps its number."""
    if not reason.strip():
        raise WorkflowError(_("请写明作废理由。"))
    refuse_texts(stored={"reason": reason})

    def record(request: CertificateRequest) -> None:
        RegisterCancellation.objects.create(entry=request.register_entry, reason=reason.strip(), actor=actor)

    return _transition(
        request_id, "cancel", actor, expected_revision=expected_revision, note=reason.strip(), change=record
    )
