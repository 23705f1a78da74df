"""Seed the resolver's vocabulary and the liability guard's phrases (catalog/data/concepts.json,
catalog/data/liability_phrases.json), each row with its first version (who: this data migration).

One concept per national non-issuable item (N01-N20): the names people really use for it and the words by which a
certificate body reveals it; plus 居住 for the issuable 居（租）住证明 of 雁塔区. The data files are frozen for this
migration; later changes are provincial officers' edits, kept in the history.
"""

import json
from pathlib import Path

from django.db import migrations
from django.utils import timezone

DATA = Path(__file__).resolve().parent.parent / "data"
REASON = "初始词表（数据迁移）"


def _create(apps, model_name: str, lookup: dict, values: dict) -> None:
    model = apps.get_model("catalog", model_name)
    historical = apps.get_model("catalog", f"Historical{model_name}")
    if model.objects.filter(**lookup).exists():
        return
    row = model.objects.create(**lookup, **values)
    fields = {f.attname: getattr(row, f.attname) for f in model._meta.concrete_fields}
    historical.objects.create(**fields, history_date=timezone.now(), history_type="+", history_change_reason=REASON)


def forward(apps, schema_editor):
    for entry in json.loads((DATA / "concepts.json").read_text(encoding="utf-8")):
        name = entry.pop("name")
        _create(apps, "CertificateConcept", {"name": name}, entry)
    for entry in json.loads((DATA / "liability_phrases.json").read_text(encoding="utf-8")):
        phrase = entry.pop("phrase")
        _create(apps, "LiabilityPhrase", {"phrase": phrase}, {**entry, "active": True})


class Migration(migrations.Migration):
    dependencies = [("catalog", "0005_concepts_phrases_reviews_confirmations")]
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
