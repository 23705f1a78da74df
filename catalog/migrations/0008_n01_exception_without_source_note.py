"""N01's exception text carried an internal source note ("山东'仅限公证'事项，引附件第1项例外") that public pages
printed. The rule itself is unchanged; only the note is dropped. Items an officer has already reworded are left
alone."""

from django.db import migrations

OLD = '公证事项无法通过上述途径核实的，村（社区）可就能核实的事实据实出具（山东"仅限公证"事项，引附件第1项例外）'
NEW = "公证事项无法通过上述途径核实的，村（社区）可就能核实的事实据实出具。"


def forward(apps, schema_editor):
    apps.get_model("catalog", "NonIssuableItem").objects.filter(code="N01", exception=OLD).update(exception=NEW)


class Migration(migrations.Migration):
    dependencies = [("catalog", "0007_basis_confirmation_trigger")]
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
