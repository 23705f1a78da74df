"""Issuing (用印出具): the seal keeper's queue, the issue action, downloads of the stored certificate (reprints are
logged) and the director's revocation (撤销).

Who: the keeper sees the signed requests of the communities where they keep a seal and issues them with one of the
seals they keep; workflow.issue decides (the keeper who signed never seals, 审批人与保管人不得为同一人) and the queue
shows workflow.refusal_reason instead of the button. The applicant and the community's staff, director and keeper
download the stored PDF bytes (never re-rendered); the first download hands the certificate out and is logged as
such, a later one by anyone but the applicant is a logged reprint (certificates.issuance.log_download). The
director revokes through certificates.issuance.certificate_revoke. Every request is reached through
certificates.permissions.get_request_for_user (404 for those who may not see it).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from certificates import freeze, workflow
from certificates.issuance import (
    IssuanceRefused,
    certificate_receipt_record,
    certificate_revoke,
    log_download,
    validity_of,
)
from certificates.models import (
    CertificateRequest,
    IssuedCertificate,
    PermanentRecordError,
    RevocationCategory,
    Status,
)
from certificates.permissions import get_request_for_user, works_in
from certificates.verification import revoked_copy
from certificates.workflow import WorkflowError
from portal.access import AnyUser, regions_with_role
from portal.audit import audit_record
from portal.errors import Forbidden, NotFound
from portal.models import AuditAction, Region, User
from portal.roles import Role
from portal.terms import in_words_of
from seals.models import Seal, SealStatus
from seals.services import separation_problem

RECENT_ISSUED = 10


class IssueForm(forms.Form):
    # Any seal id is accepted here: workflow.issue checks the seal (community, keeper, status) and says why it refuses.
    seal = forms.IntegerField(label=gettext_lazy("使用印章"), min_value=1, widget=forms.Select)
    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    paper = forms.BooleanField(label=gettext_lazy("纸质出具（打印盖章，附存根）"), required=False)
    # The range is the service's rule (issuance.paper_problem); the form only reads a number.
    copies = forms.IntegerField(label=gettext_lazy("份数"), required=False, initial=1)

    def __init__(self, *args, seals: list[Seal] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["seal"].widget.choices = [(s.pk, s.name) for s in seals]


class KeeperFilterForm(forms.Form):
    """The keeper's queue narrowed to one item and a span of signing dates."""

    item = forms.ChoiceField(label=gettext_lazy("证明事项"), required=False)
    signed_from = forms.DateField(
        label=gettext_lazy("签字日期从"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    signed_to = forms.DateField(
        label=gettext_lazy("签字日期到"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, items: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].choices = [("", gettext_lazy("全部事项")), *items]
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-select" if isinstance(field.widget, forms.Select) else "form-control"

    def clean(self):
        data = super().clean()
        start, end = data.get("signed_from"), data.get("signed_to")
        if start and end and start > end:
            raise forms.ValidationError(_("开始日期不能晚于结束日期。"))
        return data


class RevokeForm(forms.Form):
    category = forms.ChoiceField(
        label=gettext_lazy("撤销原因类别"),
        choices=RevocationCategory.choices,
        help_text=gettext_lazy("核验页面只显示原因类别和撤销日期，不显示撤销理由。"),
        error_messages={"required": gettext_lazy("请选择撤销原因类别。")},
    )
    reason = forms.CharField(
        label=gettext_lazy("撤销理由"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("如“事后核查发现承诺不实”。撤销后核验页面显示“已撤销”，申请人会看到理由。"),
        error_messages={"required": gettext_lazy("请写明撤销理由。")},
    )


# --- predicates shared with the templates ----------------------------------------------------------------------


def may_download(user: AnyUser, request: CertificateRequest) -> bool:
    return request.applicant_id == user.pk or works_in(user, request.community)


def may_revoke(user: AnyUser, certificate: IssuedCertificate) -> bool:
    """The check certificate_revoke makes: the workflow's own predicate for "revoke"."""
    return user.is_authenticated and workflow.can(user, certificate.entry.request, "revoke")


def _certificate_of(request: CertificateRequest) -> IssuedCertificate:
    certificate = (
        IssuedCertificate.objects.select_related("entry", "entry__community", "entry__request")
        .filter(entry__request=request)
        .first()
    )
    if certificate is None:
        raise Http404
    return certificate


# --- The keeper's queue -----------------------------------------------------------------------------------------


@dataclass
class QueueRow:
    req: CertificateRequest
    form: IssueForm | None
    seals: list[Seal]
    reason: str | None
    preview: freeze.Preview | None = None


def _waiting(communities: list[Region]):
    """Signed matters waiting for the seal, oldest signature first."""
    return (
        CertificateRequest.objects.filter(community__in=communities, status=Status.SIGNED)
        .select_related("community", "item", "signed_by", "register_entry")
        .order_by("signed_at", "pk")
    )


def _queue_rows(user: User, requests) -> list[QueueRow]:
    communities = regions_with_role(user, Role.KEEPER)
    kept: dict[int, list[Seal]] = defaultdict(list)
    seals = Seal.objects.filter(community__in=communities, keeper=user, status=SealStatus.IN_USE)
    for seal in seals.order_by("kind", "name"):  # 证明专用章 first: the seal meant for certificates
        kept[seal.community_id].append(seal)
    rows = []
    for req in requests:
        reason = workflow.refusal_reason(user, req, "issue")
        usable: list[Seal] = []
        if reason is None:
            problems = []
            for seal in kept[req.community_id]:
                problem = separation_problem(seal=seal, applied_by=user, approved_by=req.signed_by)
                if problem:
                    problems.append(problem)
                else:
                    usable.append(seal)
            if not usable:
                reason = (
                    problems[0]
                    if problems
                    else in_words_of(
                        req.community, _("您没有保管本社区在用的印章，不能用印。请社区主任先登记印章并指定您为保管人。")
                    )
                )
        form = None
        if reason is None:
            form = IssueForm(seals=usable, initial={"revision": req.revision, "seal": usable[0].pk})
        preview = freeze.preview_for(req)  # the text fixed at signing: what the seal will go on
        if preview and preview.problem and form is not None:
            reason, form = preview.problem, None
        rows.append(QueueRow(req, form, usable, reason, preview))
    return rows


KEEPER_PAGE_SIZE = 20


@login_required
@require_GET
def keeper_queue(request: HttpRequest) -> HttpResponse:
    user = request.user
    communities = regions_with_role(user, Role.KEEPER)
    if not communities:
        raise Forbidden(_("用印出具仅供印章保管人使用。"))
    recent = list(
        IssuedCertificate.objects.filter(issued_by=user)
        .select_related("entry", "entry__request", "entry__community", "revocation")
        .annotate(downloads=Count("reprints"))
        .order_by("-issued_at")[:RECENT_ISSUED]
    )
    for certificate in recent:
        certificate.validity = validity_of(certificate)
    waiting = _waiting(communities)
    items = sorted({(code, name) for code, name in waiting.exclude(item=None).values_list("item__code", "item__name")})
    filters = KeeperFilterForm(request.GET or None, items=items)
    filtered = False
    if filters.is_valid():
        data = filters.cleaned_data
        if data["item"]:
            waiting = waiting.filter(item__code=data["item"])
        if data["signed_from"]:
            waiting = waiting.filter(signed_at__date__gte=data["signed_from"])
        if data["signed_to"]:
            waiting = waiting.filter(signed_at__date__lte=data["signed_to"])
        filtered = any(data.values())
    # A page at a time: each row carries its preview and seal choice (628 waiting matters made a 905 KB page).
    page = Paginator(waiting, KEEPER_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "certificates/issuance/keeper_queue.html",
        {
            "rows": _queue_rows(user, page.object_list),
            "page": page,
            "filters": filters,
            "filtered": filtered,
            "page_query": query.urlencode(),
            "communities": sorted(communities, key=lambda c: c.code),
            "community": min(communities, key=lambda c: c.code),  # whose wording the page speaks (本社区 / 本村)
            "recent": recent,
        },
    )


@login_required
@require_POST
def issue(request: HttpRequest, pk: int) -> HttpResponse:
    req = get_request_for_user(request.user, pk)
    back = reverse("issuance:keeper_queue") + f"#request-{req.pk}"
    form = IssueForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择要使用的印章后再出具。本次操作未执行。"))
        return redirect(back)
    try:
        result = workflow.issue(
            request_id=req.pk,
            actor=request.user,
            seal_id=form.cleaned_data["seal"],
            expected_revision=form.cleaned_data["revision"],
            paper=form.cleaned_data["paper"],
            copies=form.cleaned_data["copies"] or 1,
        )
    except WorkflowError as error:
        if error.forbidden:
            raise Forbidden(error.message) from None
        messages.error(request, error.message)
        return redirect(back)
    certificate = _certificate_of(result)
    messages.success(
        request,
        _("已用印出具：%(number)s %(matter)s。申请人可在网上下载证明。")
        % {"number": certificate.entry.display_number, "matter": result.matter_name},
    )
    return redirect("issuance:keeper_queue")


# --- Downloading the stored certificate -------------------------------------------------------------------------


@login_required
@require_GET
def download(request: HttpRequest, pk: int) -> HttpResponse:
    req = get_request_for_user(request.user, pk)
    certificate = _certificate_of(req)
    if not may_download(request.user, req):
        raise Forbidden(in_words_of(req.community, _("证明文件只能由申请人或本社区工作人员下载。")))
    revoked = hasattr(certificate, "revocation")
    try:
        # The stored bytes, checked against the hash recorded at issuance; a revoked certificate's copy is stamped
        # 已撤销 on every page (the stored original is never changed).
        data = revoked_copy(certificate) if revoked else certificate.read_pdf()
    except PermanentRecordError as error:
        return _download_failed(request, req, str(error))
    except OSError:
        return _download_failed(request, req, _("证明文件暂时无法读取，请稍后再试或联系社区。"))
    log_download(certificate=certificate, actor=request.user)
    audit_record(
        request,
        action=AuditAction.DOWNLOAD,
        subject=f"{req.audit_subject}：{certificate.entry.display_number}",
        region=req.community,
    )
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True,
        filename=f"{certificate.entry.display_number}{_('（已撤销）') if revoked else ''}.pdf",
    )
    response["Cache-Control"] = "private, no-store"  # personal data: keep it out of shared caches
    return response


def _download_failed(request: HttpRequest, req: CertificateRequest, message: str) -> HttpResponse:
    return render(
        request,
        "certificates/issuance/download_failed.html",
        {"req": req, "message": message},
        status=409,
    )


# --- Revocation -------------------------------------------------------------------------------------------------


def _next_url(request: HttpRequest, req: CertificateRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse("desk:detail", args=[req.pk])


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def revoke(request: HttpRequest, pk: int) -> HttpResponse:
    req = get_request_for_user(request.user, pk)
    certificate = _certificate_of(req)
    # Who may revoke, and when, is the workflow's rule (the same predicate shows the button on the request pages);
    # it is checked again under the row lock when the form is sent.
    refused = workflow.refusal_reason(request.user, req, "revoke")
    if refused:
        raise Forbidden(refused)
    next_url = _next_url(request, req)
    form = RevokeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            certificate_revoke(
                certificate=certificate,
                actor=request.user,
                reason=form.cleaned_data["reason"],
                category=form.cleaned_data["category"],
            )
        except IssuanceRefused as refused:
            form.add_error(None, refused.message)
        else:
            messages.success(
                request,
                _("证明 %(number)s 已撤销，核验页面将显示“已撤销”。") % {"number": certificate.entry.display_number},
            )
            return redirect(next_url)
    return render(
        request,
        "certificates/issuance/revoke.html",
        {
            "req": req,
            "certificate": certificate,
            "form": form,
            "next_url": next_url,
        },
        status=400 if request.method == "POST" else 200,
    )


# --- Paper issuance: the stub for the community's file, and the receipt --------------------------------------------


class ReceiptForm(forms.Form):
    taken_by = forms.CharField(label=gettext_lazy("领取人"), max_length=50)
    on_behalf = forms.BooleanField(label=gettext_lazy("代领"), required=False)
    copies = forms.IntegerField(label=gettext_lazy("领取份数"), initial=1)


@login_required
@require_GET
def stub(request: HttpRequest, pk: int) -> HttpResponse:
    """The stub (存根) of a paper certificate: for the community's file, so only its workers download it."""
    req = get_request_for_user(request.user, pk)
    certificate = _certificate_of(req)
    if not works_in(request.user, req.community):
        raise Forbidden(in_words_of(req.community, _("存根由本社区留存，只有本社区工作人员可以下载。")))
    if not certificate.stub_pdf:
        raise NotFound(_("该证明是网上出具的，没有存根。"))
    with certificate.stub_pdf.open("rb") as handle:
        data = handle.read()
    if hashlib.sha256(data).hexdigest() != certificate.stub_sha256:
        return _download_failed(request, req, _("存根文件与出具时的校验值不一致，文件可能被篡改。"))
    audit_record(
        request,
        action=AuditAction.DOWNLOAD,
        subject=f"{req.audit_subject}：{certificate.entry.display_number} {_('存根')}",
        region=req.community,
    )
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"{certificate.entry.display_number}-{_('存根')}.pdf"
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def receipt(request: HttpRequest, pk: int) -> HttpResponse:
    """Community staff record that the paper certificate was handed over: who took it, how many copies, when."""
    req = get_request_for_user(request.user, pk)
    certificate = _certificate_of(req)
    back = _next_url(request, req)
    form = ReceiptForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写领取人姓名和领取份数。本次未登记。"))
        return redirect(back)
    try:
        certificate_receipt_record(
            certificate=certificate,
            actor=request.user,
            taken_by=form.cleaned_data["taken_by"],
            on_behalf=form.cleaned_data["on_behalf"],
            copies=form.cleaned_data["copies"],
        )
    except IssuanceRefused as refused:
        if not works_in(request.user, req.community):
            raise Forbidden(refused.message) from None
        messages.error(request, refused.message)
    else:
        messages.success(request, _("已登记领取。"))
    return redirect(back)
