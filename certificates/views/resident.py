"""Residents' pages: apply for a certificate, follow one's requests, answer a supplement request, download one's
files, withdraw; and the numbered refusal notice (不予出具告知单) for items a community must not issue.

Views stay thin: every request is reached through certificates.permissions.get_request_for_user (404 when not the
user's to see), every change of state goes through certificates.workflow, every write through
certificates.services, and buttons are shown from workflow.can, the same predicate the workflow enforces.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from catalog import selectors
from catalog.models import NonIssuableItem
from certificates import services, workflow
from certificates.documents import RefusalNoticeDocument
from certificates.forms.resident import FILE_RULES, ApplyForm, RefusalNoticeForm, SupplementForm
from certificates.models import Attachment, CertificateRequest, CommitmentText, RefusalNotice
from certificates.permissions import (
    can_open_files,
    can_see_full_id_number,
    can_see_full_phone,
    get_request_for_user,
)
from certificates.services import RequestInvalid
from certificates.uploads import UploadRejected, display_name
from certificates.workflow import WorkflowError
from portal.access import has_role, regions_with_role
from portal.audit import audit_personal_data_shown, audit_record
from portal.errors import Forbidden, NotFound
from portal.idcard import mask_phone
from portal.models import AuditAction, Region
from portal.pagecache import cached_page
from portal.pdf import render_pdf
from portal.ratelimit import over_limit
from portal.roles import Role
from portal.terms import in_words_of

REQUESTS_PER_PAGE = 20
RECENT_NOTICES_KEPT = 20


def _community_or_404(code: str) -> Region:
    community = selectors.public_community(code)
    if community is None:
        raise NotFound(_("没有找到这个社区（村）。"))
    return community


def _commitment_text_or_none() -> CommitmentText | None:
    try:
        return services.current_commitment_text()
    except WorkflowError:
        return None  # no text configured yet: materials cannot be replaced by a commitment, the form says so


# --- applying ----------------------------------------------------------------------------------------------------


def _form_key(community: Region, item) -> str:
    return f"{community.code}/{item.code}"


@never_cache  # Back after submitting fetches the page again: it then names the request just made
@login_required
def apply(request: HttpRequest, community_code: str, item_code: str) -> HttpResponse:
    community = _community_or_404(community_code)
    item = get_object_or_404(selectors.effective_issuable_items(community), code=item_code)
    if not has_role(request.user, Role.RESIDENT, community):
        context = {
            "community": community,
            "item": item,
            "home_communities": regions_with_role(request.user, Role.RESIDENT),
        }
        return render(request, "certificates/resident/not_resident.html", context, status=403)

    commitment_text = _commitment_text_or_none()
    options = {"item": item, "user": request.user, "commitment_text": commitment_text, "community": community}
    # Files chosen before a correction are kept server-side for this session and this form only.
    if not request.session.session_key:
        request.session.save()
    pending = {"session_key": request.session.session_key, "user": request.user, "form_key": _form_key(community, item)}
    previous_files: dict[int, list[str]] = {}
    duplicate = None
    if request.method == "POST":
        dropped = [int(v) for v in request.POST.getlist("drop_pending") if v.isdigit()]
        if dropped:
            services.pending_uploads_discard(**pending, ids=dropped)
        kept = services.pending_as_uploads(services.pending_uploads(**pending))
        form = ApplyForm(request.POST, request.FILES, kept_uploads=kept, **options)
        created = None
        try:
            if form.is_valid():
                created = services.request_create(
                    community=community,
                    item=item,
                    actor=request.user,
                    applicant=request.user,
                    data=form.request_input(),
                )
            else:  # the form's own errors (a text too long) and the service's, all in one answer
                form.add_service_errors(
                    services.request_errors(
                        community=community,
                        item=item,
                        actor=request.user,
                        applicant=request.user,
                        data=form.request_input(),
                    )
                )
        except services.DuplicateRequest as found:
            duplicate = found.existing
        except RequestInvalid as invalid:
            form.add_service_errors(invalid.errors)
        except WorkflowError as error:
            form.add_error(None, error.message)
        else:
            if created is not None:
                services.pending_uploads_discard(**pending)
                messages.success(
                    request,
                    _("申请已提交，社区将在出具时限内办理。办理进度会显示在本页，请留意。"),
                )
                return redirect("requests:detail", created.pk)
        previous_files = services.pending_uploads_keep(
            **pending,
            uploads={index: request.FILES.getlist(f"material_{index}") for index in range(len(item.materials))},
        )
    else:
        form = ApplyForm(**options)

    # Back after submitting, or a second visit: say what is already in progress for this item before anything is typed
    in_progress = (
        CertificateRequest.objects.filter(
            applicant=request.user, community=community, item=item, status__in=workflow.OPEN_STATES
        ).order_by("-created_at", "-pk")
        if duplicate is None
        else []
    )
    form.mark_errors()
    rows = form.material_rows(previous_files, services.pending_uploads(**pending))
    context = {
        "community": community,
        "item": item,
        "form": form,
        "material_rows": rows,
        "files_to_choose_again": [row for row in rows if row.previous_files],
        "has_kept_files": any(row.kept for row in rows),
        "duplicate": duplicate,
        "in_progress": list(in_progress),
        "commitment_text": commitment_text,
        "has_commitment_material": any(m.get("requirement") == "commitment" for m in item.materials),
        "error_count": sum(len(errors) for errors in form.errors.values()),
        "file_rules": FILE_RULES,
    }
    return render(request, "certificates/resident/apply.html", context)


# --- following one's requests ------------------------------------------------------------------------------------


@login_required
@cached_page("page")
def my_requests(request: HttpRequest) -> HttpResponse:
    requests = (
        CertificateRequest.objects.filter(applicant=request.user)
        .select_related("item", "community", "register_entry")
        .order_by("-created_at", "-pk")
    )
    page = Paginator(requests, REQUESTS_PER_PAGE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    for req in page:
        req.overdue = req.is_overdue(today)
        # Loaded by select_related; a template asking req.register_entry of a request without one pays for an
        # exception and a dir() of the request on each lookup.
        req.entry = getattr(req, "register_entry", None)
    context = {"page": page, "home_communities": regions_with_role(request.user, Role.RESIDENT)}
    return render(request, "certificates/resident/my_requests.html", context)


@dataclass(frozen=True)
class FieldValue:
    label: str
    value: str


def _field_values(req: CertificateRequest) -> list[FieldValue]:
    """The values the resident filled in, labelled by the item's field specs; keys the item no longer has keep
    their code as label (the item may have changed since)."""
    values = dict(req.field_values or {})
    rows = []
    for spec in req.item.fields if req.item_id else []:
        if spec["name"] in values:
            rows.append(FieldValue(spec.get("label") or spec["name"], values.pop(spec["name"])))
    rows.extend(FieldValue(name, value) for name, value in values.items())
    return rows


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    req = get_request_for_user(request.user, pk)
    user = request.user
    events = list(req.events.select_related("actor"))
    for event in events:
        event.label = workflow.event_label(event.action)
        event.public_note = event.note if event.action in workflow.PUBLIC_NOTE_ACTIONS else ""
    show_full_id, show_full_phone = can_see_full_id_number(user, req), can_see_full_phone(user, req)
    if req.applicant_id != user.pk:  # the applicant seeing their own numbers is not an access to audit
        audit_personal_data_shown(
            request,
            subject=req.audit_subject,
            region=req.community,
            id_number=show_full_id,
            phone=show_full_phone and bool(req.applicant_phone),
        )
    context = {
        "req": req,
        "events": events,
        "field_values": _field_values(req),
        "attachments": list(req.attachments.all()),
        "commitments": list(req.commitments.select_related("text")),
        "entry": getattr(req, "register_entry", None),
        "show_full_id": show_full_id,
        "phone": req.applicant_phone if show_full_phone else mask_phone(req.applicant_phone),
        "overdue": req.is_overdue(timezone.localdate()),
        "can_withdraw": workflow.can(user, req, "withdraw"),
        "can_supplement": workflow.can(user, req, "supplement"),
        "is_applicant": req.applicant_id == user.pk,
    }
    return render(request, "certificates/resident/detail.html", context)


def _posted_revision(request: HttpRequest) -> int | None:
    try:
        return int(request.POST.get("revision", ""))
    except ValueError:
        return None


@login_required
@require_POST
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    req = get_request_for_user(request.user, pk, write=True)
    revision = _posted_revision(request)
    if revision is None:
        messages.error(request, _("页面已过期，请刷新后查看最新状态。本次操作未执行。"))
        return redirect("requests:detail", req.pk)
    try:
        workflow.withdraw(request_id=req.pk, actor=request.user, expected_revision=revision)
    except WorkflowError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("申请已撤回。如仍需要此证明，可以重新申请。"))
    return redirect("requests:detail", req.pk)


@login_required
@require_http_methods(["GET", "POST"])
def supplement(request: HttpRequest, pk: int) -> HttpResponse:
    req = get_request_for_user(request.user, pk, write=True)
    reason = workflow.refusal_reason(request.user, req, "supplement")
    if reason:
        messages.warning(request, reason)
        return redirect("requests:detail", req.pk)
    material_names = [m["name"] for m in req.item.materials] if req.item_id else []
    if request.method == "POST":
        form = SupplementForm(request.POST, request.FILES, material_names=material_names)
        if form.is_valid():
            uploads = form.uploads()
            try:
                services.supplement_submit(
                    request_id=req.pk,
                    actor=request.user,
                    note=form.cleaned_data["note"],
                    uploads=uploads,
                    expected_revision=form.cleaned_data["revision"],
                )
            except workflow.TextRefused as refused:  # next to the note, with what was typed
                for field, errors in refused.errors.items():
                    for message in errors:
                        form.add_error(field if field in form.fields else None, message)
            except WorkflowError as error:
                messages.error(request, error.message)
                return redirect("requests:detail", req.pk)
            except UploadRejected as rejected:
                form.add_error(None, rejected.message)
            else:
                messages.success(request, _("补正材料已提交，社区将继续办理。"))
                return redirect("requests:detail", req.pk)
        chosen = [display_name(f.name) for files in request.FILES.lists() for f in files[1]]
    else:
        form = SupplementForm(initial={"revision": req.revision}, material_names=material_names)
        chosen = []
    form.mark_errors()
    context = {"req": req, "form": form, "chosen_before": chosen, "file_rules": FILE_RULES}
    return render(request, "certificates/resident/supplement.html", context)


# --- files -------------------------------------------------------------------------------------------------------


def _content_disposition(name: str) -> str:
    """attachment; an ASCII fallback for old clients and the real name as RFC 5987 filename*."""
    fallback = "".join(ch for ch in name if ch.isascii() and ch.isprintable() and ch not in '"\\;') or "file"
    if "." not in fallback and "." in name:
        fallback += "." + name.rsplit(".", 1)[1].encode("ascii", "ignore").decode()
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


@login_required
@require_safe
def attachment(request: HttpRequest, pk: int, attachment_id: int) -> HttpResponse:
    req = get_request_for_user(request.user, pk)
    if not can_open_files(request.user, req):
        raise Forbidden(in_words_of(req.community, _("申请材料只有申请人和本社区经办人员可以查看。")))
    record = get_object_or_404(Attachment, pk=attachment_id, request=req)
    try:
        handle = record.file.open("rb")
    except OSError:
        raise NotFound(_("文件不存在。")) from None
    audit_record(
        request,
        action=AuditAction.DOWNLOAD,
        subject=f"{req.audit_subject}：{record.material}",
        region=req.community,
    )
    response = FileResponse(handle, content_type=record.content_type)
    response["Content-Disposition"] = _content_disposition(record.original_name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# --- refusal notices (不予出具告知单) --------------------------------------------------------------------------------


def _notice_or_404(token) -> RefusalNoticeDocument:
    notice = get_object_or_404(RefusalNotice.objects.select_related("community", "item"), token=token)
    return RefusalNoticeDocument.numbered(notice)


def _recent_notice_key(community: Region, item: NonIssuableItem, requesting_body: str) -> str:
    return f"{community.code}|{item.code}|{requesting_body}"


REFUSAL_NOTICES_PER_HOUR = 20
# Rendering costs up to a second and all renders share one lock: public PDFs are throttled per client.
PUBLIC_PDFS_PER_MINUTE = 10


@require_http_methods(["GET", "POST"])
def refusal_notice_create(request: HttpRequest, community_code: str, item_code: str) -> HttpResponse:
    community = _community_or_404(community_code)
    item = get_object_or_404(selectors.effective_non_issuable_items(community), code=item_code)
    form = RefusalNoticeForm(request.POST if request.method == "POST" else None)
    issuer = services.refusal_notice_issuer(request.user, community)
    if issuer is None:
        # Anyone may print the unnumbered guide; a numbered notice is for a signed-in resident or the counter.
        context = {"community": community, "item": item, "form": None}
        status = 403 if request.method == "POST" else 200
        return render(request, "certificates/resident/refusal_notice_create.html", context, status=status)
    if form.is_bound and over_limit(request, "refusal-notice", limit=REFUSAL_NOTICES_PER_HOUR, window_seconds=3600):
        # Numbers are counted for oversight: nobody may use them up by scripting this public form.
        form.add_error(None, _("您在一小时内生成的告知单过多，请稍后再试。"))
        context = {"community": community, "item": item, "form": form}
        return render(request, "certificates/resident/refusal_notice_create.html", context, status=429)
    signing_unavailable = False
    if form.is_bound and form.is_valid():
        body = form.cleaned_data["requesting_body"].strip()
        # A double tap or a reload of the same request on the same day shows the same notice instead of using up
        # another number: the numbers are counted for oversight.
        recent = request.session.get("refusal_notices", {})
        key = _recent_notice_key(community, item, body)
        today = timezone.localdate().isoformat()
        token, day = recent.get(key, (None, None))
        if token and day == today and RefusalNotice.objects.filter(token=token).exists():
            return redirect("requests:refusal_notice", token)
        try:
            notice = services.refusal_notice_create(
                community=community, item=item, requesting_body=body, actor=request.user
            )
        except WorkflowError as error:
            # What was typed stays in the form; when the community cannot sign, the message links the guide.
            form.add_error(None, error.message)
            signing_unavailable = isinstance(error, services.RefusalNoticeUnsignable)
        else:
            recent[key] = (str(notice.token), today)
            request.session["refusal_notices"] = dict(list(recent.items())[-RECENT_NOTICES_KEPT:])
            return redirect("requests:refusal_notice", notice.token)
    context = {
        "community": community,
        "item": item,
        "form": form,
        "at_counter": issuer == "counter",
        "signing_unavailable": signing_unavailable,
    }
    return render(request, "certificates/resident/refusal_notice_create.html", context)


@require_safe
def refusal_notice(request: HttpRequest, token) -> HttpResponse:
    return render(request, "certificates/resident/refusal_notice.html", {"doc": _notice_or_404(token)})


@require_safe
def refusal_notice_pdf(request: HttpRequest, token) -> HttpResponse:
    if over_limit(request, "public-pdf", limit=PUBLIC_PDFS_PER_MINUTE, window_seconds=60):
        return HttpResponse(_("请求过于频繁，请稍后再试。"), status=429, content_type="text/plain; charset=utf-8")
    doc = _notice_or_404(token)
    if doc.notice.pdf:  # stored once at creation, like a certificate
        with doc.notice.pdf.open("rb") as handle:
            pdf = handle.read()
    else:  # a notice from before notices were stored: rendered once per language and cached
        key = f"refusal-notice-pdf:{doc.notice.token}:{get_language()}"
        pdf = cache.get(key)
        if pdf is None:
            pdf = render_pdf(render_to_string("pdf/refusal_notice.html", {"doc": doc}, request=request))
            cache.set(key, pdf, timeout=7 * 24 * 3600)
    response = HttpResponse(pdf, content_type="application/pdf")
    filename = f"refusal-notice-{doc.community.code}-{doc.notice.year}-{doc.notice.number}.pdf"
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@require_safe
def refusal_guide(request: HttpRequest, community_code: str, item_code: str) -> HttpResponse:
    """The unnumbered guide (不予出具证明办理指引): where to go instead, for anyone; not stored, not counted."""
    community = _community_or_404(community_code)
    item = get_object_or_404(selectors.effective_non_issuable_items(community), code=item_code)
    doc = RefusalNoticeDocument.guide(community, item)
    return render(request, "certificates/resident/refusal_notice.html", {"doc": doc, "guide": True})


@require_safe
def refusal_guide_pdf(request: HttpRequest, community_code: str, item_code: str) -> HttpResponse:
    if over_limit(request, "public-pdf", limit=PUBLIC_PDFS_PER_MINUTE, window_seconds=60):
        return HttpResponse(_("请求过于频繁，请稍后再试。"), status=429, content_type="text/plain; charset=utf-8")
    community = _community_or_404(community_code)
    item = get_object_or_404(selectors.effective_non_issuable_items(community), code=item_code)
    key = f"refusal-guide-pdf:{community.code}:{item.code}:{item.updated_at.isoformat()}:{get_language()}"
    pdf = cache.get(key)
    if pdf is None:
        doc = RefusalNoticeDocument.guide(community, item)
        pdf = render_pdf(render_to_string("pdf/refusal_notice.html", {"doc": doc}, request=request))
        cache.set(key, pdf, timeout=24 * 3600)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="refusal-guide-{community.code}-{item.code}.pdf"'
    return response
