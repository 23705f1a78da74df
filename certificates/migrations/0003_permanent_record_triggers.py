"""On PostgreSQL, permanent records refuse UPDATE and DELETE in the database itself, not only in the model."""

from django.db import migrations

TABLES = (
    "certificates_registerentry",
    "certificates_registercancellation",
    "certificates_requestevent",
    "certificates_deliberation",
    "certificates_attachment",
    "certificates_commitment",
    "certificates_refusalnotice",
    "certificates_issuedcertificate",
    "certificates_certificaterevocation",
    "certificates_certificatereprint",
)

# "%%" because schema_editor.execute() formats its SQL with parameters; PostgreSQL receives a single "%".
FUNCTION = """
CREATE OR REPLACE FUNCTION portal_refuse_change() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'permanent record in %% cannot be changed or deleted', TG_TABLE_NAME
    USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION)
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
    dependencies = [("certificates", "0002_relations")]
    operations = [migrations.RunPython(forward, backward)]
