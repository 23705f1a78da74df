"""610113-ZM05: the spouse's name is optional, so its clause becomes an optional sentence ([[…]], catalog/rules.py):
an unmarried resident's certificate no longer prints "配偶：。". Written as a new version of the item, like an
officer's edit, so that certificates signed on the old version keep it."""

from django.db import migrations
from django.utils import timezone

OLD = "婚姻状况为{marital_status}，配偶：{spouse_name}。"
NEW = "婚姻状况为{marital_status}[[，配偶：{spouse_name}]]。"


def forward(apps, schema_editor):
    model = apps.get_model("catalog", "IssuableItem")
    historical = apps.get_model("catalog", "HistoricalIssuableItem")
    for item in model.objects.filter(code="610113-ZM05", body_template__contains=OLD):
        item.body_template = item.body_template.replace(OLD, NEW)
        item.save(update_fields=["body_template"])
        row = {f.attname: getattr(item, f.attname) for f in model._meta.concrete_fields}
        historical.objects.create(
            **row,
            history_date=timezone.now(),
            history_type="~",
            history_change_reason="选填的配偶姓名改为可选句子，留空时不再打印“配偶：。”（数据迁移）",
        )


class Migration(migrations.Migration):
    dependencies = [("catalog", "0008_n01_exception_without_source_note")]
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
