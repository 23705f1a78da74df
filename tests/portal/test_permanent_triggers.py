"""Every permanent record is refused changes by the database too (PostgreSQL), not only by the model: a raw UPDATE
from a shell, a migration or another program must fail. A new PermanentRecord model without a trigger fails here."""

import pytest
from django.apps import apps
from django.db import connection

from portal.permanent import PermanentRecord


def permanent_tables() -> list[str]:
    return sorted(
        model._meta.db_table
        for model in apps.get_models()
        if issubclass(model, PermanentRecord) and not model._meta.abstract and not model._meta.proxy
    )


@pytest.mark.django_db
def test_every_permanent_table_has_a_refusing_trigger():
    if connection.vendor != "postgresql":
        pytest.skip("database triggers exist on PostgreSQL only; CI runs this in its PostgreSQL pass")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT event_object_table FROM information_schema.triggers "
            "WHERE action_statement LIKE '%%portal_refuse_change%%' "
            "AND event_manipulation IN ('UPDATE', 'DELETE')"
        )
        guarded = {row[0] for row in cursor.fetchall()}
    assert [table for table in permanent_tables() if table not in guarded] == []
