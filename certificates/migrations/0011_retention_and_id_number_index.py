"""Retention records (what apply_retention removed) are permanent: on PostgreSQL the database refuses to change or
delete them too. The register gets an index on the ID number for the departments' checks through the API."""

import django.db.models.deletion
from django.db import migrations, models


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "CREATE TRIGGER certificates_retentionrecord_permanent BEFORE UPDATE OR DELETE ON certificates_retentionrecord "
        "FOR EACH ROW EXECUTE FUNCTION portal_refuse_change()"
    )


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "DROP TRIGGER IF EXISTS certificates_retentionrecord_permanent ON certificates_retentionrecord"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("certificates", "0010_transitional_rule_and_requesting_bodies"),
    ]

    operations = [
        migrations.CreateModel(
            name="RetentionRecord",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "action",
                    models.CharField(
                        choices=[
                            ("attachment_file_removed", "删除超过留存期限的附件文件"),
                            ("personal_data_cleared", "清除超过留存期限的个人信息"),
                        ],
                        max_length=32,
                        verbose_name="处理",
                    ),
                ),
                ("fields", models.JSONField(blank=True, default=list, verbose_name="清除的字段")),
                ("rule_days", models.PositiveIntegerField(verbose_name="留存期限（天）")),
                ("at", models.DateTimeField(auto_now_add=True, verbose_name="时间")),
            ],
            options={
                "verbose_name": "数据留存处理记录",
                "verbose_name_plural": "数据留存处理记录",
                "ordering": ["at", "id"],
            },
        ),
        migrations.AddIndex(
            model_name="registerentry",
            index=models.Index(fields=["applicant_id_number"], name="register_entry_id_number"),
        ),
        migrations.AddField(
            model_name="retentionrecord",
            name="attachment",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="retention_records",
                to="certificates.attachment",
            ),
        ),
        migrations.AddField(
            model_name="retentionrecord",
            name="request",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="retention_records",
                to="certificates.certificaterequest",
            ),
        ),
        migrations.AddConstraint(
            model_name="retentionrecord",
            constraint=models.UniqueConstraint(
                condition=models.Q(("action", "attachment_file_removed")),
                fields=("attachment",),
                name="retention_file_once",
            ),
        ),
        migrations.RunPython(forward, backward),
    ]
