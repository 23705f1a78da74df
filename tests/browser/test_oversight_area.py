"""The oversight area read in a browser by a county officer and a street officer, on a phone (390 px) and a desktop
(1280 px): charts drawn as SVG without a Content-Security-Policy violation, a table beside each, downloads offered,
and a print layout for A4."""

import pytest
from playwright.sync_api import expect

from tests.certificates.test_oversight import counted  # noqa: F401 -- the hand-counted fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

WIDTHS = {"390": {"width": 390, "height": 844}, "1280": {"width": 1280, "height": 900}}


def test_county_and_street_officers_read_their_oversight_area(counted, browser, live_server, sign_in, shoot, open_page):  # noqa: F811
    page = open_page("desktop")
    sign_in(page, counted.county_officer)
    page.goto("/desk/oversight/610113000000/")
    expect(page.get_by_role("heading", level=1)).to_have_text("雁塔区督导统计")
    expect(page.locator("svg.oversight-chart")).to_have_count(6)
    expect(page.locator("#fig-areas table")).to_contain_text("小寨路街道")
    expect(page.locator("#fig-areas").get_by_role("link", name="XLSX")).to_be_visible()
    for width, size in WIDTHS.items():
        page.set_viewport_size(size)
        shoot(page, f"county-{width}")
    page.emulate_media(media="print")
    page.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi
    expect(page.locator(".oversight-noprint").first).to_be_hidden()
    shoot(page, "county-print")
    page.emulate_media(media="screen")

    page.get_by_role("link", name="小寨路街道").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("小寨路街道督导统计")

    phone = open_page("phone")
    sign_in(phone, counted.street_officer)
    phone.goto("/desk/oversight/")
    expect(phone.get_by_role("heading", level=1)).to_have_text("小寨路街道督导统计")
    expect(phone.locator("#fig-areas table")).to_contain_text("育才路社区居民委员会")
    phone.set_viewport_size(WIDTHS["390"])
    shoot(phone, "street-390")
