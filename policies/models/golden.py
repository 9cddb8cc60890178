"""Golden cases: reference profiles with the statuses officials expect, which every rule change is
checked against (the measure draft's 发布 page, a parameter change's confirmation page, the rule
builder's preview) before it takes effect."""

from __future__ import annotations

from django.db import models


class GoldenCase(models.Model):
    """A reference profile with the statuses officials expect; a rule change must not break it unnoticed."""

    name = models.SlugField(
        "名称", max_length=80, unique=True, help_text="英文短名,例如:manufacturing-small-many-benefits"
    )
    description = models.CharField(
        "说明", max_length=200, blank=True, help_text="例如:小型制造企业,可享受多项政策"
    )
    profile = models.JSONField(
        "企业画像", help_text='按接口约定填写,例如 {"industry": "C36", "employees": 120}'
    )
    expected = models.JSONField(
        "预期结果",
        help_text='按条款序号列出预期状态,例如 {"7": {"status": "eligible", "amount_yuan": 325000}}',
    )
    expected_size_class_300 = models.CharField("预期规模(300号)", max_length=10, blank=True)

    class Meta:
        verbose_name = "基准案例"
        verbose_name_plural = "基准案例(规则修改前核对用)"
        ordering = ["name"]
        # The table it has had since it was the enterprises app's model (moved by state only:
        # policies/migrations/0005_golden_case.py).
        db_table = "enterprises_goldencase"

    def __str__(self) -> str:
        return self.description or self.name

    def expected_statuses(self) -> dict[int, str]:
        return {int(number): item["status"] for number, item in self.expected.items()}
