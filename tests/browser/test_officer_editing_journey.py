"""Issue 14, officers: a county officer builds an item from Chinese field names with buttons, watches the certificate
preview follow the typing, edits it with a reason and reads the word diff; the dashboard lists what needs attention
and the province's page drills down from the province to a county. Screenshots at 390 px and 1280 px."""

import re

import pytest
from playwright.sync_api import expect

from catalog.models import IssuableItem

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

WIDTHS = {"390": {"width": 390, "height": 844}, "1280": {"width": 1280, "height": 900}}


def test_officer_builds_fields_by_name_previews_edits_with_a_reason_and_reads_the_diff(
    personas, open_page, sign_in, shoot
):
    page = open_page("desktop")
    sign_in(page, personas.county_officer)
    page.goto("/officer/catalog/issuable/new/")
    page.get_by_label("事项编码").fill("610113-ZM91")
    page.get_by_label("事项名称").fill("子女就读居住证明")
    bases = page.locator("#section-legal_bases")
    bases.get_by_label("文件名称").first.fill("居住证暂行条例")
    page.get_by_label("办理用途").fill("办理入学")
    page.locator("#section-materials").get_by_label("材料名称").first.fill("居民身份证")
    fields = page.locator("#section-fields")
    expect(fields.get_by_label("字段代码")).to_have_count(0)  # nothing to invent
    fields.get_by_label("字段名称").first.fill("学校名称")
    fields.get_by_label("示例").first.fill("育才路小学")
    fields.get_by_label("必填").first.check()

    body = page.get_by_label("证明正文")
    tools = page.locator("[data-body-tools]")
    body.click()
    body.press_sequentially("兹证明")
    tools.get_by_role("button", name="申请人姓名", exact=True).click()
    body.press_sequentially("的子女就读于")
    tools.get_by_role("button", name="学校名称", exact=True).click()  # the field just named has its button
    body.press_sequentially("。")
    expect(body).to_have_value("兹证明{申请人姓名}的子女就读于{学校名称}。")
    preview = page.locator("#body-preview .certificate-preview")
    expect(preview).to_contain_text("兹证明张三的子女就读于育才路小学。")
    expect(preview).to_contain_text("本证明用于办理入学。")
    expect(preview).to_contain_text("子女就读居住证明")
    for width, size in WIDTHS.items():
        page.set_viewport_size(size)
        page.locator("#body-preview").scroll_into_view_if_needed()
        shoot(page, f"item-form-{width}")
    page.set_viewport_size(WIDTHS["1280"])
    page.get_by_role("button", name="保存为草稿").click()
    expect(page.get_by_role("alert")).to_contain_text("草稿已保存")
    item = IssuableItem.objects.get(code="610113-ZM91")
    assert item.body_template == "兹证明{applicant_name}的子女就读于{f1}。" and item.fields[0]["name"] == "f1"

    # An edit: without a reason it is refused with the message, with one it is saved; the diff marks the words.
    page.goto(f"/officer/catalog/issuable/{item.pk}/edit/")
    expect(page.get_by_label("证明正文")).to_have_value("兹证明{申请人姓名}的子女就读于{学校名称}。")
    page.get_by_label("证明正文").fill("兹证明{申请人姓名}的子女现就读于{学校名称}。")
    expect(preview).to_contain_text("兹证明张三的子女现就读于育才路小学。")
    page.get_by_role("button", name="保存", exact=True).click()
    expect(page.locator("#error-summary")).to_contain_text("请写明修改原因")
    page.get_by_label("修改原因").fill("正文补充“现”字")
    page.get_by_role("button", name="保存", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("草稿已保存")

    page.goto(f"/officer/catalog/issuable/{item.pk}/history/")
    expect(page.locator("main")).to_contain_text("修改原因：正文补充“现”字")
    for width, size in WIDTHS.items():
        page.set_viewport_size(size)
        shoot(page, f"history-{width}")
    page.set_viewport_size(WIDTHS["1280"])
    page.get_by_role("link", name=re.compile("查看改动")).first.click()
    expect(page.locator(".word-diff ins").first).to_have_text("现")
    for width, size in WIDTHS.items():
        page.set_viewport_size(size)
        shoot(page, f"diff-{width}")


def test_dashboard_and_province_page_drill_down(personas, open_page, sign_in, shoot):
    page = open_page("desktop")
    sign_in(page, personas.county_officer)
    page.goto("/officer/catalog/")
    expect(page.locator("#waiting-heading")).to_be_visible()
    for width, size in WIDTHS.items():
        page.set_viewport_size(size)
        shoot(page, f"county-dashboard-{width}")

    province = open_page("desktop")
    sign_in(province, personas.provincial_officer)
    province.goto("/officer/catalog/")
    province.get_by_role("link", name="按地区汇总").click()
    expect(province.get_by_role("heading", level=1)).to_have_text("按地区汇总：陕西省")
    for width, size in WIDTHS.items():
        province.set_viewport_size(size)
        shoot(province, f"province-{width}")
    province.set_viewport_size(WIDTHS["1280"])
    province.get_by_role("link", name="西安市", exact=True).click()
    expect(province.get_by_role("heading", level=1)).to_have_text("按地区汇总：西安市")
    province.get_by_role("link", name="雁塔区", exact=True).click()
    expect(province.get_by_role("heading", level=1)).to_have_text("按地区汇总：雁塔区")
    for width, size in WIDTHS.items():
        province.set_viewport_size(size)
        shoot(province, f"county-rows-{width}")
    province.get_by_role("link", name=personas.community_x.name).click()
    expect(province.get_by_role("heading", level=1)).to_have_text(personas.community_x.name)
