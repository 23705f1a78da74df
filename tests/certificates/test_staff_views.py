"""The community desk and county oversight through HTTP: queue, request page and its actions, counter entry, the
exceptional path, the county page and the four-eyes switch."""

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from certificates import services, workflow
from certificates.demo import TINY_PDF
from certificates.models import (
    Attachment,
    CertificateRequest,
    Channel,
    Deliberation,
    FourEyesWaiver,
    RegisterEntry,
    RequestEvent,
    Status,
)
from certificates.permissions import get_request_for_user, visible_requests
from tests.factories import make_request

PDF = TINY_PDF


def pdf(name="scan.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def submitted(personas, item, community=None, **extra):
    request = make_request(
        community=community or personas.community_x, item=item, applicant=personas.resident_a, **extra
    )
    return workflow.submit(request_id=request.pk, actor=personas.resident_a)


def verified(personas, item, verifier=None):
    request = submitted(personas, item)
    return workflow.verify(
        request_id=request.pk, actor=verifier or personas.staff_x, method="document_check", note="查验户口簿"
    )


def awaiting_signature(personas, item, verifier=None):
    request = verified(personas, item, verifier)
    return workflow.send_for_signature(request_id=request.pk, actor=verifier or personas.staff_x)


def detail_url(request):
    return reverse("desk:detail", args=[request.pk])


def act(client, request, action, revision=None, files=None, **fields):
    """POST one action form of the request page, as the page renders it (prefix = action)."""
    if revision is None:
        request.refresh_from_db()
        revision = request.revision
    data = {"action": action, f"{action}-revision": revision}
    data.update({f"{action}-{name}": value for name, value in fields.items()})
    data.update({f"{action}-{name}": value for name, value in (files or {}).items()})
    return client.post(detail_url(request), data)


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def offered_actions(response):
    return {panel.action for panel in response.context["panels"]}


# --- The queue --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("anonymous", 302),
        ("resident_a", 403),
        ("keeper", 403),
        ("county_officer", 403),
        ("staff_x", 200),
        ("director", 200),
        ("staff_y", 200),
    ],
)
def test_the_queue_is_for_staff_and_directors(personas, login, persona, status):
    response = login(personas.by_name(persona)).get(reverse("desk:queue"))
    assert response.status_code == status


def test_queue_tabs_count_each_state_and_flag_overdue_requests_in_every_tab(personas, login, item):
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    fresh = submitted(personas, item)
    late = submitted(personas, item)
    CertificateRequest.objects.filter(pk=late.pk).update(due_date=yesterday)
    verified(personas, item)
    awaiting_signature(personas, item)
    rejected = submitted(personas, item)
    workflow.reject(request_id=rejected.pk, actor=personas.staff_x, reason="户籍不在本社区")
    submitted(personas, item, community=personas.community_y)  # another community: never counted here

    client = login(personas.staff_x)
    response = client.get(reverse("desk:queue"))
    counts = {tab.key: count for tab, count in response.context["tabs"]}
    assert counts == {
        "new": 2,
        "supplement": 0,
        "verified": 1,
        "deliberation": 0,
        "signature": 1,
        "signed": 0,
        "overdue": 1,
        "postcheck": 0,
        "closed": 1,
    }
    rows = {row.pk: row for row in response.context["page"].object_list}
    assert set(rows) == {fresh.pk, late.pk} and rows[late.pk].overdue and not rows[fresh.pk].overdue
    assert "已超期" in response.content.decode()

    response = client.get(reverse("desk:queue"), {"tab": "overdue"})
    assert [row.pk for row in response.context["page"].object_list] == [late.pk]
    response = client.get(reverse("desk:queue"), {"tab": "closed"})
    assert [row.pk for row in response.context["page"].object_list] == [rejected.pk]


def test_queue_search_by_name_id_tail_and_matter_and_filters(personas, login, item, deliberation_item):
    mine = submitted(personas, item, applicant_name="张三丰")
    other = submitted(personas, deliberation_item, applicant_name="李四")
    counter = submitted(personas, item, applicant_name="王五", channel=Channel.COUNTER)
    client = login(personas.staff_x)

    def found(**params):
        response = client.get(reverse("desk:queue"), params)
        return {row.pk for row in response.context["page"].object_list}

    assert found(q="张三") == {mine.pk}
    assert found(q=other.applicant_id_number[-4:]) == {mine.pk, other.pk, counter.pk}  # resident_a's number
    assert found(q="公共利益") == {other.pk}
    assert found(item=deliberation_item.code) == {other.pk}
    assert found(channel=Channel.COUNTER) == {counter.pk}


