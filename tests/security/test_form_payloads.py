"""Stored and reflected script injection through the workers' and residents' own forms: a payload in every
free-text field that staff, directors, keepers, officers and residents type is printed as text on every page that
shows it (catalog texts: test_script_payloads.py)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from catalog.models import IssuableItem
from certificates import services, workflow
from certificates.demo import TINY_PDF as PDF
from certificates.issuance import certificate_revoke
from certificates.services import RequestInput
from seals import services as seal_services
from seals.models import Seal
from tests.security.test_script_payloads import assert_escaped, payload


def new_request(personas, **extra):
    item = IssuableItem.objects.get(code="610113-ZM01")
    data = RequestInput(
        applicant_name="王小明",
        applicant_id_number=personas.resident_a.id_number,
        purpose="办理亲属关系公证",
        requesting_body="西安市某公证处",
        requesting_basis="公证法第十一条",
        field_values={"relative_name": "李四", "relation": "父子", "notary_office": "西安市某公证处"},
        uploads={
            "当事人居民身份证": [SimpleUploadedFile("id.pdf", PDF)],
            "当事人户口簿": [SimpleUploadedFile("h.pdf", PDF)],
        },
        **extra,
    )
    return services.request_create(
        community=personas.community_x, item=item, actor=personas.resident_a, applicant=personas.resident_a, data=data
    )


def test_desk_texts_are_escaped_for_the_resident_and_the_desk(personas, login):
    staff, director = personas.staff_x, personas.director
    # supplement asked and answered, sent back, then a second request rejected
    second = new_request(personas)  # rejected first: a second open request for the same item would be a duplicate
    workflow.reject(request_id=second.pk, actor=staff, reason="不予" + payload("reject"))
    first = new_request(personas)
    workflow.request_supplement(request_id=first.pk, actor=staff, missing="缺" + payload("missing"))
    services.supplement_submit(
        request_id=first.pk,
        actor=personas.resident_a,
        note="补" + payload("supplement"),
        uploads=[],
        expected_revision=None,
    )
    workflow.verify(request_id=first.pk, actor=staff, method="document_check", note="核" + payload("verify"))
    workflow.send_for_signature(request_id=first.pk, actor=staff)
    workflow.send_back(request_id=first.pk, actor=director, reason="退" + payload("send_back"))

    client = login(personas.resident_a)
    assert_escaped(client.get(reverse("requests:detail", args=[first.pk])), "missing", "supplement")
    assert_escaped(client.get(reverse("requests:detail", args=[second.pk])), "reject")
    login(staff)
    assert_escaped(client.get(reverse("desk:detail", args=[first.pk])), "missing", "supplement", "verify", "send_back")
    assert_escaped(client.get(reverse("desk:detail", args=[second.pk])), "reject")
    assert_escaped(client.get(reverse("desk:queue"), {"q": payload("queue_search")}), "queue_search")


def test_signed_and_issued_texts_are_escaped(personas, login):
    staff, director, keeper = personas.staff_x, personas.director, personas.keeper
    signed = []
    for _ in range(2):  # one after the other: a second open request for the same item and purpose is a duplicate
        req = new_request(personas)
        workflow.verify(request_id=req.pk, actor=staff, method="document_check", note="核实")
        workflow.send_for_signature(request_id=req.pk, actor=staff)
        signed.append(workflow.sign(request_id=req.pk, actor=director))
    issued, cancelled = signed
    workflow.cancel(request_id=cancelled.pk, actor=director, reason="作废" + payload("cancel"))
    seal = Seal.objects.create(
        community=personas.community_x, name="证明专用章" + payload("seal_name"), keeper=keeper, is_specimen=True
    )
    workflow.issue(request_id=issued.pk, actor=keeper, seal_id=seal.pk)
    issued.refresh_from_db()
    certificate_revoke(certificate=issued.register_entry.certificate, actor=director, reason="撤销" + payload("revoke"))

    client = login(personas.resident_a)
    assert_escaped(client.get(reverse("requests:detail", args=[cancelled.pk])), "cancel")
    assert_escaped(client.get(reverse("requests:detail", args=[issued.pk])), "revoke")
    login(director)
    assert_escaped(client.get(reverse("desk:detail", args=[cancelled.pk])), "cancel")
    assert_escaped(client.get(reverse("desk:detail", args=[issued.pk])), "revoke")
    code = personas.community_x.code
    assert_escaped(client.get(reverse("seals:seal_detail", args=[code, seal.pk])), "seal_name")
    assert_escaped(client.get(reverse("seals:ledger", args=[code])), "seal_name")
    login(None)
    assert_escaped(client.get(reverse("verify", args=[issued.register_entry.certificate.code])))


def test_seal_use_texts_are_escaped(personas, login):
    seal = Seal.objects.create(community=personas.community_x, name="公章", keeper=personas.keeper, is_specimen=True)
    use = seal_services.use_request_create(
        seal=seal, actor=personas.staff_x, document_title="协议" + payload("title"), reason="事由" + payload("reason")
    )
    seal_services.use_request_decide(use_request=use, actor=personas.director, approve=True, note=payload("decide"))
    seal_services.use_request_apply(use_request=use, actor=personas.keeper)
    code = personas.community_x.code
    client = login(personas.director)
    assert_escaped(client.get(reverse("seals:ledger", args=[code])), "title")
    assert_escaped(client.get(reverse("seals:seal_detail", args=[code, seal.pk])))
    login(personas.county_officer)
    assert_escaped(client.get(reverse("seals:ledger", args=[code])), "title")


def test_county_texts_are_escaped(personas, login):
    services.four_eyes_waiver_set(
        community=personas.community_x, actor=personas.county_officer, allowed=True, reason="豁免" + payload("waiver")
    )
    client = login(personas.county_officer)
    assert_escaped(client.get(reverse("desk:four_eyes", args=[personas.community_x.code])), "waiver")


@pytest.mark.parametrize(
    ("url", "params"),
    [
        ("catalog:community_list", {"q": payload("reflected")}),
        ("verify_form", {"code": payload("reflected")}),
    ],
)
def test_reflected_query_text_is_escaped(url, params, personas, login):
    response = login(None).get(reverse(url), params, follow=True)
    assert response.status_code in (200, 404)
    assert "<img src=x onerror" not in response.content.decode()


def test_login_error_does_not_reflect_markup(personas, client):
    response = client.post(reverse("login"), {"username": payload("login"), "password": "wrong"})
    assert_escaped(response)
