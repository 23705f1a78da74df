"""The requesting-body registry through the API, and the basis a department states taken from it when left out."""

import pytest

from certificates.models import RequestingBasis, RequestingBody
from portal.models import ApiCall
from tests.api.test_contract import CHECK_CERTIFICATE, certificate_check


@pytest.fixture
def notary_registered(personas, certificate):
    body = RequestingBody.objects.create(county=personas.yanta, name="西安市某公证处", kind="other")
    RequestingBasis.objects.create(body=body, item=certificate.entry.request.item, basis="公证法第十一条（登记）")
    RequestingBody.objects.create(county=personas.yanta, name="已停用单位", kind="other", active=False)
    return body


def test_the_public_reads_a_countys_registry_with_each_bodys_bases(api, notary_registered, certificate):
    response = api().get("/api/v1/counties/610113000000/requesting-bodies/")
    assert response.status_code == 200
    body = response.json()
    assert body["county_name"] == "雁塔区"
    assert body["bodies"] == [
        {
            "name": "西安市某公证处",
            "kind": "other",
            "bases": [
                {
                    "item_code": certificate.entry.request.item.code,
                    "item_name": certificate.entry.request.item.name,
                    "basis": "公证法第十一条（登记）",
                }
            ],
        }
    ]


def test_an_unknown_county_is_a_json_404(api, db):
    response = api().get("/api/v1/counties/610113001001/requesting-bodies/")  # a community, not a county
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_a_registered_department_may_leave_out_its_basis_and_the_audit_records_the_registered_one(
    api, certificate, keys, personas, notary_registered
):
    data = certificate_check(certificate, personas.resident_a.id_number)
    del data["basis"]
    response = api(keys.certificate).post(CHECK_CERTIFICATE, data, format="json")  # key of 西安市某公证处
    assert response.status_code == 200 and response.json()["result"] is True
    assert ApiCall.objects.latest("pk").basis == "公证法第十一条（登记）"


def test_an_unregistered_department_must_state_its_basis(api, certificate, keys, personas, notary_registered):
    data = certificate_check(certificate, personas.resident_a.id_number)
    del data["basis"]
    response = api(keys.all).post(CHECK_CERTIFICATE, data, format="json")  # 某综合部门: not in the registry
    assert response.status_code == 400
    assert "basis" in response.json()["fields"] and "依据" in response.json()["fields"]["basis"][0]
