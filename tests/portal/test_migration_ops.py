"""Indexes on the requests table are built and dropped without locking it on PostgreSQL (portal/migration_ops.py):
a plain CREATE INDEX blocks every write for the whole build over a million rows, and a DROP INDEX inside the
migration's transaction blocks reads too. SQLite, the embedded default, gets the plain statements."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection


def _sql(migration: str) -> str:
    out = StringIO()
    call_command("sqlmigrate", "certificates", migration, stdout=out)
    return out.getvalue()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("migration", ["0023", "0025"])
def test_request_indexes_are_built_without_locking_the_table(migration):
    sql = _sql(migration)
    statements = [line for line in sql.splitlines() if line.startswith(("CREATE INDEX", "DROP INDEX"))]
    assert statements
    if connection.vendor == "postgresql":
        assert all("CONCURRENTLY" in line for line in statements), sql
        assert "BEGIN" not in sql  # CONCURRENTLY cannot run inside a transaction
    else:
        assert not any("CONCURRENTLY" in line for line in statements), sql


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_new_covering_index_is_built_before_the_old_one_is_dropped():
    sql = _sql("0023")
    assert sql.index("request_oversight_cover") < sql.index("certificate_communi_556e75_idx")
