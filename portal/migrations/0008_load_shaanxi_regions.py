"""Every community is there: the first migrate loads Shaanxi's statistical division list (portal/data), adding only
codes that do not exist yet. Test settings skip it (REGIONS_LOAD_ON_MIGRATE)."""

from django.conf import settings
from django.db import migrations


def forward(apps, schema_editor):
    if not getattr(settings, "REGIONS_LOAD_ON_MIGRATE", True):
        return
    from portal.regions_import import SHIPPED, read_rows

    region_model = apps.get_model("portal", "Region")
    existing = {code: pk for code, pk in region_model.objects.values_list("code", "pk")}
    rows = read_rows(SHIPPED)
    for level in ("province", "city", "county", "street", "community"):
        new = []
        for row in rows:
            if row["level"] != level or row["code"] in existing:
                continue
            name = row["name"]
            kind = ""
            if level == "community":
                kind = "villagers_committee" if ("村委会" in name or "村民委员会" in name) else "residents_committee"
            new.append(
                region_model(
                    code=row["code"],
                    name=name,
                    level=level,
                    parent_id=existing.get(row["parent"]) if row["parent"] else None,
                    community_kind=kind,
                )
            )
        region_model.objects.bulk_create(new, batch_size=2000)
        existing.update(dict(region_model.objects.filter(level=level).values_list("code", "pk")))


class Migration(migrations.Migration):
    dependencies = [("portal", "0007_self_service_and_appointments")]
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
