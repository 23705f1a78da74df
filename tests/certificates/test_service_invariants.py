"""Rules that live in the services, whatever form (or none) sends the data: the counter links only the applicant's
own account; item dates and numbers are checked alike online and at the counter; permanent records are written in
Chinese whatever the actor's language; catalog help texts are escaped on both forms."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation

from catalog.models import IssuableItem
from certificates import services
from certificates.demo import TINY_PDF
from certificates.models import CertificateRequest, Channel, RequestEvent, Status
from certificates.services import RequestInput, RequestInvalid
from tests.certificates.test_staff_views import counter_url
from tests.factories import IssuableItemFactory, make_request

PDF = TINY_PDF


def kinship(personas, **overrides) -> RequestInput:
    values = {
        "applicant_name": "王小明",
        "applicant_id_number": personas.resident_a.id_number,
        "purpose": "办理亲属关系公证",
        "requesting_body": "西安市某公证处",
        "requesting_basis": "公证法第十一条",
        "field_values": {"relative_name": "李四", "relation": "父子", "notary_office": "西安市某公证处"},
        "uploads": {
            "当事人居民身份证": [SimpleUploadedFile("id.pdf", PDF)],
            "当事人户口簿": [SimpleUploadedFile("h.pdf", PDF)],
        },
    }
    values.update(overrides)
    return RequestInput(**values)


def test_the_counter_service_links_only_the_applicants_own_account(personas, item):
    someone_else = kinship(personas, applicant_id_number=personas.staff_y.id_number)
    with pytest.raises(RequestInvalid) as refused:
        services.request_create(
            community=personas.community_x,
            item=item,
            actor=personas.staff_x,
            data=someone_else,
            applicant=personas.resident_a,
            channel=Channel.COUNTER,
        )
    assert "不一致" in refused.value.errors["account"][0]
    with pytest.raises(RequestInvalid) as refused:  # resident_b lives in another community
        services.request_create(
            community=personas.community_x,
            item=item,
            actor=personas.staff_x,
            data=kinship(personas, applicant_id_number=personas.resident_b.id_number),
            applicant=personas.resident_b,
            channel=Channel.COUNTER,
        )
    assert "account" in refused.value.errors
    own = services.request_create(
        community=personas.community_x,
        item=item,
        actor=personas.staff_x,
        data=kinship(personas),
        applicant=personas.resident_a,
        channel=Channel.COUNTER,
    )
    assert own.applicant == personas.resident_a


def test_the_exceptional_path_links_only_the_applicants_own_account(personas):
    data = RequestInput(
        applicant_name="赵六",
        applicant_id_number=personas.staff_y.id_number,
        purpose="申请补贴",
        requesting_body="区住建局",
        requesting_basis="实施办法第八条",
    )
    with pytest.raises(RequestInvalid) as refused:
        services.request_create_exceptional(
            community=personas.community_x,
            actor=personas.staff_x,
            matter_name="老旧小区加装电梯意见征集情况证明",
            can_verify="意见征集表",
            risk_assessment="只证明过程",
            data=data,
            applicant=personas.resident_a,
        )
    assert "account" in refused.value.errors


@pytest.fixture
def residence(db) -> IssuableItem:
    """居（租）住证明: a required date field (since)."""
    return IssuableItem.objects.get(code="610113-ZM06")


@pytest.mark.parametrize("channel", [Channel.ONLINE, Channel.COUNTER])
def test_item_dates_are_checked_by_the_service_on_both_channels(personas, residence, channel):
    actor = personas.resident_a if channel == Channel.ONLINE else personas.staff_x
    data = RequestInput(
        applicant_name="王小明",
        applicant_id_number=personas.resident_a.id_number,
        purpose=residence.purposes[0],
        requesting_body="某单位",
        requesting_basis="某规定",
        field_values={"address": "雁塔区某路1号", "since": "2024年3月1日"},
    )
    with pytest.raises(RequestInvalid) as refused:
        services.request_create(
            community=personas.community_x,
            item=residence,
            actor=actor,
            data=data,
            applicant=personas.resident_a,
            channel=channel,
        )
    assert "年-月-日" in refused.value.errors["field_since"][0]


@pytest.mark.parametrize("channel", [Channel.ONLINE, Channel.COUNTER])
def test_dates_that_cannot_be_true_are_refused_by_the_service_on_both_channels(personas, residence, channel):
    """A residence that starts tomorrow, or in 1850, is not a fact to certify; today is."""
    actor = personas.resident_a if channel == Channel.ONLINE else personas.staff_x
    today = timezone.localdate()

    def create(since: str):
        data = RequestInput(
            applicant_name="王小明",
            applicant_id_number=personas.resident_a.id_number,
            purpose=residence.purposes[0],
            requesting_body="某单位",
            requesting_basis="某规定",
            field_values={"address": "雁塔区某路1号", "since": since},
            uploads={"居民身份证": [SimpleUploadedFile("id.pdf", PDF)]},
            commitments={"房屋租赁合同或房屋权属材料"},
            commitment_confirmed=True,
        )
        return services.request_create(
            community=personas.community_x,
            item=residence,
            actor=actor,
            data=data,
            applicant=personas.resident_a,
            channel=channel,
        )

    with pytest.raises(RequestInvalid) as refused:
        create((today + dt.timedelta(days=1)).isoformat())
    assert refused.value.errors["field_since"] == [
        f"“居住起始日期”不能晚于今天（{today.isoformat()}）：证明的是已经发生的事实。"
    ]
    with pytest.raises(RequestInvalid) as refused:
        create("1850-01-01")
    assert "早于 1900 年" in refused.value.errors["field_since"][0]
    assert create(today.isoformat()).field_values["since"] == today.isoformat()


def test_the_resident_is_told_a_future_date_cannot_be_true(personas, login, residence):
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    url = reverse("requests:apply", args=[personas.community_x.code, residence.code])
    page = login(personas.resident_a).get(url).content.decode()
    assert f'max="{timezone.localdate().isoformat()}"' in page  # the picker offers no future day
    response = login(personas.resident_a).post(
        url,
        {
            "applicant_name": "王小明",
            "purpose": residence.purposes[0],
            "requesting_body": "某单位",
            "requesting_basis": "某规定",
            "field_address": "雁塔区某路1号",
            "field_since": tomorrow,
        },
    )
    page = response.content.decode()
    assert response.status_code == 200 and "“居住起始日期”不能晚于今天" in page
    assert f'value="{tomorrow}"' in page  # what was typed is kept


def test_the_counter_cannot_duplicate_an_application_in_progress(personas, login, residence):
    """The duplicate check is the service's: the counter, a second entry point, meets it too."""
    online = services.request_create(
        community=personas.community_x,
        item=residence,
        actor=personas.resident_a,
        applicant=personas.resident_a,
        data=RequestInput(
            applicant_name="王小明",
            applicant_id_number=personas.resident_a.id_number,
            purpose=residence.purposes[0],
            requesting_body="某单位",
            requesting_basis="某规定",
            field_values={"address": "雁塔区某路1号", "since": "2024-03-01"},
            uploads={"居民身份证": [SimpleUploadedFile("id.pdf", PDF)]},
            commitments={"房屋租赁合同或房屋权属材料"},
            commitment_confirmed=True,
        ),
    )
    data = {
        "applicant_name": "王小明",
        "applicant_id_number": personas.resident_a.id_number.lower(),
        "purpose": residence.purposes[0],
        "requesting_body": "某单位",
        "requesting_basis": "某规定",
        "field_address": "雁塔区某路1号",
        "field_since": "2024-03-01",
        "commitments": ["房屋租赁合同或房屋权属材料"],
        "material_0": SimpleUploadedFile("id.pdf", PDF),
    }
    response = login(personas.staff_x).post(counter_url(personas, residence), data)
    page = response.content.decode()
    assert response.status_code == 200 and "该申请人已有一份相同的申请正在办理" in page
    assert reverse("desk:detail", args=[online.pk]) in page
    assert list(CertificateRequest.objects.values_list("pk", flat=True)) == [online.pk]
    data.update(purpose=residence.purposes[1], material_0=SimpleUploadedFile("id.pdf", PDF))
    response = login(personas.staff_x).post(counter_url(personas, residence), data)
    assert response.status_code == 302  # another purpose is another matter


