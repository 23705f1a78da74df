"""The certificate as a receiving office reads it (issue 10): addressee, body, the purpose once before 特此证明,
validity, 负责人 and 经办人, the committee's full name as on its seal, a Chinese date; dates in the body in Chinese,
no words left by an empty optional field, and a village that speaks as a village."""

import datetime as dt
import re
import subprocess

from django.utils import timezone

from catalog.models import IssuableItem
from certificates import workflow
from certificates.documents import build_preview, chinese_date
from certificates.freeze import certificate_text, liability_problem
from certificates.models import IssuedCertificate, Status
from tests.factories import make_request


def pdf_text(certificate: IssuedCertificate, tmp_path) -> str:
    path = tmp_path / "c.pdf"
    path.write_bytes(certificate.read_pdf())
    text = subprocess.run(["pdftotext", "-raw", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return "".join(text.split())


def awaiting(personas, code, community=None, **values):
    return make_request(
        community=community or personas.community_x,
        item=IssuableItem.objects.get(code=code),
        applicant=personas.resident_a,
        status=Status.AWAITING_SIGNATURE,
        verified_by=personas.staff_x,
        field_values=values,
    )


def test_the_issued_certificate_follows_the_conventions(personas, signed_request, seal, tmp_path):
    issued = workflow.issue(request_id=signed_request.pk, actor=personas.keeper, seal_id=seal.pk)
    certificate = IssuedCertificate.objects.get(entry__request=issued)
    text = pdf_text(certificate, tmp_path)
    assert "致：西安市某公证处" in text
    # the purpose is said once, and before 特此证明; nothing repeats it after
    assert text.count("用于") == 1 and text.index("用于") < text.index("特此证明。")
    assert "用途：" not in text
    assert text.index("特此证明。") < text.index("本证明自出具之日起3个月内有效")
    assert "雁塔区小寨路街道育才路社区居民委员会" in text  # the full name as on the seal
    assert f"负责人：{personas.director.display_name}" in text
    assert f"经办人：{personas.staff_x.display_name}" in text
    assert chinese_date(timezone.localdate()) in text
    assert not re.search(r"\d{4}-\d{2}-\d{2}", text)


def test_dates_typed_in_the_form_are_printed_in_chinese(personas):
    request = awaiting(personas, "610113-ZM06", address="某路1号", since="2023-05-01")
    request.purpose = "申领居住证"
    text = certificate_text(request)
    assert "自2023年5月1日起居住在某路1号" in text.body
    assert "2023-05-01" not in text.body


def test_an_empty_optional_field_leaves_no_words_on_the_certificate(personas):
    request = awaiting(personas, "610113-ZM05", marital_status="未婚", spouse_name="")
    doc = build_preview(text=certificate_text(request), community=request.community, on=timezone.localdate())
    assert "配偶" not in doc.printed_text()
    assert "婚姻状况为未婚。" in doc.printed_text()


def test_what_is_typed_into_an_optional_sentence_is_still_checked_for_liability(personas):
    request = awaiting(personas, "610113-ZM05", marital_status="已婚", spouse_name="王五承担连带责任")
    assert liability_problem(certificate_text(request))
    request.field_values = {"marital_status": "已婚", "spouse_name": ""}
    assert liability_problem(certificate_text(request)) is None


def test_a_village_says_village_and_signs_as_the_villagers_committee(personas):
    request = awaiting(personas, "610113-ZM02", community=personas.village, family_members="配偶、一子")
    doc = build_preview(text=certificate_text(request), community=personas.village, on=dt.date(2026, 11, 30))
    printed = doc.printed_text()
    assert "系本村村民" in printed and "本社区" not in printed
    assert doc.committee_name.endswith("测试村民委员会") and "居民委员会" not in doc.committee_name
    assert doc.date_text == "2026年11月30日"


def test_a_body_that_does_not_say_its_purpose_gets_it_once_before_the_closing(personas):
    request = awaiting(personas, "610113-ZM01", relative_name="李四", relation="父子", notary_office="某公证处")
    text = certificate_text(request)
    from dataclasses import replace

    bare = replace(text, body="经核实，张三居住在本社区。\n特此证明。", addressee="")
    doc = build_preview(text=bare, community=request.community, on=dt.date(2026, 11, 30))
    assert doc.body_lines == ["经核实，张三居住在本社区。"]
    assert doc.purpose == "本证明用于办理公证。" and doc.closing == "特此证明。"
    assert doc.addressee == "西安市某公证处"  # no addressee line in the body: the requesting body
