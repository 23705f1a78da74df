"""Public disclosure pages (公开公示): no login needed.

Anyone may see which communities exist, what each may issue (with legal basis, materials, time limit and a form
sample) and what it must refuse (with where to go instead), and print the notice board a community posts in a
prominent place. Every item page shows only items in force for that community: an item of another county, a draft,
a retired item or one for the other kind of committee is a 404, exactly like an unknown code.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from catalog import rules, selectors
from catalog.models import IssuableItem, NonIssuableItem
from portal import keys
from portal.errors import NotFound
from portal.models import Region
from portal.pdf import render_pdf
from portal.qr import qr_data_uri
from portal.ratelimit import over_limit
from portal.regions import Level

COMMUNITIES_PER_PAGE = 100
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
    counties = list(selectors.public_counties())
    county = next((c for c in counties if c.code == county_code), None)
    communities = selectors.public_communities(search=search, county_code=county.code if county else "")
    page = Paginator(communities, COMMUNITIES_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "catalog/public/community_list.html",
        {"counties": counties, "county": county, "search": search, "page": page},
    )


def community_detail(request: HttpRequest, code: str) -> HttpResponse:
    community = _community_or_404(code)
    search = _search_term(request)
    issuable = list(selectors.effective_issuable_items(community, search=search))
    non_issuable = list(selectors.effective_non_issuable_items(community, search=search))
    covered = selectors.exception_items(community, non_issuable, issuable)  # within what the page lists
    for item in non_issuable:
        item.covered_by = covered.get(item.pk)
    context = {
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
    return render(request, "catalog/public/community_detail.html", context)


def issuable_detail(request: HttpRequest, code: str, item_code: str) -> HttpResponse:
    community = _community_or_404(code)
    item = get_object_or_404(selectors.effective_issuable_items(community), code=item_code)
    context = {
        "community": community,
        "county": _county_of(community),
        "item": item,
        "has_commitment": any(m.get("requirement") == "commitment" for m in item.materials),
    }
    return render(request, "catalog/public/issuable_detail.html", context)


def non_issuable_detail(request: HttpRequest, code: str, item_code: str) -> HttpResponse:
    community = _community_or_404(code)
    item = get_object_or_404(selectors.effective_non_issuable_items(community), code=item_code)
    context = {
        "community": community,
        "county": _county_of(community),
        "item": item,
        "exception_item": selectors.exception_items(community, [item]).get(item.pk),
    }
    return render(request, "catalog/public/non_issuable_detail.html", context)


@dataclass
class IssuableRow:
    """One line of the notice board's issuable table."""

    item: IssuableItem
    first_basis: dict
    basis_count: int
    needs_confirmation: bool
    materials: list[dict] = field(default_factory=list)


@dataclass
class NoticeBoard:
    """Exactly what the notice-board PDF template needs: the community, the date and the two lists."""

    community: Region
    date: dt.date
    issuable: list[IssuableRow]
    non_issuable: list[NonIssuableItem]
    page_url: str
    upcoming: list = field(default_factory=list)  # published, in force only from a later date
    qr_image: str = ""  # data: URL of a QR code opening page_url, the community's online list
    supervision_phone: str = ""  # the county's 监督电话

    @property
    def committee_name(self) -> str:
        """The closing line's signer: the committee's full legal name (…社区居民委员会 / …村民委员会)."""
        return self.community.committee_name()

    @property
    def date_text(self) -> str:
        return rules.chinese_date(self.date)

    @classmethod
    def build(cls, community: Region, *, page_url: str) -> NoticeBoard:
        today = timezone.localdate()
        rows = [
            IssuableRow(
                item=item,
                first_basis=item.legal_bases[0] if item.legal_bases else {},
                basis_count=len(item.legal_bases),
                needs_confirmation=bool(item.bases_needing_confirmation()),
                materials=list(item.materials),
            )
            for item in selectors.effective_issuable_items(community, on=today)
        ]
        non_issuable = list(selectors.effective_non_issuable_items(community, on=today))
        return cls(
            community=community,
            date=today,
            issuable=rows,
            non_issuable=non_issuable,
            page_url=page_url,
            upcoming=selectors.upcoming_items(community, on=today),
            qr_image=qr_data_uri(page_url, scale=4, error="m"),
            supervision_phone=county.supervision_phone if (county := _county_of(community)) else "",
        )

    @property
    def needs_confirmation_note(self) -> bool:
        # Only the referral of a non-issuable item gets a (neutral) mark; internal "待核" notes never reach the board.
        return any(i.needs_confirmation for i in self.non_issuable)


# Rendering costs up to a second and all renders share one lock: public PDFs are throttled per client.
PUBLIC_PDFS_PER_MINUTE = 10


def notice_board_pdf(request: HttpRequest, code: str) -> HttpResponse:
    if over_limit(request, "public-pdf", limit=PUBLIC_PDFS_PER_MINUTE, window_seconds=60):
        return HttpResponse(_("请求过于频繁，请稍后再试。"), status=429, content_type="text/plain; charset=utf-8")
    community = _community_or_404(code)
    # Rendering costs up to a second: the same community, day, language and catalog state share one PDF.
    key = f"notice-board:{community.code}:{timezone.localdate()}:{get_language()}:{selectors.catalog_version()}"
    pdf = cache.get(key)
    if pdf is None:
        page_url = request.build_absolute_uri(reverse("catalog:community_detail", args=[community.code]))
        board = NoticeBoard.build(community, page_url=page_url)
        # The QR signing key's fingerprint, printed so that a verifier without network can trust the key.
        qr_key = keys.fingerprint(keys.qr_signer().public_key_bytes())
        html = render_to_string("pdf/notice_board.html", {"board": board, "qr_key": qr_key}, request=request)
        pdf = render_pdf(html)
        cache.set(key, pdf, timeout=24 * 3600)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="notice-board-{community.code}.pdf"'
    return response
