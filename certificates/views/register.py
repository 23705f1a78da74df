"""The register (一事一登记登记簿) of one community: read on screen and exported as CSV or XLSX.

Who: the community's staff, director and seal keeper, and the county and provincial officers who supervise it
(certificates.permissions.can_view_register); anyone else gets 404, so a register's existence does not leak.
Applicants' identity numbers are masked on screen and in exports alike.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from certificates import exportjobs
from certificates.forms.staff import YearForm
from certificates.models import RegisterEntry
from certificates.permissions import can_view_register, communities_handled
from portal.audit import audit_record
from portal.models import AuditAction, Region
from portal.pagecache import cached_page
from portal.regions import Level

PAGE_SIZE = 100


def _register_community(user, code: str) -> Region:
    community = Region.objects.filter(level=Level.COMMUNITY, code=code).first()
    if community is None or not can_view_register(user, community):
        raise Http404
    return community


def _year_and_entries(request: HttpRequest, community: Region) -> tuple[int, list[int], QuerySet[RegisterEntry]]:
    """The chosen year (this year unless another year with entries is asked for) and its entries in number order."""
    this_year = timezone.localdate().year
    years = sorted(
        set(RegisterEntry.objects.filter(community=community).values_list("year", flat=True).order_by()) | {this_year},
        reverse=True,
    )
    form = YearForm(request.GET or None, years=years)
    year = (form.cleaned_data.get("year") if form.is_valid() else None) or this_year
    return year, years, exportjobs.register_entries(community, year)


@login_required
@cached_page("year", "page")
def register(request: HttpRequest, community_code: str) -> HttpResponse:
    community = _register_community(request.user, community_code)
    year, years, entries = _year_and_entries(request, community)
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    for entry in page.object_list:
        # Loaded by select_related; a template asking entry.cancellation of an entry without one pays for an
        # exception and a dir() of the entry on every lookup.
        entry.cancelled = getattr(entry, "cancellation", None)
    return render(
        request,
        "certificates/staff/register.html",
        {
            "community": community,
            "communities": communities_handled(request.user),
            "year": year,
            "years": years,
            "page": page,
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def register_export(request: HttpRequest, community_code: str, fmt: str) -> HttpResponse:
    """The year's register as a file: at once when it is small, else rendered by a worker (certificates/exportjobs.py):
    a GET shows the 生成文件 button, its POST makes the job and sends the officer to the job's status page."""
    community = _register_community(request.user, community_code)
    year, _years, entries = _year_and_entries(request, community)
    if fmt not in exportjobs.FORMATS:
        raise Http404
    filename = f"register-{community.code}-{year}.{fmt}"
    subject = f"登记簿 {community.name} {year}年（{fmt}）"
    count = entries.count()
    if exportjobs.is_large(count):
        title = _("%(community)s%(year)s年登记簿（%(fmt)s）") % {"community": community.name, "year": year, "fmt": fmt}
        if request.method != "POST":
            return render(request, "certificates/exports/ask.html", {"title": title, "rows": count})
        job = exportjobs.export_request(
            user=request.user,
            kind="register",
            params={"community": community.code, "year": year, "fmt": fmt},
            filename=filename,
            title=title,
        )
        return redirect("desk:export_job", pk=job.pk)
    table = exportjobs.register_table(community, year, entries)
    body = exportjobs.render_file(table.header, table.rows, fmt=fmt, title=table.title)
    response = HttpResponse(body, content_type=exportjobs.FORMATS[fmt])
    audit_record(request, action=AuditAction.EXPORT, subject=subject, region=community)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"  # personal data: keep it out of shared caches
    return response