def test_queue_flags_exceptional_requests_and_provisional_due_dates(personas, login, item):
    flagged = submitted(personas, item)
    CertificateRequest.objects.filter(pk=flagged.pk).update(due_date_provisional=True)
    response = login(personas.staff_x).get(reverse("desk:queue"))
    assert "期限待核准" in response.content.decode()


def test_the_queue_costs_the_same_queries_for_3_or_30_requests(personas, login, item, django_assert_max_num_queries):
    client = login(personas.staff_x)
    for _ in range(3):
        submitted(personas, item)
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("desk:queue"))
    for _ in range(27):
        submitted(personas, item)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("desk:queue"))
    assert response.context["page"].paginator.count == 30


def test_a_staff_member_of_several_communities_switches_between_them(personas, login, item):
    from tests.factories import member

    member(personas.staff_x, "staff", personas.community_y)
    theirs = submitted(personas, item, community=personas.community_y)
    client = login(personas.staff_x)
    response = client.get(reverse("desk:queue"), {"community": personas.community_y.code})
    assert [row.pk for row in response.context["page"].object_list] == [theirs.pk]
    assert client.get(reverse("desk:queue"), {"community": "610112001999"}).status_code == 404


# --- The request page --------------------------------------------------------------------------------------------


def test_staff_of_another_community_cannot_see_or_act_on_a_request(personas, login, item):
    request = submitted(personas, item)
    client = login(personas.staff_y)
    assert client.get(detail_url(request)).status_code == 404
    assert act(client, request, "verify", method="home_visit", note="入户").status_code == 404
    request.refresh_from_db()
    assert request.status == Status.SUBMITTED


def test_staff_verify_then_the_director_signs_and_the_register_number_is_shown(personas, login, item):
    request = submitted(personas, item)
    client = login(personas.staff_x)
    page = client.get(detail_url(request))
    assert {"verify", "request_supplement", "reject"} <= offered_actions(page)
    assert "sign" not in offered_actions(page)
    assert request.applicant_id_number in page.content.decode()  # staff see the full number

    response = act(client, request, "verify", method="home_visit", note="入户核实，情况属实")
    assert response.status_code == 302 and "已记录核实情况。" in messages_of(response)
    response = act(client, request, "send_for_signature")
    assert response.status_code == 302

    client = login(personas.director)
    assert "sign" in offered_actions(client.get(detail_url(request)))
    response = act(client, request, "sign")
    entry = RegisterEntry.objects.get(request=request)
    assert any(entry.display_number in m for m in messages_of(response))
    page = client.get(detail_url(request))
    assert entry.display_number in page.content.decode()
    assert page.context["obj"].status == Status.SIGNED
    assert [p.action for p in page.context["panels"]] == ["cancel"]  # the director may still cancel before sealing


def test_a_director_who_verified_cannot_sign_and_is_told_why(personas, login, item):
    request = awaiting_signature(personas, item, verifier=personas.director)
    client = login(personas.director)
    page = client.get(detail_url(request))
    assert "sign" not in offered_actions(page)
    assert "四眼原则" in page.content.decode()
    assert 'name="action" value="sign"' not in page.content.decode()

    response = act(client, request, "sign")  # a forged POST is refused by the workflow, with a message
    assert response.status_code == 302
    assert any("四眼原则" in m for m in messages_of(response))
    assert not RegisterEntry.objects.exists()


