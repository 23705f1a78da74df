"""Departments' API keys and the permanent record of every call made with one (on PostgreSQL a trigger refuses
changes and deletes of the calls too; portal_refuse_change is defined in 0003)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "CREATE TRIGGER portal_apicall_permanent BEFORE UPDATE OR DELETE ON portal_apicall "
        "FOR EACH ROW EXECUTE FUNCTION portal_refuse_change()"
    )


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP TRIGGER IF EXISTS portal_apicall_permanent ON portal_apicall")


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0005_login_lockout_trigger"),
    ]

    operations = [
        migrations.CreateModel(
            name="ApiKey",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("department", models.CharField(max_length=200, verbose_name="使用部门")),
                ("prefix", models.CharField(max_length=16, unique=True, verbose_name="密钥标识")),
                ("key_hash", models.CharField(max_length=64)),
                ("scopes", models.JSONField(default=list, verbose_name="权限范围")),
                ("rate_limit_per_minute", models.PositiveIntegerField(default=60, verbose_name="每分钟调用上限")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="创建时间")),
                ("last_used_at", models.DateTimeField(blank=True, null=True, verbose_name="最近使用")),
                ("revoked_at", models.DateTimeField(blank=True, null=True, verbose_name="撤销时间")),
                (
                    "created_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="创建人",
                    ),
                ),
                (
                    "region",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="portal.region",
                        verbose_name="发放地方",
                    ),
                ),
                (
                    "revoked_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="撤销人",
                    ),
                ),
            ],
            options={
                "verbose_name": "接口密钥",
                "verbose_name_plural": "接口密钥",
                "ordering": ["-created_at", "-pk"],
            },
        ),
        migrations.CreateModel(
            name="ApiCall",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("at", models.DateTimeField(auto_now_add=True, db_index=True, verbose_name="时间")),
                ("method", models.CharField(max_length=8, verbose_name="方法")),
                ("path", models.CharField(max_length=300, verbose_name="地址")),
                ("operation", models.CharField(max_length=64, verbose_name="操作")),
                ("status_code", models.PositiveSmallIntegerField(verbose_name="响应状态")),
                ("purpose", models.CharField(blank=True, max_length=200, verbose_name="用途")),
                ("basis", models.CharField(blank=True, max_length=300, verbose_name="依据")),
                ("subject", models.CharField(blank=True, max_length=200, verbose_name="查询对象")),
                ("result", models.CharField(blank=True, max_length=32, verbose_name="结果")),
                ("client_address", models.GenericIPAddressField(blank=True, null=True, verbose_name="来源地址")),
                (
                    "key",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="calls",
                        to="portal.apikey",
                        verbose_name="密钥",
                    ),
                ),
            ],
            options={
                "verbose_name": "接口调用记录",
                "verbose_name_plural": "接口调用记录",
                "ordering": ["-at", "-pk"],
            },
        ),
        migrations.AddConstraint(
            model_name="apikey",
            constraint=models.UniqueConstraint(
                condition=models.Q(("revoked_at__isnull", True)),
                fields=("department", "region"),
                name="apikey_one_live_per_dept",
            ),
        ),
        migrations.RunPython(forward, backward),
    ]
