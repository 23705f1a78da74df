"""Catalog journeys in a real browser: a resident finds what her community issues and where to go for what it does
not; a county officer adds an item that the community's public page then lists."""

import re

import pytest
from playwright.sync_api import expect

from catalog.models import IssuableItem, Status

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

COMMUNITY = "育才路社区居民委员会"


def test_anonymous_phone_finds_the_community_an_issuable_item_and_where_to_go_instead(personas, open_page, shoot):
    page = open_page("phone")

    # The list of communities, searched by name.
    page.goto("/catalog/")
    expect(page.get_by_role("heading", level=1)).to_have_text("查找社区（村）的证明事项清单")
    page.get_by_label("社区（村）、街道或证明名称").fill("育才路")
    page.get_by_role("button", name="查找").click()
    expect(page.get_by_role("status")).to_contain_text("共 1 个社区（村）")
    cards = page.locator("a.community-card")
    expect(cards).to_have_count(1)
    expect(cards).to_contain_text(COMMUNITY)
    expect(cards).to_contain_text("029-85210001")
    shoot(page, "community-search")

    # The community's page, its list searched for 犯罪.
    cards.click()
    expect(page).to_have_url(re.compile(r"/catalog/c/610113001001/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(COMMUNITY)
    page.get_by_label("搜索证明事项").fill("犯罪")
    page.get_by_role("button", name="搜索", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("“犯罪”的搜索结果：可出具 0 项，不予出具 1 项。")
    refused = page.locator("section[aria-labelledby=non-issuable-heading] li")
    expect(refused).to_have_count(1)
    expect(refused).to_contain_text("无犯罪记录证明")
    expect(refused).to_contain_text("请到：公安机关")
    expect(page.locator("section[aria-labelledby=issuable-heading]")).to_contain_text(
        "没有符合搜索条件的可出具证明事项"
    )
    shoot(page, "community-search-crime")

    # Back to the whole list, then an issuable item: its basis, materials and the form sample.
    page.get_by_role("link", name="清除搜索").click()
    issuable = page.locator("section[aria-labelledby=issuable-heading] li")
    expect(issuable.filter(has_text="居（租）住证明")).to_have_count(1)
    expect(issuable.filter(has_text="宅基地权属来源证明")).to_have_count(0)  # for villagers' committees only
    issuable.filter(has_text="亲属关系证明（仅限公证）").get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("亲属关系证明（仅限公证）")
    expect(page.get_by_text(f"{COMMUNITY}可以出具此证明。")).to_be_visible()
    bases = page.locator("section[aria-labelledby=bases-heading]")
    expect(bases).to_contain_text("《中华人民共和国公证法》")
    expect(bases).to_contain_text("第十一条")
    materials = page.locator("section[aria-labelledby=materials-heading] li")
    expect(materials).to_have_count(3)
    expect(materials.nth(0)).to_contain_text("当事人居民身份证")
    expect(materials.nth(0)).to_contain_text("必需")
    expect(materials.nth(1)).to_contain_text("当事人户口簿")
    expect(materials.nth(2)).to_contain_text("公证机构出具的核实函")
    expect(materials.nth(2)).to_contain_text("可选")
    sample = page.locator("section[aria-labelledby=sample-heading] .form-sample")
    expect(sample.get_by_text("式样", exact=True)).to_be_visible()
    expect(sample).to_contain_text("特此证明。")
    expect(sample).to_contain_text("亲属关系公证")
    expect(sample).not_to_contain_text("{")  # every placeholder is filled with an example
    expect(page.get_by_role("link", name="在线申请")).to_have_attribute(
        "href", "/requests/apply/610113001001/610113-ZM01/"
    )
    shoot(page, "issuable-item")

    # A non-issuable item: the community does not issue it, and says where to go.
    page.get_by_role("link", name=f"返回{COMMUNITY}证明事项清单").click()
    page.locator("section[aria-labelledby=non-issuable-heading]").get_by_role("link", name="无犯罪记录证明").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("无犯罪记录证明")
    expect(page.get_by_role("note")).to_contain_text(f"{COMMUNITY}不出具此证明。")
    where = page.locator("section[aria-labelledby=where-heading]")
    expect(where.get_by_role("heading")).to_have_text("请到这里办理")
    expect(where.locator("dd").first).to_contain_text("公安机关")
    expect(where).to_contain_text("向公安机关申请，由其查询犯罪记录后出具")
    # An anonymous visitor prints the unnumbered guide; numbered notices are for signed-in residents.
    guide = page.get_by_role("link", name="打印办理指引（不编号）")
    expect(guide).to_be_visible()
    shoot(page, "non-issuable-item")
    guide.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("不予出具证明办理指引")
    expect(page.locator("article")).to_contain_text("公安机关")
    expect(page.locator("article")).not_to_contain_text("第1号")
    shoot(page, "refusal-guide")


def test_county_officer_publishes_a_new_item_and_the_community_page_lists_it(personas, open_page, sign_in, shoot):
    code, name = "610113-ZM90", "浏览器测试居住情况证明"
    page = open_page("desktop")
    sign_in(page, personas.county_officer)

    page.goto("/officer/catalog/issuable/new/")
    expect(page.get_by_role("heading", level=1)).to_have_text("新建可出具证明事项")
    page.get_by_label("事项编码").fill(code)
    page.get_by_label("事项名称").fill(name)
    expect(page.get_by_label("制定地方")).to_have_value(str(personas.yanta.pk))  # the officer's only place
    bases = page.locator("#section-legal_bases")
    bases.get_by_label("文件名称").first.fill("居住证暂行条例")
    bases.get_by_label("制定机关").first.fill("国务院")
    bases.get_by_label("条款").first.fill("第九条")
    page.get_by_label("办理用途").fill("办理居住证")
    materials = page.locator("#section-materials")
    materials.get_by_label("材料名称").first.fill("居民身份证")
    page.get_by_label("出具时限（工作日）").fill("3")
    page.get_by_label("证明正文").fill("兹证明{applicant_name}居住在{community_name}辖区。\n特此证明。")
    shoot(page, "officer-new-item-form")
    page.get_by_role("button", name="保存为草稿").click()

    expect(page.get_by_role("alert")).to_contain_text("草稿已保存")
    expect(page.get_by_role("heading", level=1)).to_contain_text(name)
    expect(page.get_by_role("heading", level=1)).to_contain_text("草稿")
    expect(page.locator("dl.guide")).to_contain_text("居住证暂行条例（国务院；第九条）")
    expect(page.locator("dl.guide")).to_contain_text("居民身份证（必需）")
    # The officer's sample fills the placeholders with example values.
    expect(page.locator(".form-sample")).to_contain_text("兹证明张三居住在示例社区居民委员会辖区。")
    item = IssuableItem.objects.get(code=code)
    assert item.status == Status.DRAFT and item.region == personas.yanta
    shoot(page, "officer-draft")

    # Not public while a draft.
    visitor = open_page("desktop")
    visitor.goto("/catalog/c/610113001001/")
    expect(visitor.get_by_role("heading", level=1)).to_have_text(COMMUNITY)
    expect(visitor.get_by_text(name)).to_have_count(0)

    page.get_by_role("button", name="发布", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("已发布")
    expect(page.get_by_role("heading", level=1)).to_contain_text("已发布")
    shoot(page, "officer-published")
    item.refresh_from_db()
    assert item.status == Status.PUBLISHED

    visitor.reload()
    listed = visitor.locator("section[aria-labelledby=issuable-heading] li", has_text=name)
    expect(listed).to_have_count(1)
    expect(listed).to_contain_text("3个工作日")
    shoot(visitor, "community-lists-new-item")
    listed.get_by_role("link").click()
    expect(visitor.get_by_role("heading", level=1)).to_have_text(name)
    expect(visitor.locator("section[aria-labelledby=bases-heading]")).to_contain_text("《居住证暂行条例》")
    expect(visitor.locator("section[aria-labelledby=materials-heading]")).to_contain_text("居民身份证")
    shoot(visitor, "new-item-public-page")
