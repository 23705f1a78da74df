"""Public complaints (监督举报): anyone reports without signing in, the resolver names the listed item, the complaint
goes to the county, the reporter reads the status by a code shown once, and only the county acts."""

from __future__ import annotations

import pytest
from django.urls import reverse

from certificates import complaints
from certificates.models import Complaint, ComplaintEvent, ComplaintKind, ComplaintStatus
from certificates.services import RequestInvalid
from certificates.workflow import WorkflowError
from portal.permanent import PermanentRecordError


def _abolished(personas, **extra) -> complaints.Submission:
    values = {
        "kind": ComplaintKind.ABOLISHED_ASKED,
        "county": None,
        "community": personas.community_x,
        "requesting_body": "某银行小寨路支行",
        "item_text": "居民無犯罪記錄證明",
        "phone": "13912345678",
    }
    values.update(extra)
    return complaints.Submission(**values)


def test_a_department_asking_for_an_abolished_certificate_is_matched_and_routed(personas):
    complaint, code = complaints.complaint_submit(_abolished(personas))
    assert complaint.non_issuable_item.code == "N05"  # traditional characters and a modifier: the same item
    assert complaint.county == personas.yanta and complaint.community == personas.community_x
    assert complaint.status == ComplaintStatus.RECEIVED
    assert code not in complaint.code_hash and complaints.find_by_code(code.lower().replace("-", " ")) == complaint
    assert complaint.masked_phone == "139****5678"
    assert [e.to_status for e in complaint.events.all()] == [ComplaintStatus.RECEIVED]


def test_without_a_community_the_body_is_routed_to_the_county_chosen(personas):
    complaint, _code = complaints.complaint_submit(_abolished(personas, community=None, county=personas.weiyang))
    assert complaint.county == personas.weiyang and complaint.community is None


def test_a_community_refusing_an_issuable_certificate_names_community_and_item(personas):
    complaint, _code = complaints.complaint_submit(
        complaints.Submission(
            kind=ComplaintKind.REFUSED_ISSUABLE,
            county=personas.yanta,
            community=None,
            community_name="育才路",
            requesting_body="",
            item_text="亲属关系证明（仅限公证）",
        )
    )
    assert complaint.community == personas.community_x
    assert complaint.issuable_item.code == "610113-ZM01"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"item_text": "亲属关系证明（仅限公证）"}, "item_text"),  # issuable: asking for it breaks no list
        ({"item_text": "月球居住证明"}, "item_text"),  # on no list
        ({"requesting_body": " "}, "requesting_body"),
        ({"phone": "12345"}, "phone"),
        ({"community": None, "county": None}, "county"),
    ],
)
def test_what_does_not_fit_is_refused_with_the_reason(personas, changes, field):
    with pytest.raises(RequestInvalid) as invalid:
        complaints.complaint_submit(_abolished(personas, **changes))
    assert field in invalid.value.errors
    assert Complaint.objects.count() == 0


def test_only_the_county_moves_a_complaint_with_a_reply_each_time(personas):
    complaint, code = complaints.complaint_submit(_abolished(personas))
    for outsider in (personas.street_officer, personas.other_county_officer, personas.provincial_officer):
        assert complaints.may_read(outsider, complaint) is (outsider != personas.other_county_officer)
        with pytest.raises(WorkflowError) as refused:
            complaints.complaint_move(complaint_id=complaint.pk, actor=outsider, action="check", reply="看过")
        assert refused.value.forbidden
    with pytest.raises(RequestInvalid):
        complaints.complaint_move(complaint_id=complaint.pk, actor=personas.county_officer, action="close", reply=" ")
    complaints.complaint_move(
        complaint_id=complaint.pk, actor=personas.county_officer, action="check", reply="已转核查"
    )
    with pytest.raises(WorkflowError):  # out of turn
        complaints.complaint_move(complaint_id=complaint.pk, actor=personas.county_officer, action="check", reply="x")
    complaints.complaint_move(
        complaint_id=complaint.pk, actor=personas.county_officer, action="close", reply="已约谈该支行，不再索要"
    )
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.CLOSED and complaint.reply == "已约谈该支行，不再索要"
    events = list(complaint.events.values_list("from_status", "to_status"))
    assert events == [("", "received"), ("received", "checking"), ("checking", "closed")]
    with pytest.raises(PermanentRecordError):
        ComplaintEvent.objects.filter(complaint=complaint).update(reply="改")
    assert complaints.counts(personas.yanta)[ComplaintStatus.CLOSED] == 1
    assert complaints.counts(personas.weiyang)[ComplaintStatus.CLOSED] == 0


