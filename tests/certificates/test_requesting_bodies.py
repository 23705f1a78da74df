"""The county's registry of requesting bodies (departments, banks, schools) and the basis each states per item:
kept by the county officer, picked from by the resident and at the counter; the basis is pre-filled from the
registry and required only when the registry does not hold it."""

import re

import pytest
from django.urls import reverse

from certificates import services, workflow
from certificates.models import CertificateRequest, RequestingBody
from certificates.services import RequestInvalid
from certificates.workflow import WorkflowError
from tests.certificates.test_resident_views import apply_url, kinship_post
from tests.certificates.test_staff_views import counter_data, counter_url

NOTARY = "西安市某公证处"
BASIS = "《公证程序规则》第二十六条"


@pytest.fixture
def registry(personas, item):
    """雁塔区's registry: a notary office with its basis for 610113-ZM01, and a bank without one."""
    notary = services.requesting_body_save(
        county=personas.yanta, actor=personas.county_officer, name=NOTARY, kind="department"
    )
    services.requesting_basis_set(body=notary, item=item, actor=personas.county_officer, basis=BASIS)
    bank = services.requesting_body_save(
        county=personas.yanta, actor=personas.county_officer, name="某银行雁塔支行", kind="bank"
    )
    return notary, bank


def test_only_the_county_officer_keeps_the_registry_and_every_version_is_kept(personas, item, registry):
    notary, _bank = registry
    for someone in (personas.other_county_officer, personas.provincial_officer, personas.staff_x):
        with pytest.raises(WorkflowError):
            services.requesting_body_save(county=personas.yanta, actor=someone, name="某学校", kind="school")
    with pytest.raises(RequestInvalid) as duplicate:
        services.requesting_body_save(county=personas.yanta, actor=personas.county_officer, name=NOTARY, kind="bank")
    assert "name" in duplicate.value.errors
    services.requesting_body_save(
        county=personas.yanta, actor=personas.county_officer, body=notary, name=NOTARY, kind="department", active=False
    )
    assert notary.history.count() == 2 and notary.history.first().history_user == personas.county_officer


def test_the_resident_picks_a_body_and_its_basis_is_taken_from_the_registry(personas, login, item, registry):
    notary, bank = registry
    client = login(personas.resident_a)
    page = client.get(apply_url()).content.decode()
    assert 'name="requesting_body_id"' in page and NOTARY in page and "其他" in page
    assert re.search(rf'<option value="{notary.pk}" data-basis="[^"]+">', page)  # for the script to copy
    assert "requesting-body.js" in page and "data-body-picker" in page

    response = client.post(
        apply_url(), kinship_post(requesting_body_id=str(notary.pk), requesting_body="", requesting_basis="")
    )
    assert response.status_code == 302
    created = CertificateRequest.objects.get()
    assert (created.requesting_body, created.requesting_basis, created.requesting_body_ref) == (NOTARY, BASIS, notary)

    # The bank has no basis for this item: the resident must write it (the first one withdrawn: no duplicate).
    workflow.withdraw(request_id=created.pk, actor=personas.resident_a)
    response = client.post(apply_url(), kinship_post(requesting_body_id=str(bank.pk), requesting_basis=""))
    assert response.status_code == 200 and "requesting_basis" in response.context["form"].errors
    assert response.context["form"]["requesting_body_id"].value() == str(bank.pk)  # nothing chosen is lost


def test_other_means_typing_the_name_and_the_basis(personas, login, item, registry):
    client = login(personas.resident_a)
    response = client.post(
        apply_url(), kinship_post(requesting_body_id="other", requesting_body="", requesting_basis="")
    )
    errors = response.context["form"].errors
    assert {"requesting_body", "requesting_basis"} <= set(errors)
    # The messages say what "其他" asks for, under the boxes concerned.
    assert errors["requesting_body"] == ["您选择了“其他”，请填写其他单位名称。"]
    assert errors["requesting_basis"] == ["您选择了“其他”单位，请填写该单位告知的法律法规或政策依据。"]
    response = client.post(
        apply_url(), kinship_post(requesting_body_id="other", requesting_body="某律师事务所", requesting_basis="律师法")
    )
    created = CertificateRequest.objects.get()
    assert response.status_code == 302 and created.requesting_body == "某律师事务所"
    assert created.requesting_body_ref is None


def test_a_body_of_another_county_or_a_retired_one_is_refused_by_the_service(personas, login, item, registry):
    weiyang = services.requesting_body_save(
        county=personas.weiyang, actor=personas.other_county_officer, name="未央区某单位", kind="department"
    )
    client = login(personas.resident_a)
    response = client.post(apply_url(), kinship_post(requesting_body_id=str(weiyang.pk)))
    assert response.status_code == 200 and not CertificateRequest.objects.exists()
    assert "requesting_body_id" in response.context["form"].errors
    # the same refusal from the service, whatever form sent it
    data = services.RequestInput(
        applicant_name="王小明",
        applicant_id_number=personas.resident_a.id_number,
        purpose="办理亲属关系公证",
        requesting_body_id=registry[1].pk,
        requesting_basis="某规定",
    )
    services.requesting_body_save(
        county=personas.yanta,
        actor=personas.county_officer,
        body=registry[1],
        name=registry[1].name,
        kind="bank",
        active=False,
    )
    errors = {}
    services._requesting_body(personas.community_x, item, data, errors)
    assert "requesting_body" in errors


