"""按地区汇总: the catalogs rolled up by place for county and provincial officers (catalog/rollup.py).

A provincial officer starts at the province (rows: cities), opens a city (rows: counties) and a county (rows:
communities, each opening its public list). A county officer starts at their county. A place outside the officer's
own is unknown to them (404).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog import rollup
from catalog.views.officer import officer_required
from portal.access import officer_regions
from portal.errors import NotFound
from portal.models import Region
from portal.regions import LEVEL_ORDER, Level


def _top(user) -> list[Region]:
    return sorted(officer_regions(user), key=lambda r: (LEVEL_ORDER.index(r.level), r.code))


@officer_required
def places(request: HttpRequest) -> HttpResponse:
    return redirect("catalog_officer:place", region_code=_top(request.user)[0].code)


@officer_required
def place(request: HttpRequest, region_code: str) -> HttpResponse:
    own = _top(request.user)
    region = Region.objects.filter(code=region_code).first() if region_code.isdigit() else None
    if (
        region is None
        or region.level not in rollup.CHILD_LEVEL
        or not any(region.prefix.startswith(r.prefix) for r in own)
    ):
        raise NotFound(_("没有找到该地区，或该地区不在您的管辖范围内。"))
    today = timezone.localdate()
    # The way up, as far as the officer may go: their own place is the top of the breadcrumb.
    trail = [r for r in reversed(region.ancestors()) if any(r.prefix.startswith(o.prefix) for o in own)]
    context = {"region": region, "trail": trail, "today": today, "states": rollup.STATES}
    if region.level == Level.COUNTY:
        context["communities"] = rollup.county_communities(region, today=today)
    else:
        context["rollup"] = rollup.rollup(region, today=today)
    return render(request, "catalog/officer/place.html", context)
