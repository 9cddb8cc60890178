"""Golden cases move from the enterprises app to this one, next to the rules they check.

State only: the table keeps its name (``enterprises_goldencase``) and its rows; no data is
copied. The content type is renamed in place so that permissions already granted on golden
cases (and the admin's log entries about them) follow the model. enterprises/0008 removes the
model from that app's state.
"""

from django.db import migrations, models


def move_content_type(apps, schema_editor) -> None:  # noqa: ANN001
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label="policies", model="goldencase").exists():
        ContentType.objects.filter(app_label="enterprises", model="goldencase").update(app_label="policies")


def restore_content_type(apps, schema_editor) -> None:  # noqa: ANN001
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label="enterprises", model="goldencase").exists():
        ContentType.objects.filter(app_label="policies", model="goldencase").update(app_label="enterprises")


class Migration(migrations.Migration):
    dependencies = [
        ("policies", "0004_measures_numbered_per_document"),
        ("enterprises", "0007_rule_news_email_opt_in"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="GoldenCase",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        (
                            "name",
                            models.SlugField(
                                help_text="英文短名,例如:manufacturing-small-many-benefits",
                                max_length=80,
                                unique=True,
                                verbose_name="名称",
                            ),
                        ),
                        (
                            "description",
                            models.CharField(
                                blank=True, help_text="例如:小型制造企业,可享受多项政策", max_length=200, verbose_name="说明"
                            ),
                        ),
                        (
                            "profile",
                            models.JSONField(
                                help_text='按接口约定填写,例如 {"industry": "C36", "employees": 120}', verbose_name="企业画像"
                            ),
                        ),
                        (
                            "expected",
                            models.JSONField(
                                help_text='按条款序号列出预期状态,例如 {"7": {"status": "eligible", "amount_yuan": 325000}}',
                                verbose_name="预期结果",
                            ),
                        ),
                        ("expected_size_class_300", models.CharField(blank=True, max_length=10, verbose_name="预期规模(300号)")),
                    ],
                    options={
                        "verbose_name": "基准案例",
                        "verbose_name_plural": "基准案例(规则修改前核对用)",
                        "db_table": "enterprises_goldencase",
                        "ordering": ["name"],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_type, restore_content_type),
    ]
