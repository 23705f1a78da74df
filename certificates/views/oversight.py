"""The oversight area (督导统计): one page per place for the street, county, city and provincial officers above it.

Who: an officer of a place reads that place and every place below it (portal.access.oversees); an officer asking
for a place outside their own gets 404 (no existence leak); anyone holding no oversight role gets 403 with the
reason. The figures come from certificates/oversight.py; each has a chart, a table and a CSV/XLSX download.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from certificates import charts, oversight
from portal import exports
from portal.access import oversees, oversight_regions
from portal.errors import Forbidden, NotFound
from portal.models import Region
from portal.regions import LEVEL_ORDER

# Figures whose rows are the places one level below: their first cell links to that place's own area.
PER_PLACE = frozenset({"areas", "supervision"})


def _places(user) -> list[Region]:
    places = oversight_regions(user)
    if not places:
        raise Forbidden(_("督导统计仅供街道、区县、设区市和省级民政干部使用。"))
    return sorted(places, key=lambda r: (LEVEL_ORDER.index(r.level), r.code))


def _region(user, code: str) -> tuple[Region, list[Region]]:
    places = _places(user)
    region = Region.objects.filter(code=code).first() if code.isdigit() else None
    if region is None or not oversees(user, region):
        raise NotFound(_("没有找到该区划，或该区划不在您的督导范围内。"))
    return region, places


@login_required
@require_safe
def index(request: HttpRequest) -> HttpResponse:
    """The officer's own place (the highest one, when they hold several)."""
    return redirect("desk:oversight_area", region_code=_places(request.user)[0].code)


@login_required
@require_safe
def area(request: HttpRequest, region_code: str) -> HttpResponse:
    user = request.user
    region, places = _region(user, region_code)
    today = timezone.localdate()
    place_area, figures = oversight.figures(region, today=today)
    # The way up, as far as the officer may go: their own place is the top of the breadcrumb.
    trail = [r for r in reversed(region.ancestors()) if oversees(user, r)]
    links = [reverse("desk:oversight_area", args=[c.code]) for c in place_area.children]
    sections = []
    for figure in figures.values():
        rows = [
            (links[i] if figure.key in PER_PLACE and i < len(links) else None, row) for i, row in enumerate(figure.rows)
        ]
        svg = (
            charts.render_svg(figure.chart, title=figure.title, chart_id=f"chart-{figure.key}")
            if figure.chart
            else None
        )
        # a table of many columns takes two thirds of the width beside its chart, a narrow one half
        wide = len(figure.header) > 4
        sections.append(
            {
                "figure": figure,
                "rows": rows,
                "svg": svg if figure.rows else None,
                "wide": wide,
                "total": bool(figure.rows) and figure.rows[-1][0] == _("合计"),
            }
        )
    return render(
        request,
        "certificates/oversight/area.html",
        {
            "region": region,
            "places": places,
            "trail": trail,
            "sections": sections,
            "overdue": figures["areas"].rows[-1][3],
            "received": figures["areas"].rows[-1][1],
            "today": today,
            "child_level": place_area.child_level,
        },
    )


@login_required
@require_safe
def export(request: HttpRequest, region_code: str, figure: str, fmt: str) -> HttpResponse:
    region, _places_ = _region(request.user, region_code)
    _area, figures = oversight.figures(region)
    chosen = figures.get(figure)
    if chosen is None:
        raise Http404
    filename = f"oversight-{region.code}-{figure}.{fmt}"
    if fmt == "csv":
        response = HttpResponse(exports.to_csv(chosen.header, chosen.rows), content_type=exports.CSV_CONTENT_TYPE)
    else:
        body = exports.to_xlsx(chosen.header, chosen.rows, title=chosen.title)
        response = HttpResponse(body, content_type=exports.XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
