"""Shared by the catalog's data migrations: write an item and its first version (who: the data migration)."""

from django.utils import timezone


def create_with_history(apps, model_name: str, change_reason: str, **values) -> None:
    model = apps.get_model("catalog", model_name)
    historical = apps.get_model("catalog", f"Historical{model_name}")
    if model.objects.filter(code=values["code"]).exists():
        return
    item = model.objects.create(**values)
    row = {f.attname: getattr(item, f.attname) for f in model._meta.concrete_fields}
    historical.objects.create(**row, history_date=timezone.now(), history_type="+", history_change_reason=change_reason)
