"""Large exports (导出任务): the status page, the download and the retry of one job (certificates/exportjobs.py).

Who: only the person who asked, and only while their role and place still allow that export (exportjobs.allowed);
anyone else, and the person once they may no longer export it, gets 404, so another's job does not leak.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from certificates import exportjobs
from certificates.models import ExportJob, ExportStatus
from portal.audit import audit_record
from portal.models import AuditAction, Region


def get_job_for_user(user, pk: int) -> tuple[ExportJob, Region]:
    """The job and the place of its data; 404 when it does not exist, is another's, or may no longer be exported."""
    job = ExportJob.objects.filter(pk=pk).first()
    place = exportjobs.allowed(user, job) if job is not None else None
    if place is None:
        raise Http404
    return job, place


@login_required
@require_safe
def job(request: HttpRequest, pk: int) -> HttpResponse:
    export, _place = get_job_for_user(request.user, pk)
    return render(
        request,
        "certificates/exports/job.html",
        {
            "job": export,
            "waiting": export.status in (ExportStatus.QUEUED, ExportStatus.RUNNING),
            "gave_up": _(exportjobs.GAVE_UP) % {"n": export.attempts} if exportjobs.gave_up(export) else "",
        },
    )


@login_required
@require_safe
def download(request: HttpRequest, pk: int) -> HttpResponse:
    export, place = get_job_for_user(request.user, pk)
    if export.status != ExportStatus.DONE:
        return redirect("desk:export_job", pk=export.pk)
    try:
        data = exportjobs.read(export)
    except OSError:
        return render(
            request,
            "certificates/exports/job.html",
            {"job": export, "unreadable": _("导出文件暂时无法读取，请稍后再试。")},
            status=503,
        )
    audit_record(request, action=AuditAction.EXPORT, subject=export.title, region=place)
    response = HttpResponse(data, content_type=exportjobs.FORMATS[export.params["fmt"]])
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=export.filename)
    response["Cache-Control"] = "private, no-store"  # personal data: keep it out of shared caches
    return response


@login_required
@require_POST
def retry(request: HttpRequest, pk: int) -> HttpResponse:
    export, _place = get_job_for_user(request.user, pk)
    exportjobs.export_retry(job=export)
    return redirect("desk:export_job", pk=export.pk)