def test_the_counter_uses_the_same_picker(personas, login, item, registry):
    notary, _bank = registry
    client = login(personas.staff_x)
    page = client.get(counter_url(personas, item)).content.decode()
    assert 'name="requesting_body_id"' in page and "requesting-body.js" in page
    data = counter_data(personas, requesting_body_id=str(notary.pk), requesting_body="", requesting_basis="")
    assert client.post(counter_url(personas, item), data).status_code == 302
    created = CertificateRequest.objects.get()
    assert created.requesting_body_ref == notary and created.requesting_basis == BASIS
    county = login(personas.county_officer).get(reverse("desk:county"))
    assert [(r["requesting_body"], r["n"]) for r in county.context["bodies"]] == [(NOTARY, 1)]


def test_without_a_registry_the_form_is_the_plain_text_box(personas, login, item):
    page = login(personas.resident_a).get(apply_url()).content.decode()
    assert 'name="requesting_body_id"' not in page and "requesting-body.js" not in page


def bodies_url(personas):
    return reverse("desk:requesting_bodies", args=[personas.yanta.code])


def test_the_county_officer_keeps_the_registry_on_its_page(personas, login, item):
    client = login(personas.county_officer)
    assert client.get(bodies_url(personas)).status_code == 200
    response = client.post(bodies_url(personas), {"action": "body", "body-name": "", "body-kind": "school"})
    assert response.status_code == 200
    assert response.context["body_form"].errors["name"] == ["请填写要求单位的名称。"]  # says what is missing
    response = client.post(bodies_url(personas), {"action": "body", "body-name": "   ", "body-kind": "school"})
    assert response.context["body_form"].errors["name"] == ["请填写要求单位的名称。"]  # blank after trimming
    response = client.post(bodies_url(personas), {"action": "body", "body-name": "某小学", "body-kind": "school"})
    assert response.status_code == 302
    school = RequestingBody.objects.get(name="某小学")
    response = client.post(bodies_url(personas), {"action": "basis", "basis-body": "", "basis-basis": ""})
    assert response.context["basis_form"].errors == {
        "body": ["请选择单位。"],
        "item": ["请选择证明事项。"],
        "basis": ["请填写该单位说明的依据。"],
    }
    data = {"action": "basis", "basis-body": str(school.pk), "basis-item": str(item.pk), "basis-basis": "入学规定"}
    assert client.post(bodies_url(personas), data).status_code == 302
    page = client.get(bodies_url(personas)).content.decode()
    assert "某小学" in page and "入学规定" in page
    assert client.post(bodies_url(personas), {"action": "retire", "body": str(school.pk)}).status_code == 302
    school.refresh_from_db()
    assert not school.active

    assert login(personas.provincial_officer).get(bodies_url(personas)).context["body_form"] is None
    assert login(personas.provincial_officer).post(bodies_url(personas), data).status_code == 403
    assert login(personas.other_county_officer).get(bodies_url(personas)).status_code == 404


def test_other_marks_the_name_and_the_basis_as_required(personas, login, item, registry):
    """The name box (shown only with "其他") carries the asterisk; the basis box carries one that requesting-body.js
    shows with "其他", and both carry the hook the script sets aria-required on."""
    page = login(personas.resident_a).get(apply_url()).content.decode()
    name_label = re.search(r'<label[^>]*for="id_requesting_body">(.*?)</label>', page, re.S)[1]
    assert "其他单位名称" in name_label and "*" in name_label and "（必填）" in name_label
    basis_label = re.search(r'<label[^>]*for="id_requesting_basis">(.*?)</label>', page, re.S)[1]
    assert "data-other-marker hidden" in basis_label and "*" in basis_label
    for name in ("requesting_body", "requesting_basis"):
        assert re.search(rf'<[^>]*name="{name}"[^>]*data-required-when-other', page) or re.search(
            rf'<[^>]*data-required-when-other[^>]*name="{name}"', page
        ), name


def test_the_service_says_other_needs_the_name_whatever_form_sent_it(personas, item, registry):
    data = services.RequestInput(
        applicant_name="王小明",
        applicant_id_number=personas.resident_a.id_number,
        purpose="办理亲属关系公证",
        requesting_body_other=True,
    )
    errors = {}
    services._requesting_body(personas.community_x, item, data, errors)
    assert errors["requesting_body"] == ["您选择了“其他”，请填写其他单位名称。"]
    assert errors["requesting_basis"] == ["您选择了“其他”单位，请填写该单位告知的法律法规或政策依据。"]