def test_item_numbers_are_checked_by_the_service(personas):
    spec = {"name": "area", "label": "面积", "type": "number", "required": True}
    assert services._check_field_value(spec, "一百") and services._check_field_value(spec, "NaN")
    assert services._check_field_value(spec, "166.5") is None


def test_the_counter_form_shows_the_services_date_message(personas, login, residence):
    data = {
        "applicant_name": "王小明",
        "applicant_id_number": personas.resident_a.id_number,
        "purpose": residence.purposes[0],
        "requesting_body": "某单位",
        "requesting_basis": "某规定",
        "field_address": "雁塔区某路1号",
        "field_since": "去年三月",
    }
    response = login(personas.staff_x).post(counter_url(personas, residence), data)
    assert response.status_code == 200 and "年-月-日" in response.context["form"].errors["field_since"][0]
    assert response.context["form"]["field_since"].value() == "去年三月"


def test_event_notes_are_written_in_chinese_whatever_the_actors_language(personas, deliberation_item):
    request = make_request(
        community=personas.community_x,
        item=deliberation_item,
        applicant=personas.resident_a,
        status=Status.AWAITING_DELIBERATION,
        verified_by=personas.staff_x,
    )
    with translation.override("en"):
        services.deliberation_record(
            request_id=request.pk,
            actor=personas.staff_x,
            minutes_file=SimpleUploadedFile("minutes.pdf", PDF),
            held_on=dt.date(2026, 1, 5),
            place="议事厅",
            participants="居民代表",
            agreed=15,
            total=21,
        )
    note = RequestEvent.objects.get(request=request, action="record_deliberation").note
    assert note == "参会21人，同意15人"
    assert request.attachments.get().material == "议事协商会议记录"


