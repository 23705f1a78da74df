"""Post-check records are permanent: on PostgreSQL the database refuses to change or delete them too."""

from django.db import migrations


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "CREATE TRIGGER certificates_postcheck_permanent BEFORE UPDATE OR DELETE ON certificates_postcheck "
        "FOR EACH ROW EXECUTE FUNCTION portal_refuse_change()"
    )


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP TRIGGER IF EXISTS certificates_postcheck_permanent ON certificates_postcheck")


class Migration(migrations.Migration):
    dependencies = [("certificates", "0007_post_checks")]
    operations = [migrations.RunPython(forward, backward)]
