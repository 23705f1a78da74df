"""The home page's list cards are links, and a non-issuable item whose exception an issuable item covers
(婚姻状况证明 → 婚姻状况证明（婚姻登记档案遗失时）) links to that item."""

from django.urls import reverse

X = "610113001001"  # 育才路, resident_a's community


def test_the_list_cards_on_the_home_page_are_links(client, personas, login):
    page = client.get("/").content.decode()
    find = reverse("catalog:community_list")
    assert f'<a class="stretched-link" href="{find}">可出具证明事项</a>' in page
    assert f'<a class="stretched-link" href="{find}">不予出具证明事项</a>' in page
    page = login(personas.resident_a).get("/").content.decode()
    mine = reverse("catalog:community_detail", args=[X])
    assert f'href="{mine}#issuable-heading">可出具证明事项</a>' in page
    assert f'href="{mine}#non-issuable-heading">不予出具证明事项</a>' in page


def test_a_non_issuable_item_links_to_the_issuable_item_covering_its_exception(client, personas):
    covering = reverse("catalog:issuable_detail", args=[X, "610113-ZM05"])
    detail = client.get(reverse("catalog:non_issuable_detail", args=[X, "N08"])).content.decode()
    assert "婚姻登记档案遗失" in detail and covering in detail
    assert "属于例外情形的，可以申请：婚姻状况证明（婚姻登记档案遗失时）" in detail
    listing = client.get(reverse("catalog:community_detail", args=[X])).content.decode()
    assert "例外情形可申请：婚姻状况证明（婚姻登记档案遗失时）" in listing and covering in listing
    # an item without such an issuable counterpart links nowhere
    other = client.get(reverse("catalog:non_issuable_detail", args=[X, "N05"])).content.decode()
    assert "可以申请：" not in other
