"""Pages that used to be cut off or cramped, at 390, 768 and 1280 pixels wide: the main bar and the desk navigation
(it ended at "印…"), the keeper's queue with its filters and paging, the personal-data access log and the county's oversight
table. None of them may make the whole page scroll sideways; a wide table scrolls inside its own frame with the
community column kept in view, and the access log becomes one card per entry on a phone. Screenshots in
$JOURNEY_SHOTS/layouts (default <tmp>/frequent-tasks/layouts) for a person to look at."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from catalog.models import IssuableItem
from certificates import workflow
from certificates.views.issuance import KEEPER_PAGE_SIZE
from portal.models import AuditAction, AuditEntry
from seals.models import Seal
from tests.factories import make_request

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

WIDTHS = [390, 768, 1280]
SHOTS = Path(os.environ.get("JOURNEY_SHOTS") or Path(tempfile.gettempdir()) / "frequent-tasks") / "layouts"
DESK_NAV = ["待办申请", "窗口受理", "清单外据实出具", "登记簿", "印章", "用印登记簿"]


def shot(page, name: str, width: int) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)


def no_sideways_scroll(page, width: int) -> None:
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"{page.url} is {scroll} px wide in a {width} px window"


def open_at(open_page, width: int):
    page = open_page("phone" if width < 500 else "desktop")
    page.set_viewport_size({"width": width, "height": 900})
    return page


def signed_matters(personas, n: int) -> None:
    item = IssuableItem.objects.get(code="610113-ZM01")
    for _ in range(n):
        request = make_request(
            community=personas.community_x,
            item=item,
            applicant=personas.resident_a,
            status="awaiting_signature",
            verified_by=personas.staff_x,
            field_values={"relative_name": "李四", "relation": "父子", "notary_office": "西安市某公证处"},
        )
        workflow.sign(request_id=request.pk, actor=personas.director)


@pytest.mark.parametrize("width", WIDTHS)
def test_the_desk_navigation_and_the_keepers_queue_fit_every_width(personas, open_page, sign_in, width):
    signed_matters(personas, KEEPER_PAGE_SIZE + 1)
    Seal.objects.create(community=personas.community_x, name="证明专用章", keeper=personas.keeper, is_specimen=True)

    director = open_at(open_page, width)
    sign_in(director, personas.director)
    # The main bar stays one line high: at 768 px its links used to stand one character a line (172 px high).
    bar = director.locator("nav.portal-navbar").bounding_box()
    assert bar and bar["height"] < 100, bar
    nav = director.get_by_role("navigation", name="社区工作台")
    for label in DESK_NAV:
        box = nav.get_by_role("link", name=label, exact=True).bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= width, (label, box)
    no_sideways_scroll(director, width)
    shot(director, "desk-nav", width)

    keeper = open_at(open_page, width)
    sign_in(keeper, personas.keeper)
    keeper.goto("/issuance/")
    expect(keeper.get_by_role("heading", name=f"待用印（{KEEPER_PAGE_SIZE + 1} 件）")).to_be_visible()
    expect(keeper.locator("li.issue-row")).to_have_count(KEEPER_PAGE_SIZE)
    for label in ("证明事项", "签字日期从", "签字日期到"):
        expect(keeper.get_by_label(label, exact=True)).to_be_visible()
    no_sideways_scroll(keeper, width)
    shot(keeper, "keeper-queue", width)
    keeper.get_by_role("link", name="下一页").click()
    expect(keeper.locator("li.issue-row")).to_have_count(1)
    no_sideways_scroll(keeper, width)


@pytest.mark.parametrize("width", WIDTHS)
def test_the_access_log_and_the_county_table_are_readable_at_every_width(personas, open_page, sign_in, width):
    for n in range(3):
        AuditEntry.objects.create(
            actor=personas.staff_x,
            action=AuditAction.DOWNLOAD,
            subject=f"王小明的亲属关系证明（仅限公证）申请：育证〔2026〕{n + 1}号",
            path="/issuance/1/certificate.pdf",
            client_address="10.1.2.3",
            region=personas.community_x,
        )
    officer = open_at(open_page, width)
    sign_in(officer, personas.county_officer)

    officer.goto("/oversight/audit/")
    rows = officer.locator("table.audit-table tbody tr")
    expect(rows).to_have_count(3)
    no_sideways_scroll(officer, width)
    header_shown = officer.locator("table.audit-table thead").is_visible()
    assert header_shown is (width >= 768)  # on a phone each entry is a card with its labels
    subject = rows.first.locator("td.audit-subject").bounding_box()
    assert subject and subject["x"] + subject["width"] <= width
    shot(officer, "audit-log", width)

    officer.goto("/desk/county/")
    table = officer.locator("table.desk-stats")
    expect(table).to_be_visible()
    no_sideways_scroll(officer, width)  # the table scrolls inside its frame, not the page
    first = table.locator("tbody th").first
    assert first.evaluate("cell => getComputedStyle(cell).position") == "sticky"
    box = first.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= width
    shot(officer, "county-table", width)


@pytest.mark.parametrize("width", [390, 1280])
def test_the_home_search_finds_certificates_at_every_width(personas, open_page, width):
    visitor = open_at(open_page, width)
    visitor.goto("/")
    visitor.get_by_label("搜索社区、街道或证明事项").fill("无犯罪")
    visitor.get_by_role("button", name="查找", exact=True).click()
    hits = visitor.locator("section.item-hits")
    expect(hits).to_contain_text("无犯罪记录证明")
    expect(hits).to_contain_text("公安机关")
    no_sideways_scroll(visitor, width)
    shot(visitor, "home-search-certificate", width)


@pytest.mark.parametrize("width", WIDTHS)
def test_in_english_and_in_care_mode_the_desk_and_the_county_page_fit_every_width(
    personas, open_page, sign_in, live_server, width
):
    """English labels are about twice as long as the Chinese; the bar used to run 336 px off a 1280 px screen, and
    the platform's name widened a phone's page. In care mode a link drawn as a filled button kept its white text."""
    director = open_at(open_page, width)
    sign_in(director, personas.director)
    director.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    director.goto("/desk/")
    expect(director.get_by_role("link", name="New counter entry")).to_be_visible()
    no_sideways_scroll(director, width)
    shot(director, "desk-en", width)
    director.context.add_cookies([{"name": "care_mode", "value": "1", "url": live_server.url}])
    director.goto("/desk/")
    no_sideways_scroll(director, width)
    button = director.get_by_role("link", name="New counter entry")
    assert button.evaluate("link => getComputedStyle(link).color") == "rgb(255, 255, 255)"
    shot(director, "desk-en-care", width)

    officer = open_at(open_page, width)
    sign_in(officer, personas.county_officer)
    officer.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    officer.goto("/desk/county/")
    expect(officer.locator("table.desk-stats")).to_be_visible()
    no_sideways_scroll(officer, width)
    shot(officer, "county-en", width)
