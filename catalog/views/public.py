"""Public disclosure pages (公开公示): no login needed.

Anyone may see which communities exist, what each may issue (with legal basis, materials, time limit and a form
sample) and what it must refuse (with where to go instead), and print the notice board a community posts in a
prominent place. Every item page shows only items in force for that community: an item of another county, a draft,
a retired item or one for the other kind of committee is a 404, exactly like an unknown code.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from catalog import noticeboards, publiccache, selectors
from catalog.noticeboards import IssuableRow, NoticeBoard  # noqa: F401 - re-exported for tests and templates
from portal.access import regions_with_role
from portal.errors import NotFound
from portal.models import Region
from portal.ratelimit import over_limit
from portal.regions import Level
from portal.roles import Role

COMMUNITIES_PER_PAGE = 100


class PublicCounty(NamedTuple):
    """A county in the list page's filter."""

    code: str
    name: str
    city_name: str


MAX_SEARCH_LENGTH = 50
CODE_RE = re.compile(r"\d{12}")


def _search_term(request: HttpRequest) -> str:
    return request.GET.get("q", "").strip()[:MAX_SEARCH_LENGTH]


def _community_or_404(code: str) -> Region:
    community = selectors.public_community(code) if CODE_RE.fullmatch(code) else None
    if community is None:
        raise NotFound(_("没有找到这个社区（村）。"))
    return community


def _county_of(community: Region) -> Region | None:
    return community.ancestor_at(Level.COUNTY)


def community_list(request: HttpRequest) -> HttpResponse:
    search = _search_term(request)
    county_code = request.GET.get("county", "").strip()
    # Plain tuples, not model instances: unpickling 200 instances per view cost more than the query they save.
    counties = publiccache.cached(
        publiccache.page_key("counties"),
        lambda: [PublicCounty(c.code, c.name, c.parent.name) for c in selectors.public_counties()],
    )
    county = next((c for c in counties if c.code == county_code), None)
    communities = selectors.public_communities(search=search, county_code=county.code if county else "")
    page_number = request.GET.get("page", "")
    # Read only when the page's content is not in the cache (the template's {% cache %} under page_key).
    page = SimpleLazyObject(lambda: Paginator(communities, COMMUNITIES_PER_PAGE).get_page(page_number))
    # Without a search every visitor sees the same list: cached per county and page (a page number as typed, if it
    # is a plausible one, so that made-up values cannot fill the cache).
    cacheable = not search and (page_number == "" or (page_number.isdigit() and len(page_number) <= 4))
    page_key = publiccache.page_key("community_list", county.code if county else "", page_number) if cacheable else ""
    # The search also names certificates (可出具 and 不予出具 items, by meaning): a resident typing "居住证明" on the
    # home page learns what it is and where to go, and, with a home community, opens it there.
    issuable, non_issuable = selectors.items_named(search)
    home = _home_community(request) if issuable or non_issuable else None
    if home is not None:
        here = set(selectors.effective_issuable_items(home).values_list("code", flat=True))
        there = set(selectors.effective_non_issuable_items(home).values_list("code", flat=True))
        for item in issuable:
            item.home_url = reverse("catalog:issuable_detail", args=[home.code, item.code]) if item.code in here else ""
        for item in non_issuable:
            item.home_url = (
                reverse("catalog:non_issuable_detail", args=[home.code, item.code]) if item.code in there else ""
            )
    return render(
        request,
        "catalog/public/community_list.html",
        {
            "counties": counties,
            "county": county,
            "search": search,
            "page": page,
            "item_issuable": issuable,
            "item_non_issuable": non_issuable,
            "home_community": home,
            "page_key": page_key,
            "page_seconds": publiccache.PUBLIC_PAGE_SECONDS,
        },
    )


def _home_community(request: HttpRequest) -> Region | None:
    """The signed-in resident's own community, if any."""
    if not request.user.is_authenticated:
        return None
    homes = regions_with_role(request.user, Role.RESIDENT)
    return homes[0] if homes else None


def community_detail(request: HttpRequest, code: str) -> HttpResponse:
    search = _search_term(request)
    if search:
        return render(request, "catalog/public/community_detail.html", _community_lists(code, search))
    return _public_page(
        request, "catalog/public/community_detail.html", ("community", code), lambda: _community_lists(code, "")
    )


def _community_lists(code: str, search: str) -> dict:
    community = _community_or_404(code)
    issuable = list(selectors.effective_issuable_items(community, search=search))
    non_issuable = list(selectors.effective_non_issuable_items(community, search=search))
    covered = selectors.exception_items(community, non_issuable, issuable)  # within what the page lists
    for item in non_issuable:
        item.covered_by = covered.get(item.pk)
    return {
        "community": community,
        "county": _county_of(community),
        "search": search,
        "issuable": issuable,
        "non_issuable": non_issuable,
        # Totals of the unfiltered lists, so a search can say "3 of 8"; without a search they equal the lists.
        "issuable_total": selectors.effective_issuable_items(community).count() if search else len(issuable),
        "non_issuable_total": selectors.effective_non_issuable_items(community).count()
        if search
        else len(non_issuable),
        "upcoming": [] if search else selectors.upcoming_items(community),
    }


def issuable_detail(request: HttpRequest, code: str, item_code: str) -> HttpResponse:
    def read() -> dict:
        community = _community_or_404(code)
        item = get_object_or_404(selectors.effective_issuable_items(community), code=item_code)
        return {
            "community": community,
            "county": _county_of(community),
            "item": item,
            "has_commitment": any(m.get("requirement") == "commitment" for m in item.materials),
        }

    return _public_page(request, "catalog/public/issuable_detail.html", ("issuable", code, item_code), read)


def non_issuable_detail(request: HttpRequest, code: str, item_code: str) -> HttpResponse:
    def read() -> dict:
        community = _community_or_404(code)
        item = get_object_or_404(selectors.effective_non_issuable_items(community), code=item_code)
        return {
            "community": community,
            "county": _county_of(community),
            "item": item,
            "exception_item": selectors.exception_items(community, [item]).get(item.pk),
        }

    return _public_page(request, "catalog/public/non_issuable_detail.html", ("non_issuable", code, item_code), read)


def _public_page(request: HttpRequest, template: str, parts: tuple[str, ...], read) -> HttpResponse:
    """An item page from the shared cache (catalog/publiccache.py): the rows it reads, and its content block
    (the template's {% cache %} under the same key). An unknown code is a 404 each time, never cached."""
    key = publiccache.page_key(*parts)
    context = publiccache.cached(key, read)
    return render(request, template, {**context, "page_key": key, "page_seconds": publiccache.PUBLIC_PAGE_SECONDS})


# Rendering costs up to a second and all renders share one lock: public PDFs are throttled per client.
PUBLIC_PDFS_PER_MINUTE = 10


def notice_board_pdf(request: HttpRequest, code: str) -> HttpResponse:
    if over_limit(request, "public-pdf", limit=PUBLIC_PDFS_PER_MINUTE, window_seconds=60):
        return HttpResponse(_("请求过于频繁，请稍后再试。"), status=429, content_type="text/plain; charset=utf-8")
    community = _community_or_404(code)
    # Rendered once per community, day, language and catalog state into the shared file storage (every app server
    # and worker reads the same copy); a miss is rendered here, as the resident is waiting for it.
    name = noticeboards.render_notice_board(community, language=get_language())
    response = HttpResponse(noticeboards.read(name), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="notice-board-{community.code}.pdf"'
    return response
