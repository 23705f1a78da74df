"""Redis down, through the API: public calls (no key) are refused while they cannot be counted (closed); a
department's keyed calls go on (open: the key identifies the caller and every call is recorded)."""

from __future__ import annotations

from django.urls import reverse

from tests.api.test_contract import CHECK_CERTIFICATE, certificate_check
from tests.portal.test_redis_down import DOWN


def test_public_calls_wait_and_keyed_calls_go_on(api, certificate, keys, personas, settings):
    settings.CACHES = DOWN
    assert api().get(reverse("api:certificate_verification", args=[certificate.code])).status_code == 429
    data = certificate_check(certificate, personas.resident_a.id_number)
    response = api(keys.certificate).post(CHECK_CERTIFICATE, data, format="json")
    assert response.status_code == 200 and response.json() == {"result": True, "status": "valid"}
