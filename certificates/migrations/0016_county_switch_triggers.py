"""The county's switches (four-eyes waiver, review gate) are permanent histories: each change is a new row. On
PostgreSQL the database refuses to change or delete a row too, as for every other permanent record."""

from django.db import migrations

PERMANENT = ("certificates_foureyeswaiver", "certificates_countyreviewgate")


def triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in PERMANENT:
        schema_editor.execute(
            f"CREATE TRIGGER {table}_permanent BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION portal_refuse_change()"
        )


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for table in PERMANENT:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_permanent ON {table}")


class Migration(migrations.Migration):
    dependencies = [("certificates", "0015_pending_uploads_and_revoked_state")]
    operations = [migrations.RunPython(triggers, drop_triggers)]
