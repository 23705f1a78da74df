"""The community desk (社区工作台) and county oversight (督导).

Who: staff and directors of a community work its queue, enter requests at the counter (一窗受理) and take the
workflow's actions; county and provincial officers read what they supervise and set the four-eyes waiver. Every
request page reaches its request through certificates.permissions.get_request_for_user; every action form is
shown from workflow.available_actions and every write goes through certificates.workflow or certificates.services.
The views only read, validate forms and call those modules.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.paginator import Paginator
from django.db.models import Count, F, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from catalog.models import IssuableItem
from catalog.selectors import effective_issuable_items
from certificates import desk_figures, freeze, notifications, selectors, services, workflow
from certificates.forms.staff import (
    EXCEPTIONAL_CHOICE,
    ActionForm,
    CancelForm,
    ConfirmForm,
    CounterRequestForm,
    CountyReviewForm,
    ExceptionalRequestForm,
    FourEyesForm,
    PostCheckForm,
    QueueFilterForm,
    RecordDeliberationForm,
    RejectForm,
    RequestSupplementForm,
    SendBackForm,
    SupplementForm,
    VerifyForm,
)
from certificates.models import (
    CertificateRequest,
    Channel,
    DeliveryStatus,
    FourEyesWaiver,
    NotificationDelivery,
    PostCheckResult,
    RegisterEntry,
    Status,
)
from certificates.oversight import overdue_q
from certificates.permissions import (
    can_open_files,
    can_see_full_id_number,
    can_see_full_phone,
    communities_handled,
    get_request_for_user,
    handles_requests,
    visible_requests,
    works_in,
)
from certificates.uploads import UploadRejected
from certificates.workflow import WorkflowError
from portal import bindings
from portal.access import oversees, oversight_regions, supervises
from portal.audit import audit_personal_data_shown
from portal.errors import Forbidden
from portal.idcard import mask_phone
from portal.models import Region, User
from portal.pagecache import cached_page
from portal.regions import Level
from portal.terms import in_words_of

PAGE_SIZE = 20


# --- Which communities a user works for ---------------------------------------------------------------------------


def _desk_communities(user: User) -> list[Region]:
    """The communities whose requests this user handles (staff or director); 403 for anyone else."""
    unique = {c.pk: c for c in communities_handled(user)}
    if not unique:
        raise Forbidden(_("社区工作台仅供社区工作人员和社区主任使用。"))
    return sorted(unique.values(), key=lambda c: c.code)


def _handled_community(user: User, code: str) -> tuple[Region, list[Region]]:
    communities = _desk_communities(user)
    community = next((c for c in communities if c.code == code), None)
    if community is None:
        raise Http404
    return community, communities


def _desk_request(user: User, pk: int, *, write: bool = False) -> CertificateRequest:
    """A request through the access helper, and only for those who work on it or supervise it: an applicant reads
    their own request on the residents' pages, not on the desk."""
    request = get_request_for_user(user, pk, write=write)
    if not (works_in(user, request.community) or oversees(user, request.community)):
        raise Http404
    return request


# --- The queue --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tab:
    """A desk tab. The states it lists come from the one classification (workflow.STATES)."""

    key: str
    label: object

    @property
    def statuses(self) -> frozenset[str]:
        return workflow.tab_states(self.key)

    @property
    def open(self) -> bool:  # open tabs put the nearest due date first; closed ones the latest change
        return self.key == "overdue" or bool(self.statuses & workflow.OPEN_STATES)

    def condition(self, today: dt.date) -> Q:
        if self.key == "overdue":
            return overdue_q(today)
        if self.key == "postcheck":  # commitments replaced materials and nobody has checked them yet
            return Q(post_check_required=True, status__in=workflow.POST_CHECK_STATES, post_checks__isnull=True)
        return Q(status__in=self.statuses)


TABS: tuple[Tab, ...] = (
    Tab("new", gettext_lazy("新提交待核实")),
    Tab("supplement", gettext_lazy("待补正")),
    Tab("verified", gettext_lazy("已核实")),
    Tab("deliberation", gettext_lazy("待议事协商")),
    Tab("signature", gettext_lazy("待主任签字")),
    Tab("signed", gettext_lazy("已签字登记")),
    Tab("overdue", gettext_lazy("已超期")),
    Tab("postcheck", gettext_lazy("待事后核查")),
    Tab("closed", gettext_lazy("已结束")),
)
TAB_BY_KEY = {tab.key: tab for tab in TABS}

