"""The oversight area (督导统计): every figure against a hand-counted fixture, who sees which place, the downloads,
and a query count that does not grow with the number of communities.

The fixture (today is 2026-06-15; 雁塔区 610113 holds street 小寨路 with communities X, B and a village; 未央区
610112 holds street 张家堡 with community Y):

    r1 X  亲属关系 submitted            online   accepted 06-01 due 06-05   open, overdue
    r2 X  亲属关系 awaiting_supplement  counter  accepted 05-20 due 06-01   open, clock paused: not overdue
    r3 X  亲属关系 issued               online   accepted 03-02 signed 03-04 due 03-06  2 workdays, on time;
                                                 post-check done (commitment false); revoked
    r4 X  亲属关系 signed               counter  accepted 03-02 signed 03-13 due 03-06  9 workdays, late;
                                                 post-check due
    r5 X  亲属关系 draft                                                    never counted
    r6 X  清单外 养犬情况证明 rejected    online   accepted 05-10   county refused
    r7 V  亲属关系 withdrawn            online   accepted 05-10
    r8 Y  清单外 养犬情况证明 submitted   online   accepted 05-25 due 06-01   open, overdue, awaiting county review
    seal uses for other documents: one in X, one in Y; refusal notices 2026: two in X (某银行), one in Y (某派出所)
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from catalog.models import IssuableItem, NonIssuableItem
from certificates import oversight, selectors
from certificates.models import (
    CertificateRevocation,
    Channel,
    IssuedCertificate,
    PostCheck,
    PostCheckResult,
    RefusalNotice,
    RegisterEntry,
    Status,
)
from portal.models import Region
from portal.regions import CommunityKind, Level
from portal.roles import Role
from seals.models import DocumentKind, Seal, SealUse, SealUseRequest
from tests.factories import UserFactory, make_request, member, region

TODAY = dt.date(2026, 6, 15)
KIN = "亲属关系证明（仅限公证）"  # 610113-ZM01: the resolver gives it no concept, so it counts under its name
DOG = "清单外：养犬情况证明"


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def _seal_use_other(community, keeper, approver, title: str) -> SealUse:
    seal = Seal.objects.create(community=community, name="公章", keeper=keeper, is_specimen=True)
    use_request = SealUseRequest.objects.create(
        community=community, seal=seal, document_title=title, reason="开会通知", requested_by=approver
    )
    return SealUse.objects.create(
        seal=seal,
        document_kind=DocumentKind.OTHER,
        document_title=title,
        use_request=use_request,
        approved_by=approver,
        applied_by=keeper,
    )


def _revoke(request, personas) -> None:
    seal = Seal.objects.create(community=request.community, name="证明专用章", keeper=personas.keeper, is_specimen=True)
    entry = RegisterEntry.objects.create(
        community=request.community,
        year=2026,
        number=1,
        display_number="2026-0001",
        request=request,
        registered_at=_at(dt.date(2026, 3, 4)),
        applicant_name=request.applicant_name,
        applicant_id_number=request.applicant_id_number,
        matter_name="亲属关系证明（仅限公证）",
        purpose=request.purpose,
        requesting_body=request.requesting_body,
        verifier=personas.staff_x,
        signer=personas.director,
    )
    use = SealUse.objects.create(
        seal=seal,
        document_kind=DocumentKind.CERTIFICATE,
        document_title="亲属关系证明",
        register_entry=entry,
        approved_by=personas.director,
        applied_by=personas.keeper,
    )
    certificate = IssuedCertificate.objects.create(
        entry=entry,
        code="TEST-REVOKED-1",
        pdf="certificates/x.pdf",
        sha256="0" * 64,
        size=1,
        issued_at=_at(dt.date(2026, 3, 5)),
        issued_by=personas.keeper,
        seal_use=use,
    )
    CertificateRevocation.objects.create(certificate=certificate, reason="承诺不实", revoked_by=personas.director)


@pytest.fixture
def counted(personas):
    x, y, village = personas.community_x, personas.community_y, personas.village
    zm01 = IssuableItem.objects.get(code="610113-ZM01")
    common = {"item": zm01, "applicant": personas.resident_a}

    def req(community, status, **extra):
        return make_request(community=community, status=status, **{**common, **extra})

    req(x, Status.SUBMITTED, accepted_on=dt.date(2026, 6, 1), due_date=dt.date(2026, 6, 5))
    req(
        x,
        Status.AWAITING_SUPPLEMENT,
        channel=Channel.COUNTER,
        accepted_on=dt.date(2026, 5, 20),
        due_date=dt.date(2026, 6, 1),
    )
    r3 = req(
        x,
        Status.ISSUED,
        accepted_on=dt.date(2026, 3, 2),
        signed_at=_at(dt.date(2026, 3, 4)),
        due_date=dt.date(2026, 3, 6),
        post_check_required=True,
    )
    PostCheck.objects.create(
        request=r3, result=PostCheckResult.FALSE, method="document_check", note="户籍不符", checked_by=personas.staff_x
    )
    _revoke(r3, personas)
    req(
        x,
        Status.SIGNED,
        channel=Channel.COUNTER,
        accepted_on=dt.date(2026, 3, 2),
        signed_at=_at(dt.date(2026, 3, 13)),
        due_date=dt.date(2026, 3, 6),
        post_check_required=True,
    )
    req(x, Status.DRAFT)
    dog = {"item": None, "exceptional": True, "exceptional_name": "养犬情况证明", "county_review_required": True}
    req(
        x,
        Status.REJECTED,
        accepted_on=dt.date(2026, 5, 10),
        county_reviewed_at=_at(dt.date(2026, 5, 11)),
        county_review_approved=False,
        **dog,
    )
    req(village, Status.WITHDRAWN, accepted_on=dt.date(2026, 5, 10))
    req(y, Status.SUBMITTED, accepted_on=dt.date(2026, 5, 25), due_date=dt.date(2026, 6, 1), **dog)
    _seal_use_other(x, personas.keeper, personas.director, "社区活动通知")
    keeper_y = UserFactory(username="keeper_y")
    member(keeper_y, Role.KEEPER, y)
    _seal_use_other(y, keeper_y, personas.staff_y, "场地协议")
    n05 = NonIssuableItem.objects.get(code="N05")
    for number, (community, body) in enumerate([(x, "某银行"), (x, "某银行"), (y, "某派出所")], start=1):
        RefusalNotice.objects.create(  # numbered notices go to a signed-in resident (only those are counted)
            community=community, item=n05, year=2026, number=number, requesting_body=body, resident=personas.resident_a
        )
    return personas


def _figures(code: str):
    return oversight.figures(Region.objects.get(code=code), today=TODAY)[1]


def _row(figure, name: str) -> list:
    return next(row[1:] for row in figure.rows if row[0] == name)


XIAN = "610100000000"


def test_requests_per_place_one_level_below(counted):
    areas = _figures(XIAN)["areas"]
    assert areas.header[0] == str(Level.COUNTY.label)
    # received, open, overdue now, signed (incl. issued), rejected
    assert _row(areas, "雁塔区") == [6, 2, 1, 2, 1]
    assert _row(areas, "未央区") == [1, 1, 1, 0, 0]
    assert areas.rows[-1] == ["合计", 7, 3, 2, 2, 1]


def test_a_street_breaks_down_by_community(counted):
    areas = _figures("610113001000")["areas"]
    assert _row(areas, "育才路社区居民委员会") == [5, 2, 1, 2, 1]
    assert _row(areas, "测试村民委员会") == [1, 0, 0, 0, 0]
    assert _row(areas, "大雁塔社区居民委员会") == [0, 0, 0, 0, 0]
    assert areas.rows[-1] == ["合计", 6, 2, 1, 2, 1]


def test_requests_by_concept_outcome_and_channel(counted):
    concepts = _figures("610000000000")["concepts"]
    header = concepts.header
    assert header[:3] == ["证明事项", "受理", "办理中"]
    assert header[-2:] == ["网上申请", "窗口受理"]
    kin = dict(zip(header[1:], _row(concepts, KIN), strict=True))
    assert kin == {
        "受理": 5,
        "办理中": 2,
        "已签字登记": 1,
        "已出具": 1,
        "已撤销": 0,
        "不予出具": 0,
        "登记已作废": 0,
        "已撤回": 1,
        "网上申请": 3,
        "窗口受理": 2,
    }
    dog = dict(zip(header[1:], _row(concepts, DOG), strict=True))
    assert (dog["受理"], dog["办理中"], dog["不予出具"], dog["网上申请"]) == (2, 1, 1, 2)
    assert concepts.rows[-1][1] == 7


def test_names_of_one_concept_count_together(personas):
    """A county item and an exceptional matter asking for the same certificate (居住) are one row."""
    zm06 = IssuableItem.objects.get(code="610113-ZM06")
    x = personas.community_x
    make_request(community=x, item=zm06, applicant=personas.resident_a, status=Status.SUBMITTED)
    make_request(
        community=x,
        item=None,
        exceptional=True,
        exceptional_name="租住证明",
        applicant=personas.resident_a,
        status=Status.REJECTED,
    )
    concepts = _figures("610113000000")["concepts"]
    assert [row[:3] for row in concepts.rows] == [["居住", 2, 1], ["合计", 2, 1]]


def test_processing_time_against_the_limit(counted):
    timeliness = _figures("610113000000")["timeliness"]
    # signed matters, limit (workdays), median workdays, on time, share on time (%)
    assert _row(timeliness, KIN) == [2, "5", 5.5, 1, 50]
    assert timeliness.rows[-1] == ["合计", 2, "5", 5.5, 1, 50]


def test_refusals_by_concept_and_body(counted):
    figures = _figures("610113000000")
    assert figures["refusals_concept"].rows == [["无犯罪记录", 2]]
    assert figures["refusals_body"].rows == [["某银行", 2]]
    province = _figures("610000000000")
    assert province["refusals_body"].rows == [["某银行", 2], ["某派出所", 1]]


def test_exceptional_path_post_checks_revocations_and_other_seal_uses(counted):
    supervision = _figures(XIAN)["supervision"]
    # exceptional, county agreed, county refused, awaiting review, checked, false, check due, revoked, other seal uses
    assert _row(supervision, "雁塔区") == [1, 0, 1, 0, 1, 1, 1, 1, 1]
    assert _row(supervision, "未央区") == [1, 0, 0, 1, 0, 0, 0, 0, 1]
    assert supervision.rows[-1] == ["合计", 2, 0, 1, 1, 1, 1, 1, 1, 2]


def test_monthly_trend(counted):
    monthly = _figures("610000000000")["monthly"]
    assert [r[0] for r in monthly.rows] == [f"2025-{m:02d}" for m in range(7, 13)] + [
        f"2026-{m:02d}" for m in range(1, 7)
    ]
    by_month = {r[0]: r[1:] for r in monthly.rows}
    assert by_month["2026-03"] == [2, 2]
    assert by_month["2026-05"] == [4, 0]
    assert by_month["2026-06"] == [1, 0]
    assert sum(r[1] for r in monthly.rows) == 7


# --- who sees which place -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "code", "expected"),
    [
        ("street", "610113001000", 200),
        ("street", "610113001001", 200),
        ("street", "610113000000", 404),  # the county above
        ("street", "610112001000", 404),  # a neighbouring street
        ("city", XIAN, 200),
        ("city", "610113001001", 200),
        ("city", "610000000000", 404),
        ("county", "610113000000", 200),
        ("county", "610113001001", 200),
        ("county", XIAN, 404),
        ("county", "610112000000", 404),
        ("province", XIAN, 200),
        ("staff", "610113001001", 403),
        ("resident", "610113001001", 403),
    ],
)
def test_each_officer_sees_their_level_and_below(personas, login, who, code, expected):
    user = {
        "street": personas.street_officer,
        "city": personas.city_officer,
        "county": personas.county_officer,
        "province": personas.provincial_officer,
        "staff": personas.staff_x,
        "resident": personas.resident_a,
    }[who]
    client = login(user)
    assert client.get(reverse("desk:oversight_area", args=[code])).status_code == expected
    assert client.get(reverse("desk:oversight_export", args=[code, "areas", "csv"])).status_code == expected


def test_an_officer_starts_at_their_own_place(personas, login):
    response = login(personas.street_officer).get(reverse("desk:oversight"))
    assert response.status_code == 302
    assert response["Location"] == reverse("desk:oversight_area", args=["610113001000"])


def test_the_street_officer_is_not_a_county_officer(personas, login):
    """A street officer reads oversight figures and the supervision page of their street (read only); the county's
    settings and decisions stay with the county."""
    client = login(personas.street_officer)
    page = client.get(reverse("desk:county"))
    assert page.status_code == 200 and "四眼" not in page.content.decode().split("<main", 1)[-1].split("督导范围")[0]
    assert client.get(reverse("desk:county_exceptions", args=["610113000000"])).status_code == 404


def test_the_page_shows_every_figure_with_chart_table_and_downloads(counted, login):
    response = login(counted.county_officer).get(reverse("desk:oversight_area", args=["610113000000"]))
    html = response.content.decode()
    for key in ("areas", "monthly", "concepts", "timeliness", "refusals_concept", "refusals_body", "supervision"):
        assert f'id="fig-{key}"' in html
        assert reverse("desk:oversight_export", args=["610113000000", key, "csv"]) in html
        assert reverse("desk:oversight_export", args=["610113000000", key, "xlsx"]) in html
    assert html.count("<svg") >= 6
    assert "style=" not in html.split("<main", 1)[-1]
    # the street below links to its own area
    assert reverse("desk:oversight_area", args=["610113001000"]) in html


def test_downloads_are_the_table(counted, login):
    client = login(counted.county_officer)
    csv = client.get(reverse("desk:oversight_export", args=["610113000000", "areas", "csv"]))
    text = csv.content.decode("utf-8-sig")
    assert csv["Content-Type"].startswith("text/csv")
    assert text.splitlines()[0].startswith(str(Level.STREET.label))
    assert "小寨路街道,6,2," in text
    xlsx = client.get(reverse("desk:oversight_export", args=["610113000000", "timeliness", "xlsx"]))
    from io import BytesIO

    from openpyxl import load_workbook

    sheet = load_workbook(BytesIO(xlsx.content)).active
    assert [c.value for c in sheet[2]][:2] == [KIN, "2"]
    assert client.get(reverse("desk:oversight_export", args=["610113000000", "nothing", "csv"])).status_code == 404


def test_a_typed_name_cannot_become_a_formula_in_a_download(counted, login):
    RefusalNotice.objects.create(
        community=counted.community_x,
        item=NonIssuableItem.objects.get(code="N05"),
        year=2026,
        number=9,
        requesting_body="=HYPERLINK(1)",
        resident=counted.resident_a,
    )
    response = login(counted.county_officer).get(
        reverse("desk:oversight_export", args=["610113000000", "refusals_body", "csv"])
    )
    assert "'=HYPERLINK(1)" in response.content.decode("utf-8-sig")


def test_queries_do_not_grow_with_communities(counted, login, django_assert_max_num_queries):
    client = login(counted.county_officer)
    url = reverse("desk:oversight_area", args=["610113001000"])
    with django_assert_max_num_queries(40) as few:
        client.get(url)
    street_x = Region.objects.get(code="610113001000")
    zm01 = IssuableItem.objects.get(code="610113-ZM01")
    for n in range(30):
        community = region(
            f"610113001{300 + n}",
            f"新建社区{n}",
            Level.COMMUNITY,
            street_x,
            community_kind=CommunityKind.RESIDENTS_COMMITTEE,
        )
        make_request(
            community=community, item=zm01, applicant=counted.resident_a, status=Status.SUBMITTED, accepted_on=TODAY
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert len(response.context["sections"][0]["rows"]) == 3 + 30 + 1  # communities and the total


def test_median_of_counted_values():
    from collections import Counter

    assert oversight._median(Counter({3: 1})) == 3
    assert oversight._median(Counter({1: 2, 9: 1})) == 1  # 1, 1, 9
    assert oversight._median(Counter({2: 1, 9: 1})) == 5.5
    assert oversight._median(Counter({4: 2, 6: 2})) == 5


def test_the_workday_index_agrees_with_the_calendar():
    from certificates.workdays import workdays_between

    first, last = dt.date(2025, 12, 20), dt.date(2026, 2, 28)  # the 2026 New Year and Spring Festival holidays
    index = oversight._workday_index(first, last)
    for start, end in [(first, last), (dt.date(2026, 2, 10), dt.date(2026, 2, 27)), (first, first)]:
        assert index[end] - index[start] == workdays_between(start, end)


def test_the_bench_times_the_county_figures(counted, capsys):
    from io import StringIO

    from certificates.management.commands.bench import Command

    command = Command(stdout=StringIO())
    command.oversight()
    line = command.stdout._out.getvalue()
    assert "oversight_county_ms_median=" in line and "county=610112000000 requests=1" in line


def test_a_large_area_filtered_through_the_region_join_counts_the_same(counted, monkeypatch):
    """Above selectors.SCOPE_BY_ID_MAX communities an area is filtered by its code prefix instead of a list of ids."""
    by_ids = _figures(XIAN)
    monkeypatch.setattr(selectors, "SCOPE_BY_ID_MAX", 0)
    by_prefix = _figures(XIAN)
    assert "community__code__startswith" in str(oversight.Area.of(Region.objects.get(code=XIAN)).scope("community"))
    for key, figure in by_ids.items():
        assert by_prefix[key].rows == figure.rows, key
