"""seed_demo --requests N --bulk (certificates/bulkseed.py): the province-scale load keeps every invariant the
workflow keeps — register numbers 1..n per community-year with no gap, in signing order, taken from the counter
rows; one seal-ledger row per issued certificate; an event for every status change."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db.models import Max

from certificates import workflow
from certificates.models import (
    CertificateRequest,
    IssuedCertificate,
    NumberCounter,
    RegisterCancellation,
    RegisterEntry,
    RequestEvent,
    Status,
)
from certificates.register import find_problems
from seals.models import SealUse


@pytest.fixture
def seeded(settings):
    settings.DEBUG = True
    out = io.StringIO()
    call_command("seed_demo", requests=120, bulk=True, days=40, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_the_bulk_load_keeps_the_register_gapless_and_verified(seeded):
    assert CertificateRequest.objects.count() == 120 and "批量生成申请 120 件" in seeded
    assert find_problems() == []
    call_command("verify_register", stdout=io.StringIO())  # exits non-zero (SystemExit) on a gap
    call_command("verify_seal_ledger", stdout=io.StringIO())
    signed = CertificateRequest.objects.filter(signed_at__isnull=False)
    assert RegisterEntry.objects.count() == signed.count() > 0
    # numbers follow signing order within each community-year, and the counter row says how far it went
    for counter in NumberCounter.objects.filter(series=NumberCounter.REGISTER):
        entries = list(RegisterEntry.objects.filter(community=counter.community, year=counter.year).order_by("number"))
        assert [e.number for e in entries] == list(range(1, counter.last_number + 1))
        assert [e.registered_at for e in entries] == sorted(e.registered_at for e in entries)


@pytest.mark.django_db
def test_every_state_was_reached_through_the_transition_table(seeded):
    assert CertificateRequest.objects.values("status").distinct().count() >= 5
    for request in CertificateRequest.objects.all():
        events = list(RequestEvent.objects.filter(request=request).order_by("at", "id"))
        state = Status.DRAFT
        for event in events:
            transition = workflow.TRANSITIONS[event.action]
            assert event.from_status == state and state in transition.sources
            state = event.to_status
        assert state == request.status
    issued = IssuedCertificate.objects.count()
    assert issued == SealUse.objects.filter(register_entry__isnull=False).count() > 0
    assert RegisterCancellation.objects.count() == CertificateRequest.objects.filter(status=Status.CANCELLED).count()


@pytest.mark.django_db
def test_a_second_load_continues_the_numbers(seeded, settings):
    top = RegisterEntry.objects.aggregate(top=Max("number"))["top"]
    call_command("seed_demo", requests=80, bulk=True, days=40, stdout=io.StringIO())
    assert find_problems() == []
    assert RegisterEntry.objects.aggregate(top=Max("number"))["top"] >= top


def test_the_overdue_index_covers_exactly_the_states_whose_clock_runs():
    # models.py repeats the states (the workflow imports the models); "overdue now" would miss the index, or read a
    # wrong one, if the two drifted apart.
    index = next(i for i in CertificateRequest._meta.indexes if i.name == "request_overdue_due")
    assert set(dict(index.condition.children)["status__in"]) == set(workflow.OVERDUE_STATES)
