"""Golden cases now belong to the policies app (policies/0005_golden_case): remove the model from
this app's state only; its table, ``enterprises_goldencase``, stays and is the policies model's."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("enterprises", "0007_rule_news_email_opt_in"),
        ("policies", "0005_golden_case"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="GoldenCase")],
            database_operations=[],
        ),
    ]