def test_a_replayed_or_stale_post_is_refused_and_changes_nothing(personas, login, item):
    request = submitted(personas, item)
    stale = request.revision
    client = login(personas.staff_x)
    assert act(client, request, "verify", revision=stale, method="home_visit", note="第一次核实").status_code == 302

    replay = act(client, request, "verify", revision=stale, method="home_visit", note="第一次核实")
    assert replay.status_code == 200  # re-rendered: what was typed is kept on the page
    assert any("已被其他人处理" in m for m in messages_of(replay))
    assert "第一次核实" in replay.content.decode() and replay.context["lost"]
    assert RequestEvent.objects.filter(request=request, action="verify").count() == 1

    # A button-only form with an old revision: nothing typed, so back to the page with the message.
    response = act(client, request, "send_for_signature", revision=stale)
    assert response.status_code == 302 and any("已被其他人处理" in m for m in messages_of(response))
    request.refresh_from_db()
    assert request.status == Status.VERIFIED


def test_a_stale_form_whose_action_is_still_possible_comes_back_filled_in_with_the_new_revision(personas, login, item):
    request = submitted(personas, item)
    stale = request.revision
    workflow.request_supplement(request_id=request.pk, actor=personas.director, missing="户口簿首页")
    workflow.supplement(request_id=request.pk, actor=personas.resident_a, note="已上传")
    response = act(login(personas.staff_x), request, "verify", revision=stale, method="other", note="电话核实")
    assert response.status_code == 200
    panel = next(p for p in response.context["panels"] if p.action == "verify")
    request.refresh_from_db()
    assert panel.failed and panel.form["note"].value() == "电话核实"
    assert int(panel.form["revision"].value()) == request.revision
    assert request.status == Status.SUBMITTED


def test_an_incomplete_form_keeps_what_was_typed(personas, login, item):
    request = submitted(personas, item)
    response = act(login(personas.staff_x), request, "verify", method="home_visit", note="")
    assert response.status_code == 200
    panel = next(p for p in response.context["panels"] if p.action == "verify")
    assert panel.form.errors["note"] and panel.form["method"].value() == "home_visit"
    request.refresh_from_db()
    assert request.status == Status.SUBMITTED


def test_deliberation_is_required_before_signing(personas, login, deliberation_item):
    request = verified(personas, deliberation_item)
    client = login(personas.staff_x)
    page = client.get(detail_url(request))
    assert "send_for_signature" not in offered_actions(page)
    assert "请先提交议事协商" in page.content.decode()
    response = act(client, request, "send_for_signature")
    assert any("议事协商" in m for m in messages_of(response))

    assert act(client, request, "request_deliberation").status_code == 302
    response = act(
        client,
        request,
        "record_deliberation",
        held_on="2026-01-05",
        place="社区议事厅",
        participants="居民代表21人",
        total="21",
        agreed="30",
    )
    assert response.status_code == 200 and any("同意人数" in m for m in messages_of(response))
    assert not Attachment.objects.filter(request=request).exists()

    response = act(
        client,
        request,
        "record_deliberation",
        files={"minutes": pdf("minutes.pdf")},
        held_on="2026-01-05",
        place="社区议事厅",
        participants="居民代表21人",
        total="21",
        agreed="19",
    )
    assert response.status_code == 302
    deliberation = Deliberation.objects.get(request=request)
    assert deliberation.minutes.original_name == "minutes.pdf" and deliberation.agreed == 19

    response = act(login(personas.director), request, "sign")
    request.refresh_from_db()
    assert request.status == Status.SIGNED


def test_the_reject_reason_is_recorded_and_shown(personas, login, item):
    request = submitted(personas, item)
    client = login(personas.staff_x)
    act(client, request, "reject", reason="户籍不在本社区，请到户籍地社区办理")
    request.refresh_from_db()
    assert request.status == Status.REJECTED
    assert request.rejection_reason == "户籍不在本社区，请到户籍地社区办理"
    assert "户籍不在本社区，请到户籍地社区办理" in client.get(detail_url(request)).content.decode()


def test_the_director_sends_back_with_a_reason(personas, login, item):
    request = awaiting_signature(personas, item)
    client = login(personas.director)
    assert act(client, request, "send_back", reason="").status_code == 200
    act(client, request, "send_back", reason="核实方式不充分")
    request.refresh_from_db()
    assert request.status == Status.VERIFIED


def test_officers_read_requests_under_their_supervision_only(personas, login, item):
    request = submitted(personas, item)
    client = login(personas.county_officer)
    page = client.get(detail_url(request))
    assert page.status_code == 200 and not page.context["panels"] and page.context["read_only"]
    assert request.applicant_id_number not in page.content.decode()
    assert request.masked_id_number in page.content.decode()
    assert act(client, request, "verify", method="other", note="x").status_code == 403
    assert login(personas.other_county_officer).get(detail_url(request)).status_code == 404
    assert login(personas.provincial_officer).get(detail_url(request)).status_code == 200


