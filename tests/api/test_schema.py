"""Schemathesis against the schema the portal serves (/api/v1/schema/): every operation, generated inputs (valid
and invalid), with a key holding every scope. No answer is a 500, every status and body is the documented one.

Runs inside `make test` (plain pytest). The number of examples per operation is kept moderate for the 2-core
machines: API_SCHEMA_EXAMPLES raises it for a longer run.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from portal.apikeys import api_key_create
from portal.models import ApiScope
from tests.api.conftest import issue_zm01

EXAMPLES = int(os.environ.get("API_SCHEMA_EXAMPLES", "40"))


@pytest.fixture
def keep_connection():
    """Calls go through the real WSGI handler, whose request_finished signal closes the database connection (and
    with it the test's transaction on PostgreSQL); Django's test client switches this off the same way."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def full_key(personas, settings, keep_connection) -> str:
    # Generated calls come quickly: limits high enough that a 429 is not all the test sees (429 is documented).
    settings.VERIFY_RATE_LIMIT = settings.API_PUBLIC_RATE_LIMIT = 100_000
    issue_zm01(personas, personas.resident_a)
    _key, token = api_key_create(
        actor=personas.county_officer,
        region=personas.yanta,
        department="接口测试部门",
        scopes=list(ApiScope.values),
        rate_limit_per_minute=6000,
    )
    return token


# Loaded from the portal's own WSGI application at collection (the schema needs no database). Not through
# schemathesis.pytest.from_fixture: with pytest 9 its lazy loader fails (it sets a node attribute pytest removed).
schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", get_wsgi_application())


@schema.parametrize()
@hypothesis_settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,  # the same examples on every run: `make test` is reproducible (raise EXAMPLES to explore)
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_every_operation_answers_as_documented(case, full_key):
    # Every default check (no 5xx, documented status codes, content types, headers, response bodies matching the
    # schema, schema-violating input refused) except "a schema-valid request is accepted": a well-formed ID number
    # with a wrong check character, or an item code that does not exist, is schema-valid and rightly a 400.
    case.call_and_validate(
        headers={"Authorization": f"Bearer {full_key}"},
        excluded_checks=[schemathesis.checks.positive_data_acceptance],
    )


def test_the_schema_documents_every_api_endpoint(db, client):
    served = client.get("/api/v1/schema/?format=json").json()["paths"]
    assert set(served) == {
        "/api/v1/audit/",
        "/api/v1/communities/{code}/catalog/",
        "/api/v1/certificates/{code}/verification/",
        "/api/v1/checks/certificate/",
        "/api/v1/checks/holder/",
        "/api/v1/counties/{code}/requesting-bodies/",
    }
