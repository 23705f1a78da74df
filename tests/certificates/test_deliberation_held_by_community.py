"""A matter that needs a residents' deliberation: the community holds it after accepting (陕西通知二（一）), so the
resident is never asked for its minutes or its outcome, and the certificate states the community's record of it."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from certificates import freeze, services
from certificates.demo import TINY_PDF
from certificates.models import Status
from tests.factories import make_request


def test_the_resident_is_not_asked_for_the_minutes_nor_the_outcome(personas, login, deliberation_item):
    url = reverse("requests:apply", args=[personas.community_x.code, deliberation_item.code])
    page = login(personas.resident_a).get(url).content.decode()
    assert "居民议事协商记录" not in page and "议事协商结果" not in page
    assert "受理后由社区组织居民议事协商" in page and "不需要提交会议记录" in page
    assert [m["name"] for m in deliberation_item.materials] == ["要求出具单位的书面函件（写明依据）"]


def test_an_item_cannot_ask_the_resident_for_the_deliberation(deliberation_item):
    deliberation_item.materials = [
        *deliberation_item.materials,
        {"name": "居民议事协商记录", "requirement": "required"},
    ]
    with pytest.raises(ValidationError) as refused:
        deliberation_item.full_clean()
    assert "不能要求申请人提交“居民议事协商记录”" in str(refused.value.message_dict["materials"])
    deliberation_item.requires_deliberation = False  # without a deliberation, such a document is the item's business
    deliberation_item.full_clean()


def test_the_certificate_states_the_communitys_record_of_the_deliberation(personas, deliberation_item):
    request = make_request(
        community=personas.community_x,
        item=deliberation_item,
        applicant=personas.resident_a,
        status=Status.AWAITING_DELIBERATION,
        verified_by=personas.staff_x,
        field_values={"matter": "本小区2号楼加装电梯事项"},
    )
    assert "{deliberation_outcome}" in freeze.certificate_text(request).body  # not held yet: visibly open
    services.deliberation_record(
        request_id=request.pk,
        actor=personas.staff_x,
        minutes_file=SimpleUploadedFile("minutes.pdf", TINY_PDF),
        held_on=dt.date(2026, 1, 5),
        place="社区议事厅",
        participants="居民代表",
        agreed=19,
        total=21,
    )
    request.refresh_from_db()
    body = freeze.certificate_text(request).body
    assert "2026年1月5日在社区议事厅召开，参会21人，同意19人" in body and "{" not in body
