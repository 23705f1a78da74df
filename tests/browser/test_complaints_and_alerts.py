"""Public complaints and anomaly alerts in a browser, at 390 and 1280 px: an anonymous reporter follows the link from
a non-issuable item, reports, keeps the code and looks the answer up; the county officer reads the lists, replies and
acknowledges an alert. No Content-Security-Policy violation, no server error (checked by open_page)."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from certificates.models import Alert

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

WIDTHS = {"390": {"width": 390, "height": 844}, "1280": {"width": 1280, "height": 900}}


def _both_widths(page, shoot, name: str) -> None:
    for width, size in WIDTHS.items():
        page.set_viewport_size(size)
        shoot(page, f"{name}-{width}")


def test_a_reporter_and_the_county_follow_a_complaint(personas, browser, live_server, sign_in, shoot, open_page):
    x = personas.community_x
    Alert.objects.create(
        county=personas.yanta,
        community=x,
        rule="seal_off_hours",
        subject_key=x.code,
        subject_label=x.name,
        period="2026-W25",
        period_start=dt.date(2026, 6, 15),
        period_end=dt.date(2026, 6, 21),
        figures={
            "count": 2,
            "params": {"start_hour": 8, "end_hour": 18, "minimum": 1},
            "refs": [
                {"id": 1, "at": "2026-06-16 19:30", "title": "夜间文件"},
                {"id": 2, "at": "2026-06-20 10:00", "title": "周六文件"},
            ],
        },
    )
    phone = open_page("phone")
    phone.set_viewport_size(WIDTHS["390"])
    phone.goto(f"/catalog/c/{x.code}/non-issuable/N05/")
    phone.get_by_role("link", name="被要求开具已取消的证明？向区县民政部门反映").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("向区县民政部门反映")
    expect(phone.get_by_label("单位索要已取消的证明")).to_be_checked()
    phone.get_by_label("要求开具证明的单位").fill("某银行小寨路支行")
    phone.get_by_label("联系电话（可选）").fill("1391234")
    _both_widths(phone, shoot, "complaint-form")
    phone.get_by_role("button", name="提交反映").click()
    expect(phone.get_by_text("请输入11位手机号码。").first).to_be_visible()
    expect(phone.get_by_label("要求开具证明的单位")).to_have_value("某银行小寨路支行")
    phone.set_viewport_size(WIDTHS["390"])
    shoot(phone, "complaint-form-error-390")
    phone.get_by_label("联系电话（可选）").fill("13912345678")
    phone.get_by_role("button", name="提交反映").click()
    code = phone.locator("#complaint-code").inner_text()
    _both_widths(phone, shoot, "complaint-received")

    desk = open_page("desktop")
    sign_in(desk, personas.county_officer)
    desk.goto("/desk/oversight/610113000000/")
    expect(desk.get_by_text("监督举报：待核查")).to_be_visible()
    # the same list from the area's card and from the desk navigation
    card = desk.locator("main .oversight-key").get_by_role("link", name="监督举报", exact=True)
    nav = desk.get_by_role("navigation", name="督导").get_by_role("link", name="监督举报", exact=True)
    expect(card).to_have_attribute("href", "/desk/complaints/610113000000/")
    expect(nav).to_have_attribute("href", "/desk/complaints/610113000000/")
    nav.click()
    expect(desk.get_by_role("heading", level=1)).to_have_text("雁塔区监督举报")
    _both_widths(desk, shoot, "county-complaints")
    desk.get_by_role("link", name="单位索要已取消的证明：无犯罪记录证明").click()
    expect(desk.get_by_text("139****5678")).to_be_visible()
    desk.locator("#reply-close").fill("已约谈该支行，责令不再索要无犯罪记录证明。")
    desk.get_by_role("button", name="办结并答复").click()
    expect(desk.get_by_text("已记录，举报人凭查询码可以看到答复。")).to_be_visible()

    phone.goto("/requests/complaints/lookup/")
    phone.get_by_label("查询码").fill(code)
    phone.get_by_role("button", name="查询").click()
    expect(phone.get_by_text("已约谈该支行")).to_be_visible()
    _both_widths(phone, shoot, "complaint-lookup")

    desk.goto("/desk/alerts/610113000000/")
    expect(desk.get_by_role("heading", level=1)).to_have_text("雁塔区异常预警")
    _both_widths(desk, shoot, "county-alerts")
    desk.get_by_role("link", name=f"非工作时间用印：{x.name}").click()
    desk.get_by_label("核查或处理情况").fill("系社区夜间为居民紧急办理，已提醒按规定登记。")
    desk.get_by_role("button", name="确认预警").click()
    expect(desk.get_by_text("已确认该预警。")).to_be_visible()
    _both_widths(desk, shoot, "county-alert-acknowledged")
    desk.goto("/desk/alerts/610113000000/rules/")
    _both_widths(desk, shoot, "county-alert-rules")
