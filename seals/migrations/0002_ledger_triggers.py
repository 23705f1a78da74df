"""On PostgreSQL the seal ledger and handover records refuse UPDATE and DELETE in the database itself.

Uses the trigger function created by certificates' migration 0003.
"""

from django.db import migrations

TABLES = ("seals_sealuse", "seals_sealhandover")


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(
            f"CREATE TRIGGER {table}_permanent BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION portal_refuse_change()"
        )


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_permanent ON {table}")


class Migration(migrations.Migration):
    dependencies = [("seals", "0001_initial"), ("certificates", "0003_permanent_record_triggers")]
    operations = [migrations.RunPython(forward, backward)]
