"""Reference data: Shaanxi province, Xi'an and the two districts the demo county catalog belongs to.

Codes are the national statistical division codes. Streets and communities below them are demo data (seed_demo).
"""

from django.db import migrations

REGIONS = [
    ("province", "610000000000", "陕西省", None),
    ("city", "610100000000", "西安市", "610000000000"),
    ("county", "610112000000", "未央区", "610100000000"),
    ("county", "610113000000", "雁塔区", "610100000000"),
]


def forward(apps, schema_editor):
    Region = apps.get_model("portal", "Region")
    for level, code, name, parent_code in REGIONS:
        parent = Region.objects.get(code=parent_code) if parent_code else None
        Region.objects.get_or_create(code=code, defaults={"level": level, "name": name, "parent": parent})


class Migration(migrations.Migration):
    dependencies = [("portal", "0001_initial")]
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