ID_TAIL = re.compile(r"[0-9Xx]{4}|[0-9Xx]{18}")


def _search(qs: QuerySet[CertificateRequest], text: str) -> QuerySet[CertificateRequest]:
    text = text.strip()
    if not text:
        return qs
    condition = Q(applicant_name__icontains=text) | Q(item__name__icontains=text) | Q(exceptional_name__icontains=text)
    if ID_TAIL.fullmatch(text):  # the four characters a masked number shows, or a whole number
        condition |= Q(applicant_id_number__endswith=text.upper())
    return qs.filter(condition)


@login_required
@cached_page("community", "tab", "item", "channel", "page")  # a search (q) is computed
def queue(request: HttpRequest) -> HttpResponse:
    communities = _desk_communities(request.user)
    code = request.GET.get("community") or communities[0].code
    community = next((c for c in communities if c.code == code), None)
    if community is None:
        raise Http404
    today = timezone.localdate()
    tab = TAB_BY_KEY.get(request.GET.get("tab", ""), TABS[0])

    base = CertificateRequest.objects.filter(community=community)
    counts = base.aggregate(**{t.key: Count("pk", filter=t.condition(today)) for t in TABS})

    used_items = list(
        IssuableItem.objects.filter(requests__community=community).only("code", "name").distinct().order_by("code")
    )
    filters = QueueFilterForm(request.GET or None, items=used_items)
    rows = base.filter(tab.condition(today))
    filtered = False
    if filters.is_valid():
        data = filters.cleaned_data
        rows = _search(rows, data["q"])
        if data["item"] == EXCEPTIONAL_CHOICE:
            rows = rows.filter(exceptional=True)
        elif data["item"]:
            rows = rows.filter(item__code=data["item"])
        if data["channel"]:
            rows = rows.filter(channel=data["channel"])
        filtered = any(data.values())
    if tab.open:
        rows = rows.order_by(F("due_date").asc(nulls_last=True), "created_at")
    else:
        rows = rows.order_by("-updated_at")
    page = Paginator(rows.select_related("item", "community"), PAGE_SIZE).get_page(request.GET.get("page"))
    signing = tab.key == "signature"
    for row in page.object_list:
        row.overdue = row.is_overdue(today)
        if signing:  # the director reads the certificate and signs from the list (workflow.refusal_reason decides)
            row.can_sign = workflow.can(request.user, row, "sign")
            row.preview = freeze.preview_for(row) if row.can_sign else None
            row.bulk_ok = (
                row.can_sign and not (row.preview and row.preview.problem) and not workflow.bulk_sign_refusal(row)
            )

    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "certificates/staff/queue.html",
        {
            "community": community,
            "communities": communities,
            "tabs": [(t, counts[t.key]) for t in TABS],
            "tab": tab,
            "filters": filters,
            "filtered": filtered,
            "page": page,
            "page_query": query.urlencode(),
            "signing": signing and any(row.can_sign for row in page.object_list),
            "bulk_signing": signing and sum(1 for row in page.object_list if row.bulk_ok) > 1,
            "tab_query": _without(request.GET, "tab", "page"),
            # notifications every automatic retry failed to send: the applicant may not know (never silently lost)
            "failed_deliveries": NotificationDelivery.objects.filter(
                request__community=community, status=DeliveryStatus.FAILED
            ).select_related("request")[:20],
        },
    )