# --- through the pages ----------------------------------------------------------------------------------------------


def test_anyone_reports_sees_the_code_once_and_looks_it_up(client, personas):
    url = reverse("requests:complaint_new") + f"?community={personas.community_x.code}"
    page = client.get(url + "&kind=abolished_asked&item=无犯罪记录证明")
    assert "育才路社区居民委员会" in page.content.decode()
    data = {
        "community": personas.community_x.code,
        "kind": "abolished_asked",
        "requesting_body": "某银行小寨路支行",
        "item_text": "无犯罪记录证明",
        "phone": "1391234",
    }
    refused = client.post(reverse("requests:complaint_new"), data)
    assert refused.status_code == 200 and "请输入11位手机号码" in refused.content.decode()
    assert "某银行小寨路支行" in refused.content.decode()  # what was typed is kept
    data["phone"] = "13912345678"
    done = client.post(reverse("requests:complaint_new"), data, follow=True)
    body = done.content.decode()
    code = body.split('id="complaint-code">')[1].split("<")[0]
    assert complaints.find_by_code(code).requesting_body == "某银行小寨路支行"
    assert code not in client.get(reverse("requests:complaint_received")).content.decode()  # shown once
    complaint = Complaint.objects.get()
    complaints.complaint_move(
        complaint_id=complaint.pk, actor=personas.county_officer, action="close", reply="已责令改正"
    )
    looked = client.post(reverse("requests:complaint_lookup"), {"code": code})
    assert "已办结" in looked.content.decode() and "已责令改正" in looked.content.decode()
    assert "13912345678" not in looked.content.decode()


def test_the_lookup_is_rate_limited_per_address(client, personas, settings):
    settings.VERIFY_RATE_LIMIT = 3
    statuses = [
        client.post(reverse("requests:complaint_lookup"), {"code": "AAAA-BBBB-CCCC"}).status_code for _i in range(4)
    ]
    assert statuses == [200, 200, 200, 429]


def test_officers_see_the_phone_masked_and_only_the_county_acts_on_the_page(client, personas):
    complaint, _code = complaints.complaint_submit(_abolished(personas))
    client.force_login(personas.street_officer)
    page = client.get(reverse("desk:complaint", args=[complaint.pk])).content.decode()
    assert "139****5678" in page and "13912345678" not in page and 'name="action"' not in page
    assert (
        client.post(reverse("desk:complaint", args=[complaint.pk]), {"action": "check", "reply": "x"}).status_code
        == 403
    )
    client.force_login(personas.county_officer)
    listing = client.get(reverse("desk:complaints", args=[personas.yanta.code]) + "?status=received")
    assert "无犯罪记录证明" in listing.content.decode()
    moved = client.post(reverse("desk:complaint", args=[complaint.pk]), {"action": "check", "reply": "核查中"})
    assert moved.status_code == 302
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.CHECKING
    filtered = client.get(reverse("desk:complaints", args=[personas.yanta.code]) + "?status=received")
    assert "无犯罪记录证明" not in filtered.content.decode()
    area = client.get(reverse("desk:oversight_area", args=[personas.yanta.code])).content.decode()
    assert "监督举报" in area and reverse("desk:complaints", args=[personas.yanta.code]) in area


def test_the_non_issuable_item_page_and_the_guide_link_to_the_form(client, personas):
    for name, args in (
        ("catalog:non_issuable_detail", [personas.community_x.code, "N05"]),
        ("requests:refusal_guide", [personas.community_x.code, "N05"]),
    ):
        page = client.get(reverse(name, args=args)).content.decode()
        assert "被要求开具已取消的证明？向区县民政部门反映" in page
        assert reverse("requests:complaint_new") + f"?community={personas.community_x.code}" in page
