"""The first version of the notice-and-commitment text (告知承诺书)."""

import datetime as dt

from django.db import migrations

BODY = (
    "本人已知晓办理该证明事项所需的材料要求。本人承诺：以告知承诺方式替代的材料所载内容真实、准确、完整，"
    "与本人实际情况相符；本人同意社区及有关部门事后核查。"
)
WARNING = (
    "如承诺不实，社区将撤销据此出具的证明；虚假承诺情况将按规定记入个人信用记录，推送至全国信用信息共享平台，"
    "并可能在“信用中国”网站公开；情节严重的，依法追究法律责任。"
)


def forward(apps, schema_editor):
    CommitmentText = apps.get_model("certificates", "CommitmentText")
    CommitmentText.objects.get_or_create(
        version=1, defaults={"body": BODY, "legal_warning": WARNING, "effective_from": dt.date(2021, 2, 23)}
    )


class Migration(migrations.Migration):
    dependencies = [("certificates", "0003_permanent_record_triggers")]
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