@login_required
@require_POST
def sign_from_list(request: HttpRequest) -> HttpResponse:
    """Sign from the 待主任签字 list: one matter (its own button) or the ticked ones. Each goes through workflow.sign
    with the revision the list showed (a matter changed since is refused, not signed unseen) and gets its own
    register line; matters that needed a deliberation are signed one at a time (workflow.bulk_sign_refusal)."""
    communities = _desk_communities(request.user)
    community = next((c for c in communities if c.code == request.POST.get("community")), None)
    if community is None:
        raise Http404
    only = request.POST.get("only", "")
    chosen = [only] if only else request.POST.getlist("matter")
    matters = []
    for value in chosen:
        pk, _sep, revision = value.partition(":")
        if pk.isdigit() and revision.isdigit():
            matters.append((int(pk), int(revision)))
    back = reverse("desk:queue") + f"?community={community.code}&tab=signature"
    if not matters:
        messages.error(request, _("请先勾选要签字的事项。"))
        return redirect(back)
    known = set(
        CertificateRequest.objects.filter(community=community, pk__in=[pk for pk, _rev in matters]).values_list(
            "pk", flat=True
        )
    )
    if only:
        outcomes = []
        pk, revision = matters[0]
        if pk in known:
            try:
                signed = workflow.sign(request_id=pk, actor=request.user, expected_revision=revision)
                outcomes.append(workflow.SignOutcome(pk, signed, None))
            except WorkflowError as error:
                outcomes.append(workflow.SignOutcome(pk, None, error.message))
    else:
        outcomes = workflow.sign_many(actor=request.user, matters=[(pk, rev) for pk, rev in matters if pk in known])
    for outcome in outcomes:
        if outcome.signed is not None:
            messages.success(
                request,
                _("已签字：%(matter)s，登记编号 %(number)s。")
                % {"matter": outcome.signed.matter_name, "number": outcome.signed.register_entry.display_number},
            )
        else:
            messages.error(
                request, _("申请编号 %(pk)s 未签字：%(reason)s") % {"pk": outcome.request_id, "reason": outcome.refusal}
            )
    if len(known) < len(matters):
        messages.error(request, in_words_of(community, _("有事项不属于本社区，未签字。")))
    return redirect(back)


def _without(params, *names: str) -> str:
    query = params.copy()
    for name in names:
        query.pop(name, None)
    return query.urlencode()


# --- The request page and its actions -------------------------------------------------------------------------


def _verify(request: HttpRequest, obj: CertificateRequest, form: ActionForm) -> CertificateRequest:
    data = form.cleaned_data
    return workflow.verify(
        request_id=obj.pk,
        actor=request.user,
        method=data["method"],
        note=data["note"],
        expected_revision=data["revision"],
    )


def _request_supplement(request: HttpRequest, obj: CertificateRequest, form: ActionForm) -> CertificateRequest:
    data = form.cleaned_data
    return workflow.request_supplement(
        request_id=obj.pk, actor=request.user, missing=data["missing"], expected_revision=data["revision"]
    )


def _supplement(request: HttpRequest, obj: CertificateRequest, form: ActionForm) -> CertificateRequest:
    data = form.cleaned_data
    with translation.override(settings.LANGUAGE_CODE):  # the attachments' material name is permanent: in Chinese
        material = _("补正材料")
    return services.supplement_submit(
        request_id=obj.pk,
        actor=request.user,
        note=data["note"],
        uploads=[(material, f) for f in data["files"] or []],
        expected_revision=data["revision"],
    )


def _request_deliberation(request: HttpRequest, obj: CertificateRequest, form: ActionForm) -> CertificateRequest:
    return workflow.request_deliberation(
        request_id=obj.pk, actor=request.user, expected_revision=form.cleaned_data["revision"]
    )


def _record_deliberation(request: HttpRequest, obj: CertificateRequest, form: ActionForm) -> CertificateRequest:
    data = form.cleaned_data
    return services.deliberation_record(
        request_id=obj.pk,
        actor=request.user,
        minutes_file=data["minutes"] or None,
        held_on=data["held_on"],
        place=data["place"],
        participants=data["participants"],
        agreed=data["agreed"],
        total=data["total"],
        expected_revision=data["revision"],
    )


def _send_for_signature(request: HttpRequest, obj: CertificateRequest, form: ActionForm) -> CertificateRequest:
    return workflow.send_for_signature(
        request_id=obj.pk, actor=request.user, expected_revision=form.cleaned_data["revision"]
    )


def _sign(request: HttpRequest, obj: CertificateRequest, form: ActionForm) -> CertificateRequest:
    return workflow.sign(request_id=obj.pk, actor=request.user, expected_revision=form.cleaned_data["revision"])


def _send_back(request: HttpRequest, obj: CertificateRequest, form: ActionForm) -> CertificateRequest:
    data = form.cleaned_data
    return workflow.send_back(
        request_id=obj.pk, actor=request.user, reason=data["reason"], expected_revision=data["revision"]
    )


def _cancel(request: HttpRequest, obj: CertificateRequest, form: ActionForm) -> CertificateRequest:
    data = form.cleaned_data
    return workflow.cancel(
        request_id=obj.pk, actor=request.user, reason=data["reason"], expected_revision=data["revision"]
    )


