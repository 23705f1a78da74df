"""A county officer issues a notary office's API key in a real browser, the office checks a certificate with it,
and the officer sees the call and revokes the key. The API's document page renders from local files."""

import json
import re
import urllib.error
import urllib.request

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def post_json(url: str, token: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_officer_issues_a_key_the_department_checks_and_the_officer_revokes(
    personas, open_page, sign_in, shoot, live_server
):
    from tests.api.conftest import issue_zm01

    issue_zm01(personas, personas.resident_a)
    page = open_page("desktop")
    sign_in(page, personas.county_officer)
    page.goto("/desk/county/")
    page.get_by_role("link", name="部门接口密钥").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("部门接口密钥")
    page.get_by_label("使用部门").fill("西安市某公证处")
    page.get_by_label("查询居民是否持有某事项的有效证明").check()
    page.get_by_role("button", name="生成密钥").click()
    token = page.get_by_label("密钥", exact=True).input_value()
    assert re.fullmatch(r"ck_[0-9a-f]{8}_\S+", token)
    shoot(page, "key-shown-once")

    body = {
        "concept_code": "610113-ZM01",
        "id_number": personas.resident_a.id_number,
        "purpose": "办理亲属关系公证",
        "basis": "中华人民共和国公证法第十一条",
    }
    status, answer = post_json(f"{live_server.url}/api/v1/checks/holder/", token, body)
    assert (status, answer["result"], answer["status"]) == (200, True, "valid")

    page.reload()
    expect(page.get_by_label("密钥", exact=True)).to_have_count(0)  # shown once only
    page.get_by_role("link", name="接口调用记录").click()
    row = page.locator("tbody tr").first
    expect(row).to_contain_text("办理亲属关系公证")
    expect(row).to_contain_text(personas.resident_a.id_number[:6])
    expect(row).not_to_contain_text(personas.resident_a.id_number)
    shoot(page, "calls")

    page.goto("/officer/api-keys/")
    page.get_by_role("button", name="撤销").click()
    expect(page.locator(".list-group-item").first).to_contain_text("已撤销")
    shoot(page, "revoked")
    status, answer = post_json(f"{live_server.url}/api/v1/checks/holder/", token, body)
    assert (status, answer["code"]) == (401, "key_revoked")

    phone = open_page("phone")
    sign_in(phone, personas.county_officer)
    phone.goto("/officer/api-keys/")
    expect(phone.get_by_role("heading", level=1)).to_have_text("部门接口密钥")
    shoot(phone, "keys-phone")


def test_the_api_document_page_renders_from_local_files(personas, open_page, shoot, live_server):
    page = open_page("desktop")
    outside = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(live_server.url) else None)
    page.goto("/api/v1/docs/")
    expect(page.locator(".swagger-ui .title").first).to_contain_text("社区证明服务平台 数据共享接口")
    expect(page.get_by_text("/api/v1/checks/holder/").first).to_be_visible()
    assert outside == []
    shoot(page, "docs")
