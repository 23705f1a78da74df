"""Names compared by meaning, in a real browser: a county officer who renames an abolished certificate is stopped with
the national item named; a name near one waits for the province, which approves it, and the county publishes. The
pages of the vocabulary and the public search are photographed at phone (390px) and desktop (1280px) width.

Sign-in goes through the suite's `sign_in` fixture (tests/browser/conftest.py), so a change to how officers sign in
(a second factor) is made in one place."""

import re

import pytest
from playwright.sync_api import expect

from catalog.models import IssuableItem, NameReview, Status

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

NEAR_NAME = "无犯罪记录情况说明证明"


def fill_new_item(page, *, code: str, name: str) -> None:
    page.goto("/officer/catalog/issuable/new/")
    page.get_by_label("事项编码").fill(code)
    page.get_by_label("事项名称").fill(name)
    bases = page.locator("#section-legal_bases")
    bases.get_by_label("文件名称").first.fill("某某规定")
    bases.get_by_label("制定机关").first.fill("某某部门")
    page.get_by_label("办理用途").fill("入职")
    page.locator("#section-materials").get_by_label("材料名称").first.fill("居民身份证")
    page.get_by_label("出具时限（工作日）").fill("3")
    page.get_by_label("证明正文").fill("兹证明{applicant_name}系本社区居民。\n特此证明。")


def test_a_renamed_abolished_item_is_stopped_and_a_near_name_waits_for_the_province(
    personas, open_page, sign_in, shoot
):
    county = open_page("desktop")
    sign_in(county, personas.county_officer)

    # Issue 7: 居民无犯罪记录证明, here even in traditional characters, is the national 无犯罪记录证明.
    fill_new_item(county, code="610113-ZM91", name="居民無犯罪記錄證明")
    county.get_by_role("button", name="保存为草稿").click()
    name_field = county.get_by_label("事项名称")
    expect(name_field).to_have_attribute("aria-invalid", "true")
    error = county.locator("#section-basic, form").get_by_text(re.compile("就是全国的不予出具证明事项"))
    expect(error.first).to_contain_text("“无犯罪记录证明”（N05）")
    expect(error.first).to_contain_text("公安机关")
    expect(name_field).to_have_value("居民無犯罪記錄證明")  # nothing typed is lost
    shoot(county, "renamed-abolished-item-stopped")
    assert not IssuableItem.objects.filter(code="610113-ZM91").exists()

    # A name near it: saved as a draft, publishing waits for the province.
    name_field.fill(NEAR_NAME)
    county.get_by_role("button", name="保存为草稿").click()
    expect(county.get_by_role("alert")).to_contain_text("草稿已保存")
    county.get_by_role("button", name="发布", exact=True).click()
    expect(county.get_by_role("alert")).to_contain_text("须经省级民政部门审核")
    expect(county.get_by_role("alert")).to_contain_text("无犯罪记录证明")
    county.get_by_label("提请说明").fill("依据某某规定，仅说明居民在本社区期间的表现，不涉及犯罪记录查询")
    county.get_by_role("button", name="提请省级审核").click()
    expect(county.get_by_role("alert")).to_contain_text("已提请省级民政部门审核")
    expect(county.get_by_role("status")).to_contain_text("等待省级审核")
    shoot(county, "near-name-waits-for-province")
    county.goto("/officer/catalog/")
    expect(county.locator("section[aria-labelledby=waiting-heading]").get_by_text(NEAR_NAME)).to_be_visible()

    # The province approves, on a phone.
    province = open_page("phone")
    sign_in(province, personas.provincial_officer)
    province.goto("/officer/catalog/reviews/")
    entry = province.locator("section[aria-labelledby=pending-heading] li", has_text=NEAR_NAME)
    expect(entry).to_contain_text("相似度")
    expect(entry).to_contain_text("不涉及犯罪记录查询")
    entry.get_by_label("同意发布", exact=True).check()
    entry.get_by_label("理由").fill("表现情况，非无犯罪记录证明")
    shoot(province, "province-review-queue")
    entry.get_by_role("button", name=re.compile("提交审核意见")).click()
    expect(province.get_by_role("alert")).to_contain_text(f"已同意发布“{NEAR_NAME}”")
    assert NameReview.objects.get().decided_by == personas.provincial_officer

    # The county publishes.
    item = IssuableItem.objects.get(code="610113-ZM91")
    county.goto(f"/officer/catalog/issuable/{item.pk}/")
    expect(county.get_by_role("status")).to_contain_text("省级同意发布")
    county.get_by_role("button", name="发布", exact=True).click()
    expect(county.get_by_role("alert")).to_contain_text("已发布")
    shoot(county, "approved-and-published")
    item.refresh_from_db()
    assert item.status == Status.PUBLISHED


def test_vocabulary_pages_and_public_search_at_phone_and_desktop_width(personas, open_page, sign_in, shoot):
    """Screenshots for people to look at; each page is also checked for its heading."""
    from catalog.models import CertificateConcept

    concept = CertificateConcept.objects.get(name="健在")
    pages = {
        "province": [
            ("/officer/catalog/concepts/", "证明概念和同义词"),
            (f"/officer/catalog/concepts/{concept.pk}/", "健在"),
            ("/officer/catalog/liability-phrases/", "责任用语"),
            ("/officer/catalog/reviews/", "省级审核：名称相近的事项"),
        ],
        "county": [("/officer/catalog/", "清单维护")],
        "public": [
            ("/catalog/c/610113001001/?q=在世", "育才路社区居民委员会"),
            ("/catalog/c/610113001001/?q=租房", "育才路社区居民委员会"),
        ],
    }
    for who, user in (("province", personas.provincial_officer), ("county", personas.county_officer), ("public", None)):
        page = open_page("desktop")
        if user is not None:
            sign_in(page, user)
        for address, heading in pages[who]:
            page.goto(address)
            expect(page.get_by_role("heading", level=1)).to_contain_text(heading)
            slug = re.sub(r"\W+", "-", address.strip("/").split("?")[-1])[-20:] or "home"
            for width in (390, 1280):
                page.set_viewport_size({"width": width, "height": 900})
                shoot(page, f"{who}-{slug}-{width}")
    public = open_page("phone")
    public.goto("/catalog/c/610113001001/?q=在世")
    refused = public.locator("section[aria-labelledby=non-issuable-heading] li")
    expect(refused).to_have_count(1)
    expect(refused).to_contain_text("健在证明")
    expect(refused).to_contain_text("社会保险经办机构")
    public.goto("/catalog/c/610113001001/?q=租房")
    expect(public.locator("section[aria-labelledby=issuable-heading] li")).to_contain_text("居（租）住证明")