def test_the_keeper_reads_but_does_not_decide(personas, login, item):
    request = submitted(personas, item)
    client = login(personas.keeper)
    page = client.get(detail_url(request))
    assert page.status_code == 200 and not page.context["panels"]
    assert request.applicant_id_number not in page.content.decode()
    assert act(client, request, "verify", method="other", note="x").status_code == 403


def test_the_applicant_uses_the_residents_pages_not_the_desk(personas, login, item):
    request = submitted(personas, item)
    assert login(personas.resident_a).get(detail_url(request)).status_code == 404


# --- Counter entry and the exceptional path --------------------------------------------------------------------


def counter_url(personas, item):
    return reverse("desk:counter_entry", args=[personas.community_x.code, item.code])


def counter_data(personas, **overrides):
    data = {
        "applicant_name": personas.resident_a.display_name,
        "applicant_id_number": personas.resident_a.id_number,
        "applicant_phone": "13900000000",
        "account": "",
        "purpose": "办理亲属关系公证",
        "requesting_body": "西安市某公证处",
        "requesting_basis": "公证法第十一条",
        "field_relative_name": "李四",
        "field_relation": "父子",
        "field_notary_office": "西安市某公证处",
        "material_0": pdf("id.pdf"),
        "material_1": pdf("hukou.pdf"),
    }
    data.update(overrides)
    return data


def test_counter_items_lists_the_communitys_catalog(personas, login, item):
    client = login(personas.staff_x)
    response = client.get(reverse("desk:counter_new", args=[personas.community_x.code]))
    assert response.status_code == 200 and item.name in response.content.decode()
    assert login(personas.staff_y).get(counter_url(personas, item)).status_code == 404
    assert login(personas.resident_a).get(counter_url(personas, item)).status_code == 403


def test_counter_entry_creates_a_counter_request_the_linked_resident_sees(personas, login, item):
    client = login(personas.staff_x)
    response = client.post(counter_url(personas, item), counter_data(personas, account=personas.resident_a.id_number))
    created = CertificateRequest.objects.get()
    assert response.status_code == 302 and response.url == detail_url(created)
    assert created.channel == Channel.COUNTER and created.status == Status.SUBMITTED
    assert created.created_by == personas.staff_x and created.applicant == personas.resident_a
    assert created.attachments.count() == 2
    assert created in visible_requests(personas.resident_a)
    assert get_request_for_user(personas.resident_a, created.pk) == created