def _reject(request: HttpRequest, obj: CertificateRequest, form: ActionForm) -> CertificateRequest:
    data = form.cleaned_data
    return workflow.reject(
        request_id=obj.pk, actor=request.user, reason=data["reason"], expected_revision=data["revision"]
    )


@dataclass(frozen=True)
class DeskAction:
    """How the desk offers one workflow transition: its form, the call, the button and the confirmation."""

    form_class: type[ActionForm]
    perform: Callable[[HttpRequest, CertificateRequest, ActionForm], CertificateRequest]
    button: object
    done: object
    style: str = "btn-portal"
    collapsed: bool = False  # rarely the next step, or irreversible: behind a disclosure
    multipart: bool = False
    upload_field: str | None = None


# Transitions of the applicant alone (submit, withdraw) have no place on the desk. The order is the page's order.
DESK_ACTIONS: dict[str, DeskAction] = {
    "verify": DeskAction(VerifyForm, _verify, gettext_lazy("确认核实"), gettext_lazy("已记录核实情况。")),
    "request_supplement": DeskAction(
        RequestSupplementForm,
        _request_supplement,
        gettext_lazy("通知申请人补正"),
        gettext_lazy("已要求补正。"),
        style="btn-outline-primary",
        collapsed=True,
    ),
    "supplement": DeskAction(
        SupplementForm,
        _supplement,
        gettext_lazy("代为提交补正材料"),
        gettext_lazy("补正材料已提交，申请回到待核实。"),
        style="btn-outline-primary",
        collapsed=True,
        multipart=True,
        upload_field="files",
    ),
    "request_deliberation": DeskAction(
        ConfirmForm,
        _request_deliberation,
        gettext_lazy("提交居民议事协商"),
        gettext_lazy("已提交议事协商。"),
    ),
    "record_deliberation": DeskAction(
        RecordDeliberationForm,
        _record_deliberation,
        gettext_lazy("登记议事协商结果"),
        gettext_lazy("议事协商结果已登记。"),
        multipart=True,
        upload_field="minutes",
    ),
    "send_for_signature": DeskAction(
        ConfirmForm,
        _send_for_signature,
        gettext_lazy("提请主任签字"),
        gettext_lazy("已提请主任签字。"),
    ),
    "sign": DeskAction(ConfirmForm, _sign, gettext_lazy("签字批准并登记"), gettext_lazy("已签字批准。")),
    "send_back": DeskAction(
        SendBackForm,
        _send_back,
        gettext_lazy("退回重新核实"),
        gettext_lazy("已退回。"),
        style="btn-outline-secondary",
        collapsed=True,
    ),
    "cancel": DeskAction(
        CancelForm,
        _cancel,
        gettext_lazy("作废登记"),
        gettext_lazy("登记已作废，编号保留。"),
        style="btn-outline-danger",
        collapsed=True,
    ),
    "reject": DeskAction(
        RejectForm,
        _reject,
        gettext_lazy("不予出具"),
        gettext_lazy("已决定不予出具，申请人会看到理由。"),
        style="btn-outline-danger",
        collapsed=True,
    ),
}

# When these are refused for a reason other than the state or the role (the four-eyes rule, a missing
# deliberation), the page says why instead of silently leaving the button out.
EXPLAINED_REFUSALS = ("send_for_signature", "sign")


@dataclass
class Failed:
    """A POST that did not go through: its action and the bound form, carrying its errors (the workflow's
    refusal among them)."""

    action: str
    form: ActionForm


@dataclass
class ActionPanel:
    action: str
    transition: workflow.Transition
    spec: DeskAction
    form: ActionForm
    failed: bool = False


def _attachment_url(request_pk: int, attachment_pk: int) -> str:
    """Files are served by the residents' app, which checks access (certificates.permissions.can_open_files)."""
    return reverse("requests:attachment", args=[request_pk, attachment_pk])


def _refill(spec: DeskAction, failed: Failed, revision: int) -> ActionForm:
    """The failed form again, with what was typed and its errors, carrying the revision of the state the page now
    shows: the user has that state in front of them when they send it again. (Files must be chosen again.)"""
    data = failed.form.data.copy()
    data[failed.form.add_prefix("revision")] = str(revision)
    form = spec.form_class(data, prefix=failed.action)
    form.is_valid()
    for name, errors in failed.form.errors.items():
        for error in errors:
            if error not in form.errors.get(name, []):
                form.add_error(None if name == NON_FIELD_ERRORS else name, error)
    return form


