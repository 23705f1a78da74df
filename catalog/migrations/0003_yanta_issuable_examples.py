"""Issuable examples for the demo county 雁塔区, modelled on published office guides (policy-facts.md §2).

Bases tagged uncertain in the reference carry needs_confirmation: the county must confirm them.
"""

import datetime as dt
import json
from pathlib import Path

from django.db import migrations

from catalog.migration_helpers import create_with_history

DATA = Path(__file__).resolve().parent.parent / "data" / "yanta_issuable_examples.json"


def forward(apps, schema_editor):
    Region = apps.get_model("portal", "Region")
    county = Region.objects.get(code="610113000000")
    for entry in json.loads(DATA.read_text(encoding="utf-8")):
        create_with_history(
            apps,
            "IssuableItem",
            "雁塔区示例清单（数据迁移）",
            scope="county",
            region=county,
            status="published",
            effective_from=dt.date(2022, 6, 30),
            **entry,
        )


class Migration(migrations.Migration):
    dependencies = [("catalog", "0002_national_first_batch"), ("portal", "0002_shaanxi_regions")]
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
