"""Contract of the API, scope by scope: what a department may ask, what it is told, and what it never learns.

Personas: departments holding a key of one scope each (keys fixture), a key of 未央区, the public without a key.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from catalog.models import IssuableItem
from catalog.resolver import Kind, Resolution
from certificates.issuance import certificate_revoke
from portal.apikeys import api_key_revoke, hash_token
from portal.models import ApiCall, ApiKey

CHECK_CERTIFICATE = "/api/v1/checks/certificate/"
CHECK_HOLDER = "/api/v1/checks/holder/"
AUDIT = "/api/v1/audit/"
WHY = {"purpose": "办理亲属关系公证", "basis": "中华人民共和国公证法第十一条"}


def certificate_check(certificate, id_number, **extra):
    return {
        "community_code": certificate.entry.community.code,
        "certificate": certificate.entry.display_number,
        "concept_code": "610113-ZM01",
        "id_number": id_number,
        **WHY,
        **extra,
    }


def holder_check(id_number, **extra):
    return {"concept_code": "610113-ZM01", "id_number": id_number, **WHY, **extra}


# --- public -------------------------------------------------------------------------------------------------------


def test_the_public_reads_a_communitys_two_lists_with_bases_and_where_to_go(api, personas):
    response = api().get(reverse("api:community_catalog", args=[personas.community_x.code]))
    assert response.status_code == 200
    body = response.json()
    zm01 = next(i for i in body["issuable"] if i["code"] == "610113-ZM01")
    assert zm01["legal_bases"][0]["title"] == "中华人民共和国公证法"
    assert zm01["time_limit_workdays"] == 5
    n05 = next(i for i in body["non_issuable"] if i["code"] == "N05")
    assert n05["alternative_department"] and n05["alternative_channel"]
    # a villagers' committee item is not in a residents' committee's catalog
    assert "610113-ZM07" not in {i["code"] for i in body["issuable"]}


def test_an_unknown_community_is_a_json_404_with_a_stable_code(api, db):
    response = api().get(reverse("api:community_catalog", args=["610113999999"]))
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "没有找到。"}


def test_verification_by_code_tells_the_status_and_no_personal_data(api, certificate, personas):
    response = api().get(reverse("api:certificate_verification", args=[certificate.code]))
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "valid"
    assert body["number"] == certificate.entry.display_number
    text = response.content.decode()
    assert personas.resident_a.id_number not in text
    assert certificate.entry.applicant_name not in text
    certificate_revoke(certificate=certificate, actor=personas.director, reason="事后核查发现承诺不实")
    assert api().get(reverse("api:certificate_verification", args=[certificate.code])).json()["status"] == "revoked"


def test_public_verification_is_rate_limited_per_address(api, certificate, settings):
    settings.VERIFY_RATE_LIMIT = 3
    client = api()
    url = reverse("api:certificate_verification", args=[certificate.code])
    assert [client.get(url).status_code for _ in range(3)] == [200, 200, 200]
    response = client.get(url)
    assert response.status_code == 429
    assert response.json()["code"] == "rate_limited"
    assert response["Retry-After"]


# --- check_certificate --------------------------------------------------------------------------------------------


def test_a_certificate_check_answers_yes_for_the_holder_and_nothing_more(api, certificate, keys, personas):
    response = api(keys.certificate).post(
        CHECK_CERTIFICATE, certificate_check(certificate, personas.resident_a.id_number), format="json"
    )
    assert response.status_code == 200
    assert response.json() == {"result": True, "status": "valid"}


@pytest.mark.parametrize("what", ["other_person", "other_concept", "unknown_number"])
def test_a_certificate_check_says_no_match_without_telling_why(api, certificate, keys, personas, what):
    data = certificate_check(certificate, personas.resident_a.id_number)
    if what == "other_person":
        data["id_number"] = personas.resident_b.id_number
    elif what == "other_concept":
        data["concept_code"] = "610113-ZM02"
    else:
        data["certificate"] = "雁证〔1999〕9999号"
    response = api(keys.certificate).post(CHECK_CERTIFICATE, data, format="json")
    assert response.status_code == 200
    assert response.json() == {"result": False, "status": "no_match"}


def test_a_revoked_certificate_is_no_with_its_status(api, certificate, keys, personas):
    certificate_revoke(certificate=certificate, actor=personas.director, reason="事后核查发现承诺不实")
    response = api(keys.certificate).post(
        CHECK_CERTIFICATE, certificate_check(certificate, personas.resident_a.id_number), format="json"
    )
    assert response.json() == {"result": False, "status": "revoked"}


def test_the_verification_code_also_names_the_certificate(api, certificate, keys, personas):
    data = {**certificate_check(certificate, personas.resident_a.id_number), "certificate": certificate.code.lower()}
    assert api(keys.certificate).post(CHECK_CERTIFICATE, data, format="json").json()["result"] is True


# --- check_holder -------------------------------------------------------------------------------------------------


def test_a_holder_check_answers_yes_no_and_status(api, certificate, keys, personas):
    client = api(keys.holder)
    yes = client.post(CHECK_HOLDER, holder_check(personas.resident_a.id_number), format="json").json()
    assert yes == {"result": True, "status": "valid", "valid_until": certificate.valid_until.isoformat()}
    no = client.post(CHECK_HOLDER, holder_check(personas.resident_b.id_number), format="json").json()
    assert no == {"result": False, "status": "none", "valid_until": None}


def test_a_concept_name_is_resolved_by_the_catalogs_resolver(api, certificate, keys, personas, monkeypatch):
    zm01 = IssuableItem.objects.get(code="610113-ZM01")
    asked = []

    def fake_resolve(text, *, region=None):
        asked.append(text)
        return Resolution(Kind.MATCH, concept="亲属关系", issuable=[zm01])

    monkeypatch.setattr("certificates.api.resolve", fake_resolve)
    data = holder_check(personas.resident_a.id_number, concept_name="亲属关系证明")
    del data["concept_code"]
    assert api(keys.holder).post(CHECK_HOLDER, data, format="json").json()["result"] is True
    assert asked == ["亲属关系证明"]


def test_a_non_issuable_concept_is_a_400_that_says_where_to_go(api, keys, personas):
    data = {"concept_name": "无犯罪记录证明", "id_number": personas.resident_a.id_number, **WHY}
    response = api(keys.holder).post(CHECK_HOLDER, data, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert "不予出具" in body["fields"]["concept_name"][0]


# --- keys and scopes ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "token_of", "expected"),
    [
        (CHECK_CERTIFICATE, "holder", "scope_missing"),
        (CHECK_CERTIFICATE, "audit", "scope_missing"),
        (CHECK_HOLDER, "certificate", "scope_missing"),
        (CHECK_HOLDER, "audit", "scope_missing"),
        (AUDIT, "certificate", "scope_missing"),
        (AUDIT, "holder", "scope_missing"),
    ],
)
def test_a_key_cannot_use_a_scope_it_was_not_given(api, certificate, keys, personas, url, token_of, expected):
    client = api(getattr(keys, token_of))
    if url == AUDIT:
        response = client.get(url)
    else:
        data = certificate_check(certificate, personas.resident_a.id_number)
        response = client.post(url, data, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == expected
    assert "result" not in response.json()


def test_without_a_key_or_with_a_wrong_or_revoked_one_a_check_is_401(api, certificate, keys, personas):
    data = certificate_check(certificate, personas.resident_a.id_number)
    assert api().post(CHECK_CERTIFICATE, data, format="json").json()["code"] == "not_authenticated"
    forged = keys.certificate[:-4] + "AAAA"
    assert api(forged).post(CHECK_CERTIFICATE, data, format="json").json()["code"] == "key_invalid"
    key = ApiKey.objects.get(prefix=keys.certificate.split("_")[1])
    api_key_revoke(key=key, actor=personas.county_officer)
    response = api(keys.certificate).post(CHECK_CERTIFICATE, data, format="json")
    assert response.status_code == 401
    assert response.json()["code"] == "key_revoked"
    assert response["WWW-Authenticate"].startswith("Bearer")
    # the refused call is on the record, with the purpose the department gave
    refused = ApiCall.objects.get(key=key, status_code=401)
    assert refused.purpose == WHY["purpose"]


def test_a_key_of_another_county_cannot_reach_this_countys_certificates(api, certificate, keys, personas):
    data = certificate_check(certificate, personas.resident_a.id_number)
    response = api(keys.other_county).post(CHECK_CERTIFICATE, data, format="json")
    assert response.status_code == 400
    assert "community_code" in response.json()["fields"]
    holder = api(keys.other_county).post(CHECK_HOLDER, holder_check(personas.resident_a.id_number), format="json")
    assert holder.json()["status"] == "none"


def test_only_the_hash_of_a_key_is_stored(keys):
    key = ApiKey.objects.get(prefix=keys.all.split("_")[1])
    assert key.key_hash == hash_token(keys.all)
    assert keys.all not in {key.key_hash, key.prefix}


def test_each_key_has_its_own_rate_limit(api, certificate, personas):
    from portal.apikeys import api_key_create

    _key, token = api_key_create(
        actor=personas.county_officer,
        region=personas.yanta,
        department="限速测试部门",
        scopes=["check_holder"],
        rate_limit_per_minute=2,
    )
    client = api(token)
    data = holder_check(personas.resident_a.id_number)
    assert [client.post(CHECK_HOLDER, data, format="json").status_code for _ in range(2)] == [200, 200]
    response = client.post(CHECK_HOLDER, data, format="json")
    assert response.status_code == 429
    assert response.json()["code"] == "rate_limited"


# --- input errors -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"id_number": "123"}, "id_number"),
        ({"id_number": "610113198505050010"}, "id_number"),  # wrong check character
        ({"purpose": ""}, "purpose"),
        ({"basis": None}, "basis"),
        ({"community_code": "abc"}, "community_code"),
        ({"concept_code": "NO-SUCH"}, "concept_code"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_in_chinese(api, certificate, keys, personas, change, field):
    data = {**certificate_check(certificate, personas.resident_a.id_number), **change}
    response = api(keys.certificate).post(CHECK_CERTIFICATE, data, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert field in body["fields"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["fields"][field][0]), body


def test_malformed_json_wrong_type_and_wrong_method_have_codes(api, keys):
    client = api(keys.all)
    bad = client.generic("POST", CHECK_HOLDER, "{not json", content_type="application/json")
    assert (bad.status_code, bad.json()["code"]) == (400, "parse_error")
    form = client.post(CHECK_HOLDER, {"a": "b"})  # multipart
    assert (form.status_code, form.json()["code"]) == (415, "unsupported_media_type")
    get = client.get(CHECK_HOLDER)
    assert (get.status_code, get.json()["code"]) == (405, "method_not_allowed")
    listish = client.post(CHECK_HOLDER, [1, 2], format="json")
    assert listish.status_code == 400


# --- audit --------------------------------------------------------------------------------------------------------


def test_every_keyed_call_is_audited_with_its_purpose_and_a_masked_id_number(api, certificate, keys, personas):
    id_number = personas.resident_a.id_number
    api(keys.holder).post(CHECK_HOLDER, holder_check(id_number), format="json")
    api(keys.holder).post(CHECK_HOLDER, holder_check("123"), format="json")
    api(keys.holder).post(CHECK_CERTIFICATE, certificate_check(certificate, id_number), format="json")
    calls = list(ApiCall.objects.filter(key__prefix=keys.holder.split("_")[1]).order_by("pk"))
    assert [c.status_code for c in calls] == [200, 400, 403]
    assert all(c.purpose == WHY["purpose"] and c.basis == WHY["basis"] for c in calls)
    assert calls[0].result == "valid"
    assert id_number[:6] in calls[0].subject and id_number[-4:] in calls[0].subject
    assert not any(id_number in (c.subject + c.path + c.purpose + c.basis) for c in calls)
    assert ApiKey.objects.get(prefix=keys.holder.split("_")[1]).last_used_at is not None


def test_a_keyed_call_to_a_public_endpoint_is_audited_too(api, keys, personas):
    api(keys.audit).get(reverse("api:community_catalog", args=[personas.community_x.code]))
    call = ApiCall.objects.get(key__prefix=keys.audit.split("_")[1])
    assert (call.method, call.status_code, call.operation) == ("GET", 200, "CommunityCatalogView")


def test_a_key_reads_its_own_calls_and_never_another_departments(api, certificate, keys, personas):
    api(keys.holder).post(CHECK_HOLDER, holder_check(personas.resident_a.id_number), format="json")
    api(keys.all).post(
        CHECK_HOLDER, holder_check(personas.resident_a.id_number, purpose="综合部门的用途"), format="json"
    )
    own = api(keys.all).get(AUDIT).json()["calls"]
    assert [c["purpose"] for c in own] == ["综合部门的用途"]
    assert api(keys.audit).get(AUDIT).json()["calls"] == []  # the auditor's key made no call before this one
    other = api(keys.other_county).get(AUDIT).json()["calls"]
    assert all(c["purpose"] != "综合部门的用途" for c in other)


def test_the_bench_measures_checks_and_leaves_no_record_behind(certificate):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("bench", "--section=api", "--api-count=5", stdout=out)
    assert "api_check_ms_p95=" in out.getvalue() and "certificates=1 " in out.getvalue()
    assert (ApiKey.objects.count(), ApiCall.objects.count()) == (0, 0)


def test_a_call_carrying_nul_and_lone_surrogates_is_audited_not_a_500(api, certificate, keys, personas):
    """Found by schemathesis on PostgreSQL: an invalid call's raw purpose was recorded as sent and the insert failed."""
    import json

    body = json.dumps({"purpose": "用途\x00\ud800", "basis": "依据\x00", "certificate": 7})  # \\ud800 escaped
    response = api(keys.certificate).post(CHECK_CERTIFICATE, body, content_type="application/json")
    assert response.status_code == 400
    from portal.models import ApiCall

    call = ApiCall.objects.latest("pk")
    assert "\x00" not in call.purpose + call.basis and call.status_code == 400