def test_counter_entry_accepts_original_seen_instead_of_a_scan_and_the_timeline_says_so(personas, login, item):
    client = login(personas.staff_x)
    page = client.get(counter_url(personas, item)).content.decode()
    assert "原件已查验（不需扫描上传）" in page
    data = counter_data(personas, account=personas.resident_a.id_number)
    del data["material_0"]
    data["originals_seen"] = ["当事人居民身份证"]
    response = client.post(counter_url(personas, item), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    created = CertificateRequest.objects.get()
    assert list(created.attachments.values_list("material", flat=True)) == ["当事人户口簿"]  # no scan of the ID
    event = created.events.get(action="original_seen")
    assert event.note == "原件已查验：当事人居民身份证" and event.actor == personas.staff_x
    for viewer in (personas.staff_x, personas.resident_a):  # the desk's and the resident's timelines
        page = login(viewer).get(
            detail_url(created) if viewer == personas.staff_x else reverse("requests:detail", args=[created.pk])
        )
        assert "原件已查验：当事人居民身份证" in page.content.decode()
    # without the tick (and without the scan) the material is asked for
    data = counter_data(personas, applicant_id_number="610113199001011234")
    del data["material_0"]
    page = login(personas.staff_x).post(counter_url(personas, item), data).content.decode()
    assert "请上传“当事人居民身份证”" in page


def test_only_the_counter_can_record_an_original_seen(personas, item):
    from certificates.services import RequestInput, RequestInvalid

    data = RequestInput(
        applicant_name="王小明",
        applicant_id_number=personas.resident_a.id_number,
        purpose="办理亲属关系公证",
        requesting_body="西安市某公证处",
        requesting_basis="公证法第十一条",
        field_values={"relative_name": "李四", "relation": "父子", "notary_office": "西安市某公证处"},
        uploads={"当事人户口簿": [pdf("h.pdf")]},
        originals_seen={"当事人居民身份证"},
    )
    with pytest.raises(RequestInvalid) as refused:
        services.request_create(
            community=personas.community_x,
            item=item,
            actor=personas.resident_a,
            applicant=personas.resident_a,
            data=data,
        )
    assert "只有窗口受理时" in refused.value.errors["originals_seen"][0]


def test_counter_entry_without_an_account_is_not_linked(personas, login, item):
    login(personas.staff_x).post(counter_url(personas, item), counter_data(personas))
    created = CertificateRequest.objects.get()
    assert created.applicant is None and created not in visible_requests(personas.resident_a)


def test_counter_entry_reports_every_problem_on_its_field_and_keeps_the_input(personas, login, item):
    def data(**overrides):
        values = counter_data(personas, requesting_basis="", field_relation="", **overrides)
        del values["material_1"]
        return values

    client = login(personas.staff_x)
    response = client.post(counter_url(personas, item), data(account="13911112222"))
    assert response.status_code == 200 and not CertificateRequest.objects.exists()
    form = response.context["form"]
    assert "本社区没有" in form.errors["account"][0]
    response = client.post(counter_url(personas, item), data())
    form = response.context["form"]
    assert {"requesting_basis", "field_relation", "material_1"} <= set(form.errors)
    assert "依据" in form.errors["requesting_basis"][0]
    assert form["applicant_name"].value() == personas.resident_a.display_name
    assert form["field_relative_name"].value() == "李四"


def test_counter_entry_will_not_link_someone_elses_account(personas, login, item):
    data = counter_data(personas, account=personas.resident_a.id_number, applicant_id_number=personas.staff_y.id_number)
    response = login(personas.staff_x).post(counter_url(personas, item), data)
    assert "不一致" in response.context["form"].errors["account"][0]
    assert not CertificateRequest.objects.exists()


def exceptional_data(personas, **overrides):
    data = {
        "matter_name": "老旧小区加装电梯意见征集情况证明",
        "can_verify": "社区留存意见征集表和入户记录",
        "risk_assessment": "仅证明征集过程事实，不涉及经济责任",
        "applicant_name": "赵六",
        "applicant_id_number": personas.resident_a.id_number,
        "purpose": "申请加装电梯补贴",
        "requesting_body": "区住建局",
        "requesting_basis": "既有住宅加装电梯实施办法第八条",
    }
    data.update(overrides)
    return data


def test_the_exceptional_path_flags_county_review_and_shows_on_the_county_page(personas, login):
    url = reverse("desk:exceptional_new", args=[personas.community_x.code])
    client = login(personas.staff_x)
    page = client.get(url)
    assert "确能核实" in page.content.decode()  # the rule is explained on the page
    response = client.post(url, exceptional_data(personas))
    created = CertificateRequest.objects.get()
    assert response.status_code == 302 and response.url == detail_url(created)
    assert created.exceptional and created.county_review_required and created.status == Status.SUBMITTED
    assert "清单外" in client.get(detail_url(created)).content.decode()

    county = login(personas.county_officer).get(reverse("desk:county"))
    assert list(county.context["review"]) == [created]
    assert detail_url(created) in county.content.decode()
    assert not list(login(personas.other_county_officer).get(reverse("desk:county")).context["review"])


def test_the_exceptional_form_maps_the_services_errors(personas, login):
    url = reverse("desk:exceptional_new", args=[personas.community_x.code])
    response = login(personas.staff_x).post(url, exceptional_data(personas, risk_assessment="", requesting_basis=""))
    form = response.context["form"]
    assert {"risk_assessment", "requesting_basis"} <= set(form.errors)
    assert form["matter_name"].value() == "老旧小区加装电梯意见征集情况证明"
    assert not CertificateRequest.objects.exists()
    assert login(personas.staff_y).post(url, exceptional_data(personas)).status_code == 404


# --- County oversight ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "status"),
    [("anonymous", 302), ("staff_x", 403), ("resident_a", 403), ("county_officer", 200), ("provincial_officer", 200)],
)
def test_the_county_page_is_for_officers(personas, login, persona, status):
    assert login(personas.by_name(persona)).get(reverse("desk:county")).status_code == status


