"""The notice board (公示栏) PDF: the community's two lists on A4, to post in a prominent place in the community."""

import subprocess

from django.urls import reverse

from catalog.views.public import NoticeBoard
from tests.tools import program


def pdf_text(data: bytes) -> str:
    """The PDF's text with all whitespace removed (table cells wrap names over several lines)."""
    result = subprocess.run([program("pdftotext"), "-", "-"], input=data, capture_output=True, check=True)
    return "".join(result.stdout.decode().split())


def pdf_pages(data: bytes) -> int:
    result = subprocess.run([program("pdfinfo"), "-"], input=data, capture_output=True, check=True, text=False)
    line = next(x for x in result.stdout.decode().splitlines() if x.startswith("Pages:"))
    return int(line.split()[1])


def test_notice_board_pdf_lists_both_catalogs(client, personas):
    response = client.get(reverse("catalog:notice_board_pdf", args=[personas.community_x.code]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "notice-board-610113001001.pdf" in response["Content-Disposition"]
    data = response.content
    assert data.startswith(b"%PDF")
    text = pdf_text(data)
    assert "证明事项清单公示" in text
    assert "陕西省西安市雁塔区小寨路街道育才路社区居民委员会" in text
    assert "可出具证明事项（7项）" in text and "不予出具证明事项（20项）" in text
    # issuable: name, basis, time limit, materials
    assert "亲属关系证明（仅限公证）" in text
    assert "《中华人民共和国公证法》第十一条等2项" in text
    assert "当场办结" in text and "5个工作日" in text
    assert "收入情况材料（可告知承诺）" in text
    assert "宅基地权属来源证明" not in text  # villagers' committees only
    # non-issuable: name and where to go
    assert "亲属关系证明" in text and "无犯罪记录证明" in text
    assert "公安机关（户籍派出所）" in text
    # footer with the community's phone
    assert "联系电话：029-85210001" in text
    assert pdf_pages(data) <= 3


def test_notice_board_of_other_county_has_no_yanta_items(client, personas):
    response = client.get(reverse("catalog:notice_board_pdf", args=[personas.community_y.code]))
    text = pdf_text(response.content)
    assert "张家堡社区居民委员会" in text
    assert "遗赠人家庭成员情况证明" not in text
    assert "本社区暂无可出具证明事项" in text
    assert "居民身份信息证明" in text


def test_notice_board_of_unknown_community_is_404(client, personas):
    assert client.get("/catalog/c/610113009999/notice-board.pdf").status_code == 404
    assert client.get(f"/catalog/c/{personas.yanta.code}/notice-board.pdf").status_code == 404


def test_notice_board_view_model_follows_the_effective_catalog(personas):
    board = NoticeBoard.build(personas.village, page_url="https://example.invalid/")
    names = [row.item.name for row in board.issuable]
    assert "宅基地权属来源证明" in names and "居（租）住证明" not in names
    assert len(board.non_issuable) == 20
    assert board.needs_confirmation_note
    first = next(row for row in board.issuable if row.item.code == "610113-ZM01")
    assert first.first_basis["title"] == "中华人民共和国公证法"
    assert first.basis_count == 2
    assert not first.needs_confirmation


def test_a_villages_notice_board_speaks_of_the_village(client, personas):
    """Issue 9: a village says 本村 and 村务公开栏 where a community says 本社区 and 公示栏."""
    village = pdf_text(client.get(reverse("catalog:notice_board_pdf", args=[personas.village.code])).content)
    assert "本村只出具下列第一部分" in village and "张贴于村务公开栏" in village
    assert "本社区" not in village
    community = pdf_text(client.get(reverse("catalog:notice_board_pdf", args=[personas.community_x.code])).content)
    assert "本社区只出具下列第一部分" in community and "张贴于公示栏" in community and "本村" not in community
