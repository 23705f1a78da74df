"""The seal pages through HTTP: who sees a community's seals and ledger, registering, handing over and retiring,
the county's impression upload (content-checked), non-certificate seal use, and the ledger export."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook
from PIL import Image

from portal.roles import Role
from seals import services
from seals.models import Seal, SealStatus, SealUse, SealUseRequest, UseRequestStatus
from tests.factories import UserFactory, member

X = "610113001001"  # 育才路 (雁塔区)

GOOD_SVG = """<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 100 100">
  <defs><path id="arc" d="M10 50 A40 40 0 0 1 90 50"/></defs>
  <circle cx="50" cy="50" r="45" fill="none" stroke="#d0021b" stroke-width="4" style="opacity:.9"/>
  <text font-size="10"><textPath xlink:href="#arc">育才路社区居民委员会</textPath></text>
</svg>""".encode()


@pytest.fixture
def seal(personas) -> Seal:
    return services.seal_register(
        community=personas.community_x,
        name="育才路社区居民委员会证明专用章",
        kind="certificate",
        keeper=personas.keeper,
        actor=personas.director,
        is_specimen=True,
    )


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (40, 40), (208, 2, 27, 255)).save(out, "PNG")
    return out.getvalue()


def upload(name: str, data: bytes, content_type: str = "image/svg+xml") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def seal_urls(seal):
    return [
        reverse("seals:seal_list", args=[X]),
        reverse("seals:seal_detail", args=[X, seal.pk]),
        reverse("seals:impression", args=[X, seal.pk]),
        reverse("seals:ledger", args=[X]),
        reverse("seals:ledger_export", args=[X, "csv"]),
    ]


# --- who sees what -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "persona, expected",
    [
        ("staff_x", 200),
        ("director", 200),
        ("keeper", 200),
        ("county_officer", 200),
        ("provincial_officer", 200),
        ("staff_y", 404),
        ("resident_a", 404),
        ("other_county_officer", 404),
    ],
)
def test_seal_pages_are_for_the_communitys_workers_and_supervisors(personas, login, seal, persona, expected):
    client = login(personas.by_name(persona))
    for url in seal_urls(seal):
        assert client.get(url).status_code == expected, url


def test_anonymous_is_sent_to_login(personas, login, seal):
    response = login(None).get(reverse("seals:seal_list", args=[X]))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_an_unknown_community_or_a_seal_of_another_community_is_404(personas, login, seal):
    client = login(personas.staff_y)
    assert client.get(reverse("seals:seal_list", args=["610113999999"])).status_code == 404
    keeper_y = UserFactory(username="keeper_y")
    member(keeper_y, Role.KEEPER, personas.community_y)
    other = services.seal_register(
        community=personas.community_y,
        name="张家堡社区居民委员会证明专用章",
        kind="certificate",
        keeper=keeper_y,
        actor=personas.other_county_officer,
    )
    assert client.get(reverse("seals:seal_detail", args=[personas.community_y.code, other.pk])).status_code == 200
    assert client.get(reverse("seals:seal_detail", args=[X, other.pk])).status_code == 404


def test_the_list_shows_status_keeper_and_specimen_with_a_guarded_thumbnail(personas, login, seal):
    page = login(personas.staff_x).get(reverse("seals:seal_list", args=[X])).content.decode()
    assert seal.name in page and "在用" in page and "样章" in page and personas.keeper.display_name in page
    assert reverse("seals:impression", args=[X, seal.pk]) in page
    assert "/media/" not in page
    assert "登记新印章" not in page  # staff do not register seals
    assert "登记新印章" in login(personas.director).get(reverse("seals:seal_list", args=[X])).content.decode()


def test_the_impression_is_served_as_an_inert_svg(personas, login, seal):
    response = login(personas.keeper).get(reverse("seals:impression", args=[X, seal.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    policy = dict(part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";"))
    assert policy == {"default-src": "'none'", "style-src": "'unsafe-inline'", "frame-ancestors": "'none'"}
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response.content.lstrip().startswith(b"<svg")  # the specimen drawing: no public media URL involved


# --- registering, handing over, retiring --------------------------------------------------------------------------


def test_the_director_registers_a_seal_as_a_specimen_and_staff_may_not(personas, login):
    url = reverse("seals:seal_new", args=[X])
    assert login(personas.staff_x).get(url).status_code == 403
    assert login(personas.resident_a).get(url).status_code == 404
    client = login(personas.director)
    refused = client.post(url, {"name": "育才路社区居民委员会", "kind": "official", "keeper": personas.staff_x.pk})
    assert refused.status_code == 400 and "育才路社区居民委员会" in refused.content.decode()  # input kept
    assert not Seal.objects.exists()
    response = client.post(url, {"name": "育才路社区居民委员会", "kind": "official", "keeper": personas.keeper.pk})
    seal = Seal.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("seals:seal_detail", args=[X, seal.pk])
    assert seal.is_specimen and seal.keeper == personas.keeper
    assert seal.history.get().history_user == personas.director


def test_the_county_officer_of_the_county_may_register(personas, login):
    response = login(personas.county_officer).post(
        reverse("seals:seal_new", args=[X]),
        {"name": "育才路社区居民委员会", "kind": "official", "keeper": personas.keeper.pk},
    )
    assert response.status_code == 302 and Seal.objects.count() == 1


def test_handover_and_the_history_shows_who_changed_what(personas, login, seal):
    new_keeper = UserFactory(username="keeper2", real_name="赵保管")
    member(new_keeper, Role.KEEPER, personas.community_x)
    url = reverse("seals:handover", args=[X, seal.pk])
    assert login(personas.keeper).post(url, {"to_keeper": new_keeper.pk}).status_code == 403
    client = login(personas.director)
    assert client.post(url, {"to_keeper": personas.staff_x.pk, "note": "调岗"}).status_code == 400
    response = client.post(url, {"to_keeper": new_keeper.pk, "note": "岗位调整"})
    assert response.status_code == 302
    seal.refresh_from_db()
    assert seal.keeper == new_keeper
    page = client.get(reverse("seals:seal_detail", args=[X, seal.pk])).content.decode()
    assert "交接记录" in page and "岗位调整" in page and "赵保管" in page and "保管人" in page
    assert personas.director.display_name in page


def test_retire_needs_a_reason_keeps_the_input_and_is_final(personas, login, seal):
    url = reverse("seals:status", args=[X, seal.pk])
    client = login(personas.director)
    response = client.post(url, {"status": "retired", "on": "2024-01-01", "reason": ""})
    assert response.status_code == 400 and "2024-01-01" in response.content.decode()
    response = client.post(url, {"status": "lost", "on": "2024-01-01", "reason": "印章遗失，已登报声明"})
    assert response.status_code == 302
    seal.refresh_from_db()
    assert seal.status == SealStatus.LOST and str(seal.status_changed_on) == "2024-01-01"
    page = client.get(reverse("seals:seal_detail", args=[X, seal.pk])).content.decode()
    assert "印章遗失，已登报声明" in page and "停用或登记遗失" not in page


# --- impression upload ---------------------------------------------------------------------------------------------


def test_only_a_county_officer_uploads_the_real_impression(personas, login, seal):
    url = reverse("seals:impression_upload", args=[X, seal.pk])
    data = {"file": upload("seal.svg", GOOD_SVG), "confirm": "on"}
    assert login(personas.director).post(url, data).status_code == 403
    assert (
        login(personas.provincial_officer).post(url, {"file": upload("s.svg", GOOD_SVG), "confirm": "on"}).status_code
        == 403
    )
    assert (
        login(personas.other_county_officer).post(url, {"file": upload("s.svg", GOOD_SVG), "confirm": "on"}).status_code
        == 404
    )
    seal.refresh_from_db()
    assert seal.is_specimen and not seal.impression

    client = login(personas.county_officer)
    assert "上传印模图像" in client.get(reverse("seals:seal_detail", args=[X, seal.pk])).content.decode()
    response = client.post(url, {"file": upload("seal.svg", GOOD_SVG), "confirm": "on"})
    assert response.status_code == 302
    seal.refresh_from_db()
    assert not seal.is_specimen and seal.impression.name.endswith(".svg")
    record = seal.history.first()
    assert record.history_user == personas.county_officer and "印模" in record.history_change_reason
    served = login(personas.staff_x).get(reverse("seals:impression", args=[X, seal.pk]))
    # what is stored and served is the SVG rebuilt from its allowed parts (seals/svg.py), not the bytes as sent
    assert served["Content-Type"] == "image/svg+xml" and served.content.startswith(b"<svg")
    assert b'<textPath xlink:href="#arc">' in served.content and "育才路社区居民委员会".encode() in served.content


def test_a_png_impression_is_accepted_and_served_as_png(personas, login, seal):
    client = login(personas.county_officer)
    response = client.post(
        reverse("seals:impression_upload", args=[X, seal.pk]),
        {"file": upload("seal.png", png_bytes(), "image/png"), "confirm": "on"},
    )
    assert response.status_code == 302
    served = client.get(reverse("seals:impression", args=[X, seal.pk]))
    assert served["Content-Type"] == "image/png" and served.content.startswith(b"\x89PNG")


@pytest.mark.parametrize(
    "name, data, message",
    [
        ("evil.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "脚本"),
        ("evil.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><circle r="4"/></svg>', "onload"),
        (
            "evil.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
            b'<image xlink:href="https://evil.example/x.png"/></svg>',
            "外部",
        ),
        ("evil.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><foreignObject><p>x</p></foreignObject></svg>', "嵌入"),
        (
            "evil.svg",
            b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]><svg>&x;</svg>',
            "DOCTYPE",
        ),
        ("broken.svg", b"<svg><circle></svg>", "XML"),
        ("html.svg", b"<html><body>x</body></html>", "SVG"),
        ("fake.png", b"\x89PNG\r\n\x1a\nnot really a png", "PNG"),
        ("seal.gif", b"GIF89a......", "SVG 或 PNG"),
        ("big.svg", b"<svg>" + b" " * (1024 * 1024) + b"</svg>", "1MB"),
    ],
)
def test_bad_impressions_are_refused_with_a_reason(personas, login, seal, name, data, message):
    response = login(personas.county_officer).post(
        reverse("seals:impression_upload", args=[X, seal.pk]), {"file": upload(name, data), "confirm": "on"}
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    seal.refresh_from_db()
    assert seal.is_specimen and not seal.impression


def test_the_upload_must_be_confirmed(personas, login, seal):
    response = login(personas.county_officer).post(
        reverse("seals:impression_upload", args=[X, seal.pk]), {"file": upload("seal.svg", GOOD_SVG)}
    )
    assert response.status_code == 400
    seal.refresh_from_db()
    assert seal.is_specimen


# --- non-certificate seal use through HTTP ---------------------------------------------------------------------------


def ask(client, seal, title="关于社区养老服务站的申请报告"):
    return client.post(
        reverse("seals:use_request_new", args=[X]),
        {"seal": seal.pk, "document_title": title, "reason": "报送街道办事处", "copies": 3},
    )


def test_use_request_asked_approved_and_applied_makes_a_ledger_row(personas, login, seal):
    assert login(personas.resident_a).get(reverse("seals:use_request_new", args=[X])).status_code == 404
    assert login(personas.county_officer).get(reverse("seals:use_request_new", args=[X])).status_code == 403
    assert ask(login(personas.staff_x), seal).status_code == 302
    use_request = SealUseRequest.objects.get()

    keeper = login(personas.keeper)
    response = keeper.post(reverse("seals:use_request_apply", args=[X, use_request.pk]), follow=True)
    assert "未经批准" in response.content.decode()
    assert not SealUse.objects.exists()

    decide = reverse("seals:use_request_decide", args=[X, use_request.pk])
    prefix = f"decide-{use_request.pk}"
    assert login(personas.staff_x).post(decide, {f"{prefix}-decision": "approve"}).status_code == 403
    director = login(personas.director)
    page = director.get(reverse("seals:ledger", args=[X])).content.decode()
    assert "提交决定" in page and "关于社区养老服务站的申请报告" in page
    assert director.post(decide, {f"{prefix}-decision": "approve", f"{prefix}-note": "同意"}).status_code == 302
    use_request.refresh_from_db()
    assert use_request.status == UseRequestStatus.APPROVED

    keeper = login(personas.keeper)
    page = keeper.get(reverse("seals:ledger", args=[X])).content.decode()
    assert "确认已用印（3份）并登记" in page
    response = keeper.post(reverse("seals:use_request_apply", args=[X, use_request.pk]), follow=True)
    assert "已用印并登记" in response.content.decode()
    use = SealUse.objects.get()
    assert (use.approved_by, use.applied_by, use.copies) == (personas.director, personas.keeper, 3)
    page = keeper.get(reverse("seals:ledger", args=[X])).content.decode()
    assert "关于社区养老服务站的申请报告" in page and "没有待处理的用印申请" in page


def test_refusing_needs_a_reason_and_keeps_the_input(personas, login, seal):
    ask(login(personas.staff_x), seal)
    use_request = SealUseRequest.objects.get()
    prefix = f"decide-{use_request.pk}"
    response = login(personas.director).post(
        reverse("seals:use_request_decide", args=[X, use_request.pk]),
        {f"{prefix}-decision": "refuse", f"{prefix}-note": ""},
    )
    assert response.status_code == 400 and "请写明理由" in response.content.decode()
    use_request.refresh_from_db()
    assert use_request.status == UseRequestStatus.PENDING


def test_the_keeper_who_approved_sees_the_separation_message_and_cannot_apply(personas, login, seal):
    member(personas.director, Role.KEEPER, personas.community_x)
    services.seal_handover(seal=seal, to_keeper=personas.director, actor=personas.county_officer)
    ask(login(personas.staff_x), seal)
    use_request = SealUseRequest.objects.get()
    prefix = f"decide-{use_request.pk}"
    client = login(personas.director)
    client.post(reverse("seals:use_request_decide", args=[X, use_request.pk]), {f"{prefix}-decision": "approve"})
    page = client.get(reverse("seals:ledger", args=[X])).content.decode()
    assert "审批人与保管人不得为同一人" in page and "确认已用印" not in page
    response = client.post(reverse("seals:use_request_apply", args=[X, use_request.pk]), follow=True)
    assert "审批人与保管人不得为同一人" in response.content.decode()
    assert not SealUse.objects.exists()


# --- the ledger and its export ---------------------------------------------------------------------------------------


def test_ledger_export_escapes_formulas_and_opens_as_xlsx(personas, login, seal):
    use_request = services.use_request_create(
        seal=seal, actor=personas.staff_x, document_title="=cmd|' /C calc'!A0", reason="测试"
    )
    services.use_request_decide(use_request=use_request, actor=personas.director, approve=True)
    services.use_request_apply(use_request=use_request, actor=personas.keeper)
    client = login(personas.county_officer)

    csv_response = client.get(reverse("seals:ledger_export", args=[X, "csv"]))
    assert csv_response.status_code == 200 and csv_response["Content-Type"].startswith("text/csv")
    text = csv_response.content.decode("utf-8-sig")
    assert "'=cmd" in text and ",=cmd" not in text
    assert "attachment" in csv_response["Content-Disposition"]

    xlsx_response = client.get(reverse("seals:ledger_export", args=[X, "xlsx"]))
    sheet = load_workbook(io.BytesIO(xlsx_response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "用印时间" and len(rows) == 2
    assert rows[1][3] == "'=cmd|' /C calc'!A0" and rows[1][4] == personas.director.display_name


def test_ledger_filters_by_seal_and_a_bad_filter_is_not_an_error(personas, login, seal):
    client = login(personas.keeper)
    assert client.get(reverse("seals:ledger", args=[X]), {"year": "abc", "seal": "x"}).status_code == 200
    assert client.get(reverse("seals:ledger", args=[X]), {"seal": seal.pk}).status_code == 200
    assert client.get(reverse("seals:ledger_export", args=[X, "xlsx"]), {"year": "1900"}).status_code == 200


def test_the_seal_index_leads_to_the_right_communities(personas, login, seal):
    response = login(personas.keeper).get(reverse("seals:index"))
    assert response.status_code == 302 and response["Location"] == reverse("seals:seal_list", args=[X])
    page = login(personas.county_officer).get(reverse("seals:index")).content.decode()
    assert "育才路社区居民委员会" in page and "张家堡社区居民委员会" not in page and "在用印章 1 枚" in page
    assert login(personas.resident_a).get(reverse("seals:index")).status_code == 403