def test_the_county_page_counts_each_community_by_status(personas, login, item):
    submitted(personas, item)
    late = submitted(personas, item)
    CertificateRequest.objects.filter(pk=late.pk).update(due_date=timezone.localdate() - dt.timedelta(days=3))
    awaiting_signature(personas, item)
    submitted(personas, item, community=personas.community_y)
    response = login(personas.county_officer).get(reverse("desk:county"))
    rows = {row["community"].code: row for row in response.context["rows"]}
    assert personas.community_y.code not in rows  # 未央区 is not this officer's
    labels = [str(label) for label in response.context["status_labels"]]
    x = dict(zip(labels, rows[personas.community_x.code]["counts"], strict=True))
    assert x[str(Status.SUBMITTED.label)] == 2 and x[str(Status.AWAITING_SIGNATURE.label)] == 1
    assert rows[personas.community_x.code]["overdue"] == 1
    assert response.context["totals"]["overdue"] == 1


def test_only_the_county_officer_of_that_county_sets_the_four_eyes_waiver(personas, login, item):
    url = reverse("desk:four_eyes", args=[personas.community_x.code])
    data = {"allowed": "yes", "reason": "社区仅有两名工作人员"}
    assert login(personas.other_county_officer).post(url, data).status_code == 404
    assert login(personas.staff_x).post(url, data).status_code == 404
    assert login(personas.provincial_officer).post(url, data).status_code == 403
    assert login(personas.provincial_officer).get(url).status_code == 200  # reads the history
    assert not FourEyesWaiver.objects.exists()

    client = login(personas.county_officer)
    assert client.post(url, data).status_code == 302
    waiver = FourEyesWaiver.objects.get()
    assert waiver.allowed and waiver.set_by == personas.county_officer and waiver.county == personas.yanta
    page = client.get(url)
    assert (
        "社区仅有两名工作人员" in page.content.decode()
        and personas.county_officer.display_name in page.content.decode()
    )

    # The waiver takes effect: the director may now sign what they verified.
    request = awaiting_signature(personas, item, verifier=personas.director)
    assert "sign" in offered_actions(login(personas.director).get(detail_url(request)))

    login(personas.county_officer).post(url, {"allowed": "no", "reason": "已增配工作人员"})
    assert FourEyesWaiver.objects.count() == 2  # history kept
    assert "sign" not in offered_actions(login(personas.director).get(detail_url(request)))


def test_the_county_page_counts_its_area_once_a_minute_and_its_rows_live(personas, login, item):
    """The area's totals, refusals and bodies come from the shared cache for a minute (certificates/desk_figures.py),
    and the page says when they were counted; each community's row is counted on every view."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    submitted(personas, item)
    officer = login(personas.county_officer)
    with CaptureQueriesContext(connection) as first:
        response = officer.get(reverse("desk:county"))
    assert response.context["totals"]["counts"][0] == 1
    assert "本次计算于" in response.content.decode()
    submitted(personas, item)
    with CaptureQueriesContext(connection) as again:
        response = officer.get(reverse("desk:county"))
    rows = {row["community"].code: row for row in response.context["rows"]}
    assert rows[personas.community_x.code]["counts"][0] == 2  # the row is live
    assert response.context["totals"]["counts"][0] == 1  # the area's figures as counted a moment ago
    assert len(again) < len(first)
    # Another county's officer has figures of their own area, never this one's.
    other = login(personas.other_county_officer).get(reverse("desk:county"))
    assert other.context["totals"]["counts"][0] == 0


def test_the_county_page_counts_its_area_again_after_a_minute(personas, login, item):
    from django.core.cache import cache

    submitted(personas, item)
    officer = login(personas.county_officer)
    officer.get(reverse("desk:county"))
    submitted(personas, item)
    cache.clear()  # what the minute's expiry does
    assert officer.get(reverse("desk:county")).context["totals"]["counts"][0] == 2
