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


def test_street_officer_inspects_and_the_community_reports(personas, browser, live_server, sign_in, shoot, open_page):
    import datetime as dt

    from django.utils import timezone

    page = open_page("desktop")
    sign_in(page, personas.street_officer)
    page.goto(f"/desk/oversight/{personas.community_x.code}/inspect/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("督导检查")
    for width, size in WIDTHS.items():
        page.set_viewport_size(size)
        shoot(page, f"inspect-{width}")
    lists = page.get_by_role("group", name="清单在居民看得到的地方公开")
    lists.get_by_label("不符合", exact=True).check()
    lists.get_by_label("现场查看情况 / 发现的问题").fill("服务大厅未张贴清单")
    deadline = timezone.localdate() + dt.timedelta(days=10)
    lists.get_by_label("整改期限").fill(deadline.isoformat())
    page.get_by_role("button", name="保存检查记录").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("督导检查与整改")
    expect(page.get_by_role("link", name="清单在居民看得到的地方公开")).to_be_visible()

    phone = open_page("phone")
    sign_in(phone, personas.staff_x)
    phone.goto(f"/desk/oversight/{personas.community_x.code}/inspections/")
    phone.get_by_role("link", name="清单在居民看得到的地方公开").click()
    phone.get_by_label("整改措施和结果").fill("已在服务大厅张贴两张清单")
    phone.set_viewport_size(WIDTHS["390"])
    shoot(phone, "finding-390")
    phone.get_by_role("button", name="社区报告整改情况").click()
    expect(phone.get_by_text("已报整改情况").first).to_be_visible()
    shoot(phone, "finding-responded-390")


def test_county_officer_issues_a_criticism(personas, browser, live_server, sign_in, shoot, open_page):
    page = open_page("desktop")
    sign_in(page, personas.county_officer)
    page.goto(f"/desk/oversight/{personas.community_x.code}/criticise/")
    page.get_by_label("问题事实").fill("服务大厅未张贴证明事项清单。")
    for width, size in WIDTHS.items():
        page.set_viewport_size(size)
        shoot(page, f"criticise-{width}")
    page.get_by_role("button", name="印发通报").click()
    expect(page.get_by_text("请写明整改要求。").first).to_be_visible()
    expect(page.get_by_label("问题事实")).to_have_value("服务大厅未张贴证明事项清单。")
    page.get_by_label("整改要求").fill("十个工作日内张贴并报告。")
    page.get_by_role("button", name="印发通报").click()
    expect(page.get_by_role("link", name="雁塔区民政督通", exact=False)).to_be_visible()
    shoot(page, "criticised-1280")
