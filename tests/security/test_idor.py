"""IDOR: every detail, download and action URL that names another person's or place's object, tried as another
resident, another community's staff and another county's officer. They learn nothing (no 200, none of the
applicant's data) and change nothing, whatever they post."""

from __future__ import annotations

import pytest
from django.urls import reverse

from catalog.models import IssuableItem, NonIssuableItem
from certificates.models import CertificateRequest, RegisterEntry, RequestEvent
from portal.models import AuditEntry
from seals.models import Seal, SealUse, SealUseRequest
from tests.test_url_matrix import MATRIX, world  # noqa: F401  (the shared world of objects)

OUTSIDERS = ("resident_b", "staff_y", "other_county_officer")
NAMING_KEYS = {"pk", "attachment_id", "history_id", "community_code"}
# Public by design: the published lists, and refusal notices behind an unguessable token; the province's
# vocabulary (concepts, synonyms, liability phrases) is shared data every officer reads.
PUBLIC = {
    "requests:refusal_notice_create",
    "requests:refusal_guide",
    "requests:refusal_guide_pdf",
    "requests:apply",
    "catalog_officer:concept_detail",
    "catalog_officer:phrase_detail",
}


class _AnyWorld:
    """Stands in for the world to read which URL arguments a matrix entry takes."""

    def __getattr__(self, name: str) -> int:
        return 1


NAMED = sorted(
    name
    for name, (kwargs_of, _expected) in MATRIX.items()
    if not name.startswith("catalog:") and name not in PUBLIC and NAMING_KEYS & set(kwargs_of(_AnyWorld()))
)


def test_the_battery_covers_the_object_urls():
    for name in ("desk:detail", "requests:detail", "requests:attachment", "issuance:download", "seals:seal_detail"):
        assert name in NAMED, name


def fingerprint() -> tuple:
    """Everything an outsider's post could change."""
    return (
        tuple(CertificateRequest.objects.order_by("pk").values_list("pk", "status", "revision")),
        RequestEvent.objects.count(),
        RegisterEntry.objects.count(),
        SealUse.objects.count(),
        tuple(SealUseRequest.objects.order_by("pk").values_list("pk", "status")),
        tuple(Seal.objects.order_by("pk").values_list("pk", "status", "keeper_id")),
        tuple(IssuableItem.objects.order_by("pk").values_list("pk", "status", "effective_to")),
        tuple(NonIssuableItem.objects.order_by("pk").values_list("pk", "status", "effective_to")),
    )


@pytest.mark.parametrize("name", NAMED)
def test_outsiders_learn_nothing(name, world, personas, client):  # noqa: F811
    url = reverse(name, kwargs=MATRIX[name][0](world))
    secret_id = personas.resident_a.id_number
    for persona in OUTSIDERS:
        client.force_login(getattr(personas, persona))
        response = client.get(url)
        assert response.status_code in (403, 404, 405), f"{persona} GET {url} → {response.status_code}"
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert secret_id.encode() not in body
        assert "王小明".encode() not in body, f"{persona} saw the applicant's name at {url}"
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize("name", NAMED)
def test_outsiders_change_nothing(name, world, personas, client):  # noqa: F811
    url = reverse(name, kwargs=MATRIX[name][0](world))
    revision = CertificateRequest.objects.get(pk=world.request).revision
    plausible = {"revision": revision, "reason": "测试", "note": "测试", "approve": "1", "decision": "approve"}
    for action in ("verify", "sign", "reject", "send_for_signature", "withdraw", "cancel"):
        plausible |= {"action": action, f"{action}-revision": revision, f"{action}-reason": "测试"}
        plausible |= {f"{action}-method": "document_check", f"{action}-note": "测试"}
    plausible |= {"seal": world.seal, "status": "retired", "to_keeper": personas.staff_y.pk, "end_date": "2020-01-01"}
    before = fingerprint()
    for persona in OUTSIDERS:
        client.force_login(getattr(personas, persona))
        response = client.post(url, plausible)
        assert response.status_code < 500
        assert fingerprint() == before, f"{persona} POST {url} changed something"
