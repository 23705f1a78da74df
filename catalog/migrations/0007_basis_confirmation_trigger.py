"""Basis confirmations are permanent: on PostgreSQL the database refuses to change or delete them too.

The trigger function `portal_refuse_change` is defined by portal's migration 0003 (the ground floor), so catalog
needs nothing from the certificates app for it."""

from django.db import migrations


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "CREATE TRIGGER catalog_basisconfirmation_permanent BEFORE UPDATE OR DELETE ON catalog_basisconfirmation "
        "FOR EACH ROW EXECUTE FUNCTION portal_refuse_change()"
    )


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP TRIGGER IF EXISTS catalog_basisconfirmation_permanent ON catalog_basisconfirmation")


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0006_seed_concepts_and_liability_phrases"),
        ("portal", "0003_audit_entry"),
    ]
    operations = [migrations.RunPython(forward, backward)]
