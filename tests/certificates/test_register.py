"""The register: numbering per community and year, the reconciliation command, database-level permanence."""

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from certificates import workflow
from certificates.models import RegisterEntry, Status
from tests.factories import make_request


def sign_new(personas, item, community=None, when=None, monkeypatch=None):
    community = community or personas.community_x
    request = make_request(
        community=community,
        item=item,
        applicant=personas.resident_a,
        status=Status.AWAITING_SIGNATURE,
        verified_by=personas.staff_x,
    )
    director = personas.director
    if community != personas.community_x:
        from portal.roles import Role
        from tests.factories import member

        member(director, Role.DIRECTOR, community)
    return workflow.sign(request_id=request.pk, actor=director).register_entry


def test_numbers_run_per_community_and_restart_each_year(personas, item, monkeypatch):
    personas.community_x.number_prefix = "雁育证"
    personas.community_x.save()
    first, second = sign_new(personas, item), sign_new(personas, item)
    other = sign_new(personas, item, community=personas.village)
    assert (first.number, second.number, other.number) == (1, 2, 1)
    assert second.display_number == f"雁育证〔{second.year}〕2号"
    # 2027-01-01 00:30 in Beijing is still 2026 in UTC: the year follows Asia/Shanghai.
    new_year = dt.datetime(2026, 12, 31, 16, 30, tzinfo=dt.UTC)
    monkeypatch.setattr(workflow.timezone, "now", lambda: new_year)
    entry = sign_new(personas, item)
    assert (entry.year, entry.number) == (2027, 1)
    assert timezone.localtime(entry.registered_at).year == 2027


def test_verify_register_passes_and_names_a_broken_community_year(personas, item):
    sign_new(personas, item)
    out = io.StringIO()
    call_command("verify_register", stdout=out)
    assert "无误" in out.getvalue()
    entry = RegisterEntry.objects.get()
    broken = make_request(community=personas.community_x, item=item, applicant=personas.resident_a, status="signed")
    RegisterEntry.objects.bulk_create(  # a number 3 with no number 2: bypasses the workflow on purpose
        [
            RegisterEntry(
                community=entry.community,
                year=entry.year,
                number=3,
                display_number="x",
                request=broken,
                registered_at=entry.registered_at,
                applicant_name="x",
                applicant_id_number="x",
                matter_name="x",
                purpose="x",
                requesting_body="x",
                verifier=entry.verifier,
                signer=entry.signer,
            )
        ]
    )
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("verify_register", stderr=err)
    assert personas.community_x.code in err.getvalue() and str(entry.year) in err.getvalue()


def test_the_database_refuses_to_change_register_entries(personas, item):
    if connection.vendor != "postgresql":
        pytest.skip("database triggers exist on PostgreSQL only; SQLite relies on the model guard (tested elsewhere)")
    entry = sign_new(personas, item)
    for sql in (
        "UPDATE certificates_registerentry SET purpose = 'x' WHERE id = %s",
        "DELETE FROM certificates_registerentry WHERE id = %s",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [entry.pk])
    entry.refresh_from_db()
    assert entry.purpose == "办理公证"
