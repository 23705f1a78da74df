"""Public endpoints that cost work or hand out numbers are throttled per client, and expensive PDFs cached."""

from catalog.models import NonIssuableItem
from certificates.models import RefusalNotice


def test_refusal_notices_are_throttled_per_client(client, personas, monkeypatch):
    from certificates.views import resident

    monkeypatch.setattr(resident, "REFUSAL_NOTICES_PER_HOUR", 3)
    client.force_login(personas.resident_a)  # numbered notices are for signed-in residents (and the counter)
    url = f"/requests/refuse/{personas.community_x.code}/N05/"
    for n in range(3):
        response = client.post(url, {"requesting_body": f"单位{n}"})
        assert response.status_code == 302
    response = client.post(url, {"requesting_body": "单位X"})
    assert response.status_code == 429 and "过多" in response.content.decode()
    assert RefusalNotice.objects.count() == 3


def test_the_notice_board_pdf_is_rendered_once_per_catalog_state(client, personas, monkeypatch):
    from catalog import noticeboards

    calls = []
    real = noticeboards.render_pdf
    monkeypatch.setattr(noticeboards, "render_pdf", lambda html: calls.append(1) or real(html))
    url = f"/catalog/c/{personas.community_x.code}/notice-board.pdf"
    first = client.get(url).content
    assert client.get(url).content == first and len(calls) == 1
    item = NonIssuableItem.objects.get(code="N05")
    item.alternative_channel += "（已更新）"
    item.save()
    client.get(url)
    assert len(calls) == 2  # a catalog change shows at once


def test_public_item_pages_lead_to_the_next_step(client, personas):
    code = personas.community_x.code
    page = client.get(f"/catalog/c/{code}/issuable/610113-ZM01/").content.decode()
    assert f"/requests/apply/{code}/610113-ZM01/" in page and "在线申请" in page
    page = client.get(f"/catalog/c/{code}/non-issuable/N05/").content.decode()
    assert f"/requests/refuse/{code}/N05/" in page and "不予出具告知单" in page
