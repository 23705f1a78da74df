"""seed_demo --requests drives requests through the real workflow, so every invariant holds in load data."""

import io

import pytest
from django.core.management import call_command
from django.db import connection

from certificates.models import CertificateRequest, RegisterEntry, RequestEvent
from certificates.register import find_problems


def seed(settings, **options):
    settings.DEBUG = True
    out = io.StringIO()
    call_command("seed_demo", stdout=out, **options)
    return out.getvalue()


@pytest.mark.django_db
def test_requests_are_spread_over_states_and_keep_the_register_whole(settings):
    output = seed(settings, requests=40)
    assert CertificateRequest.objects.count() == 40 and "生成申请 40 件" in output
    assert CertificateRequest.objects.values("status").distinct().count() >= 4
    assert RegisterEntry.objects.count() == CertificateRequest.objects.filter(status="signed").count() > 0
    assert find_problems() == []
    # every request got there through transitions, each leaving an event
    for request in CertificateRequest.objects.all():
        assert RequestEvent.objects.filter(request=request, action="submit").exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_parallel_seeding_in_processes_on_postgresql(settings):
    if connection.vendor != "postgresql":
        pytest.skip("--concurrency needs PostgreSQL; CI runs this in its PostgreSQL pass")
    seed(settings, requests=30, concurrency=3)
    assert CertificateRequest.objects.count() == 30
    assert find_problems() == []
