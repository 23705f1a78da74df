"""Login lockout records are permanent: on PostgreSQL the database refuses to change or delete them too."""

from django.db import migrations


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "CREATE TRIGGER portal_loginlockout_permanent BEFORE UPDATE OR DELETE ON portal_loginlockout "
        "FOR EACH ROW EXECUTE FUNCTION portal_refuse_change()"
    )


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP TRIGGER IF EXISTS portal_loginlockout_permanent ON portal_loginlockout")


class Migration(migrations.Migration):
    dependencies = [("portal", "0004_login_lockout")]
    operations = [migrations.RunPython(forward, backward)]
