"""The national first batch of 20 non-issuable items (民发〔2020〕20号 附件), each with where to go instead.

The item names are official. The department and channel columns are compiled from national sector rules (see
shared/reference/policy-facts.md §1): items whose source is not verified carry needs_confirmation.
The data file is frozen for this migration; later changes come as new migrations or officers' edits.
"""

import datetime as dt
import json
from pathlib import Path

from django.db import migrations

from catalog.migration_helpers import create_with_history

DATA = Path(__file__).resolve().parent.parent / "data" / "national_first_batch.json"


def forward(apps, schema_editor):
    for entry in json.loads(DATA.read_text(encoding="utf-8")):
        entry.pop("local_variant", None)
        create_with_history(
            apps,
            "NonIssuableItem",
            "国家第一批清单（数据迁移）",
            scope="national",
            status="published",
            effective_from=dt.date(2020, 2, 29),
            **entry,
        )


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
