"""The notice board (公示栏) PDF: the community's two lists on A4, to post in a prominent place in the community."""

import datetime as dt
import re
import subprocess

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from catalog.views.public import NoticeBoard
from tests.factories import IssuableItemFactory
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


# --- issue 14: readable on a wall, a way online, whom to call, who posted it and when -------------------------------


def text_sizes(data: bytes) -> set[float]:
    """The size, in points, of every run of text shown on every page: the font size times the scale of the
    text and graphics matrices in force (WeasyPrint draws in CSS pixels under a 0.75 `cm`)."""
    import io

    import pikepdf

    sizes: set[float] = set()
    with pikepdf.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            ctm, stack, tm_scale, font = 1.0, [], 1.0, 0.0
            for operands, operator in pikepdf.parse_content_stream(page):
                op = str(operator)
                if op == "q":
                    stack.append(ctm)
                elif op == "Q":
                    ctm = stack.pop()
                elif op == "cm":
                    ctm *= abs(float(operands[3]))
                elif op == "Tm":
                    tm_scale = abs(float(operands[3]))
                elif op == "Tf":
                    font = float(operands[1])
                elif op in ("TJ", "Tj", "'", '"'):
                    sizes.add(round(font * tm_scale * ctm, 2))
    return sizes


@pytest.fixture
def board(client, personas):
    personas.yanta.supervision_phone = "029-85361234"
    personas.yanta.save()
    response = client.get(reverse("catalog:notice_board_pdf", args=[personas.community_x.code]))
    return response.content


def test_no_text_on_the_notice_board_is_smaller_than_11pt(board):
    sizes = text_sizes(board)
    assert sizes and min(sizes) >= 11, sorted(sizes)
    assert pdf_pages(board) <= 3


def test_the_notice_board_has_a_qr_code_to_the_online_list(personas):
    html = render_to_string(
        "pdf/notice_board.html",
        {"board": NoticeBoard.build(personas.community_x, page_url="https://portal.example/catalog/c/610113001001/")},
    )
    qr = re.search(r'<img src="data:image/svg\+xml;base64,([^"]+)" alt="网上清单二维码">', html)
    assert qr is not None
    assert "扫码查看网上清单、办事指南和证明式样" in html


def test_the_qr_code_encodes_the_communitys_page(personas, monkeypatch):
    import segno

    encoded = []
    real_make = segno.make
    monkeypatch.setattr(segno, "make", lambda content, **kw: encoded.append(content) or real_make(content, **kw))
    NoticeBoard.build(personas.community_x, page_url="https://portal.example/catalog/c/610113001001/")
    assert encoded == ["https://portal.example/catalog/c/610113001001/"]


def test_the_notice_board_ends_with_the_supervision_phone_the_committee_and_the_date(board):
    text = pdf_text(board)
    assert "监督电话：029-85361234" in text
    today = timezone.localdate()
    committee = "扫码查看网上清单、办事指南和证明式样雁塔区小寨路街道育才路社区居民委员会"
    assert text.index("监督电话") < text.index(committee)
    # the date in Chinese form twice: 公示日期 at the top, and under the committee's name (the page footer comes
    # between them in the text's reading order)
    assert text.count(f"{today.year}年{today.month}月{today.day}日") == 2


def test_a_village_board_is_closed_by_the_villagers_committee(client, personas):
    text = pdf_text(client.get(reverse("catalog:notice_board_pdf", args=[personas.village.code])).content)
    assert "村民委员会" in text and "监督电话" not in text  # no phone set for the county: no empty line


def test_a_future_dated_item_is_announced_with_its_date_not_as_in_force(client, personas):
    starts = timezone.localdate() + dt.timedelta(days=20)
    IssuableItemFactory(region=personas.yanta, published=True, name="明年施行的测试证明", effective_from=starts)
    text = pdf_text(client.get(reverse("catalog:notice_board_pdf", args=[personas.community_x.code])).content)
    assert "三、即将施行的事项（1项）" in text
    assert f"自{starts.year}年{starts.month}月{starts.day}日起施行" in text
    assert "可出具证明事项（7项）" in text  # not counted among the items in force
