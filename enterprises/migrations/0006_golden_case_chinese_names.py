"""Give the golden cases loaded before they all had one a Chinese name (their description).

Officials read cases by this name in the admin, the rule builder and the publish page; three of
the shipped cases had none and showed as English slugs. Only empty descriptions are filled, so a
name an official has written is kept.
"""

from django.db import migrations

NAMES = {
    "before-the-plan": "方案实施前(2021年6月)的小型制造企业",
    "entity-unknown-both-branches": "未说明是企业还是个体工商户的小型服装企业",
    "retail-refund-after-july": "中型零售企业,7月以后申请留抵退税",
}


def fill(apps, schema_editor) -> None:  # noqa: ANN001
    GoldenCase = apps.get_model("enterprises", "GoldenCase")
    for name, description in NAMES.items():
        GoldenCase.objects.filter(name=name, description="").update(description=description)


class Migration(migrations.Migration):
    dependencies = [("enterprises", "0005_account_email_verification")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
