"""Items that need a residents' deliberation no longer ask the resident for its minutes or its outcome: the community
holds the deliberation after accepting the request, and its record fills {deliberation_outcome} in the body."""

from django.db import migrations

DELIBERATION_WORDS = ("议事协商", "协商记录", "会议纪要", "会议记录")  # catalog.rules.DELIBERATION_WORDS, frozen here
OUTCOME_LABELS = ("议事协商结果",)


def forward(apps, schema_editor):
    IssuableItem = apps.get_model("catalog", "IssuableItem")
    for item in IssuableItem.objects.filter(requires_deliberation=True):
        materials = [m for m in item.materials if not any(w in m.get("name", "") for w in DELIBERATION_WORDS)]
        outcome = [f["name"] for f in item.fields if f.get("label") in OUTCOME_LABELS]
        fields = [f for f in item.fields if f["name"] not in outcome]
        body = item.body_template
        for name in outcome:
            body = body.replace("{" + name + "}", "{deliberation_outcome}")
        if (materials, fields, body) != (item.materials, item.fields, item.body_template):
            item.materials, item.fields, item.body_template = materials, fields, body
            item.save(update_fields=["materials", "fields", "body_template"])


class Migration(migrations.Migration):
    dependencies = [("catalog", "0009_optional_sentence_spouse")]
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
