"""The API's world: resident A holds an issued certificate of 610113-ZM01 (亲属关系证明（仅限公证）) from community X
in 雁塔区; departments hold keys issued by 雁塔区 with one scope each, or all of them."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from catalog.models import IssuableItem
from certificates import services, workflow
from certificates.demo import TINY_PDF
from certificates.models import IssuedCertificate
from certificates.services import RequestInput
from portal.apikeys import api_key_create
from portal.models import ApiScope
from seals.models import Seal

PDF = TINY_PDF


def issue_zm01(personas, applicant) -> IssuedCertificate:
    """A 610113-ZM01 certificate of community X for `applicant`, through the real workflow."""
    x = personas.community_x
    data = RequestInput(
        applicant_name=applicant.display_name,
        applicant_id_number=applicant.id_number,
        purpose="办理亲属关系公证",
        requesting_body="西安市某公证处",
        requesting_basis="公证法第十一条",
        applicant_phone="13800000001",
        field_values={"relative_name": "李四", "relation": "父子", "notary_office": "西安市某公证处"},
        uploads={
            "当事人居民身份证": [SimpleUploadedFile("id.pdf", PDF)],
            "当事人户口簿": [SimpleUploadedFile("h.pdf", PDF)],
        },
    )
    request = services.request_create(
        community=x, item=IssuableItem.objects.get(code="610113-ZM01"), actor=applicant, applicant=applicant, data=data
    )
    workflow.verify(request_id=request.pk, actor=personas.staff_x, method="document_check", note="查验户口簿")
    workflow.send_for_signature(request_id=request.pk, actor=personas.staff_x)
    workflow.sign(request_id=request.pk, actor=personas.director)
    seal = Seal.objects.filter(community=x).first() or Seal.objects.create(
        community=x, name="证明专用章", keeper=personas.keeper, is_specimen=True
    )
    workflow.issue(request_id=request.pk, actor=personas.keeper, seal_id=seal.pk)
    return IssuedCertificate.objects.select_related("entry").get(entry__request=request)


@dataclass
class Keys:
    certificate: str  # check_certificate only
    holder: str  # check_holder only
    audit: str  # read_audit only
    all: str  # every scope
    other_county: str  # every scope, issued by 未央区


@pytest.fixture
def certificate(personas) -> IssuedCertificate:
    return issue_zm01(personas, personas.resident_a)


@pytest.fixture
def keys(personas) -> Keys:
    def make(department, scopes, *, officer=None, region=None, rate=1000):
        _key, token = api_key_create(
            actor=officer or personas.county_officer,
            region=region or personas.yanta,
            department=department,
            scopes=scopes,
            rate_limit_per_minute=rate,
        )
        return token

    return Keys(
        certificate=make("西安市某公证处", [ApiScope.CHECK_CERTIFICATE]),
        holder=make("某银行雁塔支行", [ApiScope.CHECK_HOLDER]),
        audit=make("某审计部门", [ApiScope.READ_AUDIT]),
        all=make("某综合部门", list(ApiScope.values)),
        other_county=make(
            "未央区某学校", list(ApiScope.values), officer=personas.other_county_officer, region=personas.weiyang
        ),
    )


@pytest.fixture
def api():
    """An API client; api(token) sends the key as a bearer token."""

    def _client(token: str | None = None) -> APIClient:
        client = APIClient()
        if token:
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        return client

    return _client
