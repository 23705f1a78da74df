"""The API's document page (served locally) and the county officers' page for departments' keys."""

from __future__ import annotations

import re

import pytest
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from portal.apikeys import hash_token
from portal.models import ApiCall, ApiKey, ApiScope

# --- the document page --------------------------------------------------------------------------------------------


def test_the_document_page_loads_everything_from_the_portal_itself(client, db):
    page = client.get(reverse("api:docs"))
    assert page.status_code == 200
    html = page.content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any("swagger-ui-bundle.js" in s for s in sources)
    # nothing inline, so that a Content-Security-Policy of script-src/style-src 'self' lets the page run
    assert "<style" not in html
    assert len(re.findall(r"<script", html)) == len(re.findall(r"<script src=", html))
    assert all(s.startswith("/") and not s.startswith("//") for s in sources), sources
    for source in sources:  # each file is really served (static files through the test server's finders)
        assert client.get(source).status_code == 200, source
    assert client.get(reverse("api:schema") + "?format=json").json()["info"]["title"] == "社区证明服务平台 数据共享接口"


# --- the keys page ------------------------------------------------------------------------------------------------


def create(client, personas, **extra):
    data = {
        "department": "西安市某公证处",
        "region": str(personas.yanta.pk),
        "scopes": [ApiScope.CHECK_CERTIFICATE, ApiScope.READ_AUDIT],
        "rate_limit_per_minute": "120",
        **extra,
    }
    return client.post(reverse("api_keys"), data, follow=True)


def test_a_county_officer_issues_a_key_that_is_shown_once(login, personas):
    client = login(personas.county_officer)
    page = create(client, personas).content.decode()
    token = re.search(r'value="(ck_[0-9a-f]{8}_[^"]+)"', page).group(1)
    key = ApiKey.objects.get()
    assert (key.department, key.region, key.rate_limit_per_minute) == ("西安市某公证处", personas.yanta, 120)
    assert sorted(key.scopes) == sorted([ApiScope.CHECK_CERTIFICATE, ApiScope.READ_AUDIT])
    assert key.key_hash == hash_token(token)
    again = client.get(reverse("api_keys")).content.decode()
    assert token not in again
    assert f"ck_{key.prefix}_…" in again  # the list names it by its prefix only


def test_a_second_live_key_for_the_same_department_is_refused_with_a_message(login, personas):
    client = login(personas.county_officer)
    create(client, personas)
    page = create(client, personas).content.decode()
    assert "该部门已有一把有效密钥" in page
    assert ApiKey.objects.count() == 1


def test_an_officer_cannot_issue_a_key_for_another_place(login, personas):
    client = login(personas.county_officer)
    page = create(client, personas, region=str(personas.weiyang.pk)).content.decode()
    assert ApiKey.objects.count() == 0
    assert "西安市某公证处" in page  # nothing typed is lost


def test_revoking_stops_the_key_and_only_the_issuing_place_may_revoke(login, personas, client):
    create(login(personas.county_officer), personas)
    key = ApiKey.objects.get()
    url = reverse("api_key_revoke", args=[key.pk])
    assert login(personas.other_county_officer).post(url).status_code == 404
    assert login(personas.staff_x).post(url).status_code == 403
    key.refresh_from_db()
    assert key.is_active
    assert login(personas.provincial_officer).post(url).status_code == 302  # the province supervises 雁塔区
    key.refresh_from_db()
    assert not key.is_active and key.revoked_by == personas.provincial_officer


def test_the_calls_page_shows_the_calls_of_the_officers_places_only(login, personas):
    from portal.apikeys import api_key_create

    mine, _t = api_key_create(
        actor=personas.county_officer,
        region=personas.yanta,
        department="雁塔部门",
        scopes=["check_holder"],
        rate_limit_per_minute=10,
    )
    theirs, _t = api_key_create(
        actor=personas.other_county_officer,
        region=personas.weiyang,
        department="未央部门",
        scopes=["check_holder"],
        rate_limit_per_minute=10,
    )
    for key, purpose in ((mine, "雁塔的用途"), (theirs, "未央的用途")):
        ApiCall.objects.create(
            key=key,
            method="POST",
            path="/api/v1/checks/holder/",
            operation="HolderCheckView",
            status_code=200,
            purpose=purpose,
        )
    page = login(personas.county_officer).get(reverse("api_calls")).content.decode()
    assert "雁塔的用途" in page and "未央的用途" not in page
    keys_page = login(personas.county_officer).get(reverse("api_keys")).content.decode()
    assert "雁塔部门" in keys_page and "未央部门" not in keys_page
    assert login(personas.resident_a).get(reverse("api_calls")).status_code == 403


def test_api_calls_are_permanent(personas):
    from portal.apikeys import api_key_create
    from portal.permanent import PermanentRecordError

    key, _t = api_key_create(
        actor=personas.county_officer,
        region=personas.yanta,
        department="部门",
        scopes=["check_holder"],
        rate_limit_per_minute=10,
    )
    call = ApiCall.objects.create(key=key, method="GET", path="/", operation="x", status_code=200)
    with pytest.raises(PermanentRecordError):
        call.delete()
    with pytest.raises(PermanentRecordError):
        ApiCall.objects.filter(pk=call.pk).update(purpose="改")
    if connection.vendor != "postgresql":
        print("SKIP part: the database trigger on API calls exists only on PostgreSQL (CI runs it there)")
        return
    for sql in ("UPDATE portal_apicall SET purpose = 'x'", "DELETE FROM portal_apicall"):
        with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