def _render_detail(request: HttpRequest, pk: int, failed: Failed | None = None) -> HttpResponse:
    user = request.user
    obj = _desk_request(user, pk)
    today = timezone.localdate()

    panels = []
    for transition in workflow.available_actions(user, obj):
        spec = DESK_ACTIONS.get(transition.action)
        if spec is None:
            continue
        if failed and failed.action == transition.action:
            form, is_failed = _refill(spec, failed, obj.revision), True
        else:
            form, is_failed = spec.form_class(prefix=transition.action, initial={"revision": obj.revision}), False
        panels.append(ActionPanel(transition.action, transition, spec, form, failed=is_failed))
    panels.sort(key=lambda p: list(DESK_ACTIONS).index(p.action))
    offered = {p.action for p in panels}
    explanations = []
    roles = workflow.actor_roles(user, obj)
    for action in EXPLAINED_REFUSALS:
        transition = workflow.TRANSITIONS[action]
        if action not in offered and obj.status in transition.sources and roles & transition.roles:
            reason = workflow.refusal_reason(user, obj, action)
            if reason:
                explanations.append((transition.label, reason))
    # The action that failed is no longer possible (someone else acted first): show what was typed, read-only.
    lost = None
    if failed and failed.action not in offered and failed.form.typed():
        lost = (workflow.TRANSITIONS[failed.action].label, failed.form.typed_values())

    events = list(obj.events.select_related("actor"))
    for event in events:
        event.label = workflow.event_label(event.action)
    attachments = list(obj.attachments.select_related("uploaded_by"))
    may_open = can_open_files(user, obj)
    for attachment in attachments:
        attachment.url = _attachment_url(obj.pk, attachment.pk) if may_open else None
    deliberations = list(obj.deliberations.select_related("minutes", "recorded_by"))
    for deliberation in deliberations:
        deliberation.minutes_url = (
            _attachment_url(obj.pk, deliberation.minutes_id) if deliberation.minutes_id and may_open else None
        )
    field_values = []
    if obj.item_id:
        field_values = [
            (spec.get("label", spec["name"]), obj.field_values.get(spec["name"], "")) for spec in obj.item.fields
        ]

    full_id, full_phone = can_see_full_id_number(user, obj), can_see_full_phone(user, obj)
    audit_personal_data_shown(
        request,
        subject=obj.audit_subject,
        region=obj.community,
        id_number=full_id,
        phone=full_phone and bool(obj.applicant_phone),
    )
    return render(
        request,
        "certificates/staff/detail.html",
        {
            "obj": obj,
            "community": obj.community,
            "communities": communities_handled(user),
            "desk_user": works_in(user, obj.community),
            "id_number": obj.applicant_id_number if full_id else obj.masked_id_number,
            "phone": obj.applicant_phone if full_phone else mask_phone(obj.applicant_phone),
            "overdue": obj.is_overdue(today),
            "field_values": field_values,
            "attachments": attachments,
            "commitments": list(obj.commitments.select_related("text", "confirmed_by")),
            "post_checks": list(obj.post_checks.select_related("checked_by")),
            "post_check_form": PostCheckForm() if services.can_post_check(user, obj) else None,
            # What the user can do on this page outside the action column: the column points to it instead of
            # saying there is nothing to do.
            "elsewhere": [
                (label, anchor)
                for label, anchor, offered in (
                    (_("撤销证明"), f"#certificate-panel-{obj.pk}", workflow.can(user, obj, "revoke")),
                    (_("事后核查"), "#post-check", services.can_post_check(user, obj)),
                )
                if offered
            ],
            "deliberations": deliberations,
            "events": events,
            "register_entry": RegisterEntry.objects.filter(request=obj).select_related("cancellation").first(),
            "preview": freeze.preview_for(obj) if works_in(user, obj.community) else None,
            "awaiting_county": workflow.awaiting_county(obj),
            "panels": panels,
            "explanations": explanations,
            "lost": lost,
            "read_only": not panels and not works_in(user, obj.community),
            # a resident whose residence the community has not confirmed yet: verified with this application
            "binding_unconfirmed": bindings.binding_unconfirmed(obj.applicant, obj.community),
            # every message to the applicant and what became of it; failed ones can be sent again
            "deliveries": list(obj.deliveries.all()) if works_in(user, obj.community) else [],
            "can_send_again": handles_requests(user, obj.community),
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    if request.method != "POST":
        return _render_detail(request, pk)
    obj = _desk_request(request.user, pk, write=True)
    action = request.POST.get("action", "")
    spec = DESK_ACTIONS.get(action)
    if spec is None:
        messages.error(request, _("未知的操作，未执行任何更改。"))
        return redirect("desk:detail", pk=obj.pk)
    form = spec.form_class(request.POST, request.FILES, prefix=action)
    if not form.is_valid():
        return _render_detail(request, obj.pk, Failed(action, form))
    try:
        result = spec.perform(request, obj, form)
    except workflow.TextRefused as refused:  # shown next to the field that holds the words, with what was typed
        for field, errors in refused.errors.items():
            for message in errors:
                form.add_error(field if field in form.fields else None, message)
        return _render_detail(request, obj.pk, Failed(action, form))
    except WorkflowError as error:
        messages.error(request, error.message)
        if not form.typed():
            return redirect("desk:detail", pk=obj.pk)
        form.add_error(None, error.message)
        return _render_detail(request, obj.pk, Failed(action, form))
    except UploadRejected as rejected:
        form.add_error(spec.upload_field, rejected.message)
        return _render_detail(request, obj.pk, Failed(action, form))
    done = str(spec.done)
    if action == "record_deliberation":
        if result.status == Status.AWAITING_SIGNATURE:
            done += _("已获过半数同意，已提请主任签字。")
        else:
            messages.warning(request, workflow.refusal_reason(request.user, result, "send_for_signature") or "")
    if result.status == Status.SIGNED:
        entry = RegisterEntry.objects.filter(request=result).first()
        if entry:
            done += _("登记编号：%(number)s。") % {"number": entry.display_number}
    if result.status in notifications.SMS_TEMPLATES:
        done += _told_applicant(result)
    messages.success(request, done)
    return redirect("desk:detail", pk=obj.pk)


def _told_applicant(obj: CertificateRequest) -> str:
    """What staff are told about the notice to the applicant: the truth, not a promise."""
    if notifications.sms_recipient(obj) or (obj.applicant is not None and obj.applicant.email):
        return _("系统会通知申请人，发送结果见本页“通知申请人”。")
    return _("申请人没有登记可接收通知的手机号码或邮箱，请电话或当面告知。")


# --- Counter entry (一窗受理) and the exceptional path --------------------------------------------------------------


@login_required
def counter_new(request: HttpRequest, community_code: str) -> HttpResponse:
    community, communities = _handled_community(request.user, community_code)
    search = request.GET.get("q", "").strip()[:50]
    items = effective_issuable_items(community, search=search).order_by("code")
    return render(
        request,
        "certificates/staff/counter_items.html",
        {"community": community, "communities": communities, "items": items, "search": search},
    )


def _commitment_text():
    try:
        return services.current_commitment_text()
    except WorkflowError:
        return None


@login_required
def counter_entry(request: HttpRequest, community_code: str, item_code: str) -> HttpResponse:
    community, communities = _handled_community(request.user, community_code)
    item = effective_issuable_items(community).filter(code=item_code).first()
    if item is None:
        raise Http404
    posted = request.method == "POST"
    form = CounterRequestForm(
        request.POST if posted else None, request.FILES if posted else None, item=item, community=community
    )
    existing = None
    if posted and form.is_valid():
        try:
            created = services.request_create(
                community=community,
                item=item,
                actor=request.user,
                data=form.request_input(),
                applicant=form.cleaned_data["account"],
                channel=Channel.COUNTER,
            )
        except services.DuplicateRequest as duplicate:
            existing = duplicate.existing
        except services.RequestInvalid as invalid:
            form.add_service_errors(invalid.errors)
        except WorkflowError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _created_message(created))
            return redirect("desk:detail", pk=created.pk)
    return render(
        request,
        "certificates/staff/counter_entry.html",
        {
            "community": community,
            "communities": communities,
            "item": item,
            "form": form,
            "duplicate": existing,
            "commitment_text": _commitment_text() if "commitments" in form.fields else None,
        },
    )


def _created_message(created: CertificateRequest) -> str:
    message = _("已受理，办结期限 %(due)s。") % {"due": created.due_date or "—"}
    if created.applicant_id:
        message += _("已关联居民账号，申请人可在网上查看进度。")
    return message


@login_required
def exceptional_new(request: HttpRequest, community_code: str) -> HttpResponse:
    community, communities = _handled_community(request.user, community_code)
    posted = request.method == "POST"
    form = ExceptionalRequestForm(request.POST if posted else None, community=community)
    if posted and form.is_valid():
        data = form.cleaned_data
        try:
            created = services.request_create_exceptional(
                community=community,
                actor=request.user,
                matter_name=data["matter_name"],
                can_verify=data["can_verify"],
                risk_assessment=data["risk_assessment"],
                precautions=data["precautions"],
                data=form.applicant_input(),
                applicant=data["account"],
            )
        except services.RequestInvalid as invalid:
            form.add_service_errors(invalid.errors)
        except WorkflowError as error:
            form.add_error(None, error.message)
        else:
            if workflow.county_approval_needed(created):
                done = _("该事项须经区县民政部门批准后主任才能签字，已报区县。")
            else:
                done = _("该事项已报区县民政部门复核。")
            messages.success(request, _created_message(created) + done)
            return redirect("desk:detail", pk=created.pk)
    return render(
        request,
        "certificates/staff/exceptional_form.html",
        {"community": community, "communities": communities, "form": form},
    )


# --- County oversight (督导) ----------------------------------------------------------------------------------------

STAT_STATUSES = workflow.STATISTICS_STATES


def _sets_four_eyes(user: User, community: Region) -> bool:
    return services.is_county_officer_of(user, community)


def _officer_scope(user: User) -> list[Region]:
    regions = oversight_regions(user)
    if not regions:
        raise Forbidden(_("督导页面仅供区县和省级民政干部使用。"))
    return regions


def _code_scope(regions: list[Region], lookup: str = "code") -> Q:
    scope = Q(pk__in=[])
    for region in regions:
        scope |= Q(**{f"{lookup}__startswith": region.prefix})
    return scope


@login_required
@cached_page("county", "page")
def county(request: HttpRequest) -> HttpResponse:
    user = request.user
    regions = _officer_scope(user)
    today = timezone.localdate()
    counties = list(
        Region.objects.filter(level=Level.COUNTY).filter(_code_scope(regions)).select_related("parent").order_by("code")
    )
    chosen = next((c for c in counties if c.code == request.GET.get("county")), None)
    scope = [chosen] if chosen else regions

    communities = (
        Region.objects.filter(level=Level.COMMUNITY)
        .filter(_code_scope(scope))
        .select_related("parent__parent")
        .order_by("code")
    )
    page = Paginator(communities, 50).get_page(request.GET.get("page"))
    ids = [c.pk for c in page.object_list]
    in_scope = selectors.community_scope(scope)  # by community ids: the index finds a county's requests
    # The page's communities live; the area's totals, refusals and bodies counted at most a minute ago.
    stats = {
        row["community_id"]: row
        for row in CertificateRequest.objects.filter(community__any_of=ids)
        .values("community_id")
        .annotate(**desk_figures.stat_annotations(today))
    }
    area = desk_figures.area_figures(scope, in_scope, today)
    waivers: dict[int, FourEyesWaiver] = {}
    for waiver in FourEyesWaiver.objects.filter(community_id__in=ids).order_by("community_id", "-set_at", "-id"):
        waivers.setdefault(waiver.community_id, waiver)
    rows = [
        {
            "community": c,
            "counts": [stats.get(c.pk, {}).get(f"n_{s}", 0) for s in STAT_STATUSES],
            "overdue": stats.get(c.pk, {}).get("n_overdue", 0),
            "exceptional": stats.get(c.pk, {}).get("n_exceptional", 0),
            "waiver": waivers.get(c.pk),
        }
        for c in page.object_list
    ]
    for row in rows:
        # The count cells of a row as one piece: a template loop paid a number localization per cell (550 per page).
        # Counts are integers, which Django prints without grouping (USE_THOUSAND_SEPARATOR is off).
        row["count_cells"] = format_html_join("", "<td>{}</td>", ((n,) for n in row["counts"]))
    review = (
        visible_requests(user)
        .filter(
            in_scope,
            exceptional=True,
            county_review_required=True,
            county_reviewed_at__isnull=True,
        )
        .exclude(status=Status.DRAFT)
        .select_related("community")
        .order_by("-created_at")[:100]
    )
    reviewable = {r.pk for r in review if services.is_county_officer_of(user, r.community)}
    return render(
        request,
        "certificates/staff/county.html",
        {
            "regions": regions,
            "counties": counties,
            "chosen": chosen,
            "status_labels": [Status(s).label for s in STAT_STATUSES],
            "rows": rows,
            "page": page,
            "totals": {"counts": area.counts, "overdue": area.overdue, "exceptional": area.exceptional},
            "figures_computed_at": area.computed_at,
            "figures_seconds": desk_figures.DESK_FIGURES_SECONDS,
            "review": review,
            "reviewable": reviewable,
            "refusals": area.refusals,
            "bodies": area.bodies,
            "county_links": [c for c in counties if chosen is None or c == chosen],
            "today": today,
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def four_eyes(request: HttpRequest, community_code: str) -> HttpResponse:
    """The four-eyes waiver of one community: its history for those who supervise it, the switch for the county
    officer of its county. Each setting is a new row, so who decided what and when is kept."""
    user = request.user
    community = Region.objects.filter(level=Level.COMMUNITY, code=community_code).select_related("parent").first()
    if community is None or not supervises(user, community):
        raise Http404
    may_set = _sets_four_eyes(user, community)
    form = FourEyesForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if not may_set:
            raise Forbidden(_("只有本区县民政干部可以设置四眼原则豁免。"))
        if form.is_valid():
            waiver = services.four_eyes_waiver_set(
                community=community,
                actor=user,
                allowed=form.cleaned_data["allowed"],
                reason=form.cleaned_data["reason"],
            )
            messages.success(
                request,
                _("已设置：%(community)s 主任%(allowed)s签批本人核实的事项。")
                % {"community": community.name, "allowed": _("可以") if waiver.allowed else _("不能")},
            )
            return redirect("desk:four_eyes", community_code=community.code)
    history = list(FourEyesWaiver.objects.filter(community=community).select_related("set_by"))
    return render(
        request,
        "certificates/staff/four_eyes.html",
        {
            "community": community,
            "form": form if may_set else None,
            "history": history,
            "current": history[0] if history else None,
        },
    )


@login_required
@require_POST
def county_review(request: HttpRequest, pk: int) -> HttpResponse:
    """The county officer records the review of an exceptional (清单外) matter."""
    obj = get_request_for_user(request.user, pk)
    form = CountyReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择复核结论并写明复核意见。"))
        return redirect("desk:county")
    try:
        services.county_review_complete(request_id=obj.pk, actor=request.user, **form.cleaned_data)
    except WorkflowError as error:
        if error.forbidden:
            raise Forbidden(error.message) from None
        messages.error(request, error.message)
    else:
        messages.success(request, _("已记录复核意见。"))
    return redirect("desk:county")


@login_required
@require_POST
def post_check(request: HttpRequest, pk: int) -> HttpResponse:
    """Record the result of a post-check (事后核查) of a request's commitments."""
    obj = get_request_for_user(request.user, pk)  # who may post-check is the service's rule (street officers too)
    form = PostCheckForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择核查结果和核查方式，并写明核查情况。"))
        return redirect("desk:detail", obj.pk)
    try:
        check = services.post_check_record(request_id=obj.pk, actor=request.user, **form.cleaned_data)
    except WorkflowError as error:
        if error.forbidden:
            raise Forbidden(error.message) from None
        messages.error(request, error.message)
    else:
        if check.result == PostCheckResult.FALSE:
            messages.warning(
                request,
                in_words_of(obj.community, _("已记录：承诺不实。请社区主任决定是否撤销证明，并按规定报送信用记录。")),
            )
        else:
            messages.success(request, _("已记录事后核查结果。"))
    return redirect("desk:detail", obj.pk)


@login_required
@require_POST
def send_again(request: HttpRequest, pk: int, delivery_id: int) -> HttpResponse:
    """Staff send a notification again after every automatic retry failed (certificates/notifications.py)."""
    obj = get_request_for_user(request.user, pk, write=True)
    if not handles_requests(request.user, obj.community):
        raise Forbidden(in_words_of(obj.community, _("只有本社区工作人员可以重新发送通知。")))
    delivery = get_object_or_404(NotificationDelivery, pk=delivery_id, request=obj)
    result = notifications.send_again(delivery=delivery)
    if result.status == DeliveryStatus.SENT:
        messages.success(request, _("通知已重新发送。"))
    else:
        messages.error(request, _("通知仍未发送成功：%(error)s") % {"error": result.last_error})
    return redirect("desk:detail", obj.pk)