def test_a_supplement_note_is_written_in_chinese_whatever_the_actors_language(personas, item):
    request = make_request(
        community=personas.community_x,
        item=item,
        applicant=personas.resident_a,
        status=Status.AWAITING_SUPPLEMENT,
    )
    with translation.override("en"):
        services.supplement_submit(
            request_id=request.pk,
            actor=personas.resident_a,
            note="",
            uploads=[("户口簿", SimpleUploadedFile("h.pdf", PDF))],
            expected_revision=None,
        )
    assert RequestEvent.objects.get(request=request, action="supplement").note.startswith("上传了 1 个文件")


def test_catalog_help_texts_are_escaped_on_both_forms(personas, login):
    item = IssuableItemFactory(
        published=True,
        region=personas.yanta,
        materials=[],
        fields=[
            {"name": "who", "label": "姓名", "type": "text", "required": True, "help": "<img src=x onerror=alert(1)>"}
        ],
        requesting_bodies=["<b>某单位</b>"],
        body_template="兹证明{who}。",
    )
    for user, url in (
        (personas.resident_a, reverse("requests:apply", args=[personas.community_x.code, item.code])),
        (personas.staff_x, counter_url(personas, item)),
    ):
        page = login(user).get(url).content.decode()
        assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "<b>某单位</b>" not in page and "&lt;b&gt;某单位&lt;/b&gt;" in page


def test_files_handed_in_at_the_desk_keep_a_chinese_name_when_the_staff_member_reads_english(personas, login, item):
    from tests.certificates.test_staff_views import act, pdf

    request = make_request(
        community=personas.community_x, item=item, applicant=personas.resident_a, status=Status.AWAITING_SUPPLEMENT
    )
    client = login(personas.staff_x)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    response = act(client, request, "supplement", note="", files={"files": pdf("户口簿.pdf")})
    assert response.status_code == 302
    assert request.attachments.get().material == "补正材料"
