"""The eligibility rules as data: one rule per measure, dated parameters, dated size tables.

The engine (``policies.engine``) never sees these models: ``policies.rules_loader`` turns the
published rows into an engine RuleSet. Every row is checked on ``full_clean`` by compiling it
with the engine, so a condition with an unknown field, a wrong operator or a broken tree, a
formula that does not parse, or a parameter that overlaps another version becomes a field
error in Chinese instead of a broken rule set.
"""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from simple_history.models import HistoricalRecords

from policies.engine import ErrorCollector, RuleError, parse_limits, parse_param_value, size_row

from .catalogue import Measure, MeasureContent

IDENTIFIER = RegexValidator(
    r"^[a-z][a-z0-9_]*$", "只能使用小写英文字母、数字和下划线,并以字母开头,例如:m9_rate_large"
)
PLAN_SOURCE = "晋政办发〔2022〕34号"
_SPACE = re.compile(r"\s+")


def _compact(text: str) -> str:
    return _SPACE.sub("", text or "")


def _loader() -> Any:
    """The rule loader (policies/rules_loader.py), whose checks ``clean()`` runs: they build rule
    sets from the other rows (parameters, size tables, published rules, golden cases), and the
    loader imports these models to read them. This is the one place the models reach it, on
    first use, so the models load first and the loader has no circle back to them."""
    from policies import rules_loader

    return rules_loader


def errors_by_field(errors: tuple[tuple[str, str], ...] | list[tuple[str, str]], fields: list[str]) -> dict:
    """Group engine errors (JSON path, message) under the model field their path starts with."""
    out: dict[str, list[str]] = {}
    for path, message in errors:
        head = re.split(r"[.\[]", path, maxsplit=1)[0]
        field = head if head in fields else "__all__"
        out.setdefault(field, []).append(f"{path}:{message}" if path and path != head else message)
    return out


class EligibilityRule(MeasureContent):
    """Who qualifies for a measure and how much they may get, in the engine's languages."""

    measure = models.ForeignKey(
        Measure, verbose_name="政策措施", on_delete=models.CASCADE, related_name="eligibility_rules"
    )
    condition = models.JSONField(
        "资格条件",
        help_text=(
            '条件树(JSON)。组合:{"all": [...]} 全部满足、{"any": [...]} 满足其一、{"not": 条件};'
            '比较:{"field": "employees", "op": "<=", "value": 300},阈值可引用参数 '
            '{"param": "m9_layoff_max_pct"};行业:{"industry": ["C", "I65"]};'
            '规模:{"size": "refund_300", "in": ["micro", "small"]} 或 {"size": "small_low_profit"};'
            '设备:{"equipment": {"all": [{"field": "unit_value_wan", "op": ">=", "value": 500}]}}。'
            "未填写的企业信息按“待确认”处理。"
        ),
    )
    estimate = models.JSONField(
        "金额估算",
        null=True,
        blank=True,
        help_text=(
            '留空表示不估算。例如:{"kind": "cap", "formula": "tech_retrofit_investment_wan * '
            'p.m36_support_share", "basis": "{wan(tech_retrofit_investment_wan)} × '
            '{pct(p.m36_support_share)} = {wan(result)}"}。kind 为 tax_saving(减税)、refund(退还)、'
            "subsidy(补贴)、deduction(扣除额)或 cap(上限);公式以万元计,结果按元四舍五入。"
        ),
    )
    notes = models.JSONField(
        "补充说明",
        default=list,
        blank=True,
        help_text=(
            '条件成立时追加在理由后的说明,例如:[{"when": {"field": "revenue_wan", "op": ">=", '
            '"value": {"param": "m10_tier_50_wan"}}, "text": "营业收入{wan(revenue_wan)},达到50亿元档"}]'
        ),
    )
    citation = models.TextField(
        "原文依据",
        help_text="从本条措施原文逐字摘录的句子,例如:优先安排小微企业,对小微企业的存量留抵税额于6月底前一次性全部退还。",
    )

    history = HistoricalRecords(excluded_fields=["draft_origin"])

    class Meta:
        verbose_name = "资格规则"
        verbose_name_plural = "资格规则"
        ordering = ["measure__document_id", "measure__number", "measure__is_draft"]
        constraints = [
            models.UniqueConstraint(
                fields=["measure"],
                name="one_rule_per_measure",
                violation_error_message="每条措施只能有一条资格规则。",
            )
        ]

    def __str__(self) -> str:
        if not self.measure_id:
            return "资格规则"
        document = "" if self.measure.document.legacy_urls else self.measure.document.number
        return f"{document}第{self.measure.number}条的资格规则"

    def as_data(self) -> dict[str, Any]:
        """The rule in the engine's plain-data shape (without the catalogue parts)."""
        return {
            "condition": self.condition,
            "estimate": self.estimate,
            "notes": self.notes or [],
            "citation": self.citation,
        }

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        if self.measure_id and self.citation and _compact(self.citation) not in _compact(self.measure.text):
            errors["citation"] = ["原文依据必须逐字摘自本条措施的原文。"]
        if self.condition is None:
            errors.setdefault("condition", []).append("请填写资格条件;没有可核验条件的措施不需要资格规则。")
        else:
            for field, messages in errors_by_field(
                _loader().check_rule(self.as_data()), ["condition", "estimate", "notes"]
            ).items():
                errors.setdefault(field, []).extend(messages)
        if errors:
            raise ValidationError(errors)


def seed_measure_citation(number: int | None) -> str:
    """How a parameter names its source measure: "第9条", or "晋政办发〔2022〕34号第9条".

    Parameters cite the seed plan's measure numbers (`Parameter.measure_number`). While the seed
    plan is the only document the number alone is clear; once several documents are loaded, a
    bare 第9条 could be any document's, so the seed plan's 文号 is named (as
    rules_loader._published_conflicts names a rule's document only when several are loaded).
    """
    from .catalogue import PolicyDocument

    if number is None:
        return ""
    if PolicyDocument.objects.count() <= 1:
        return f"第{number}条"
    seed = PolicyDocument.objects.filter(legacy_urls=True).values_list("number", flat=True).first()
    return f"{seed or PLAN_SOURCE}第{number}条"


class Parameter(models.Model):
    """A dated value a rule refers to: a rate, threshold, cap or date."""

    key = models.CharField(
        "参数键",
        max_length=60,
        validators=[IDENTIFIER],
        help_text='在条件中写 {"param": "m9_rate_large"},在公式中写 p.m9_rate_large。同一参数的不同时期各占一行。',
    )
    label = models.CharField("名称", max_length=100, help_text="例如:大型企业稳岗返还比例")
    value = models.CharField(
        "取值",
        max_length=40,
        help_text="数字或日期,例如:0.5、500、2022-06-01。比例写小数(50% 写 0.5);金额以万元计。",
    )
    unit = models.CharField("单位", max_length=20, blank=True, help_text="例如:万元、人、%、比例、日期")
    valid_from = models.DateField("生效日期", help_text="例如:2022-06-01")
    valid_until = models.DateField(
        "失效日期", null=True, blank=True, help_text="例如:2022-12-31;留空表示长期有效"
    )
    measure_number = models.PositiveSmallIntegerField(
        "来源措施序号", null=True, blank=True, help_text="参数出自哪条措施,例如:9"
    )
    source = models.CharField(
        "出处",
        max_length=120,
        blank=True,
        help_text=f"文号;留空表示出自本方案({PLAN_SOURCE}),例如:人社部发〔2022〕31号",
    )
    quote = models.TextField(
        "原文引述", blank=True, help_text="出处中规定该取值的原句,例如:大型企业稳岗返还比例从30%提至50%"
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = "规则参数"
        verbose_name_plural = "规则参数(带有效期)"
        ordering = ["key", "valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["key", "valid_from"],
                name="one_parameter_version_per_day",
                violation_error_message="同一参数在同一生效日期只能有一个取值。",
            )
        ]

    def __str__(self) -> str:
        until = f"至{self.valid_until:%Y-%m-%d}" if self.valid_until else "起"
        return f"{self.label or self.key} = {self.value}{self.unit}({self.valid_from:%Y-%m-%d}{until})"

    @property
    def measure_citation(self) -> str:
        """The source measure as the admin and messages name it (see `seed_measure_citation`)."""
        return seed_measure_citation(self.measure_number)

    def as_data(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "value": self.value,
            "unit": self.unit,
            "valid_from": self.valid_from,
            "valid_until": self.valid_until,
            "measure": self.measure_number,
            "quote": self.quote,
            "source": self.source or PLAN_SOURCE,
        }

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        try:
            parse_param_value(self.value)
        except (ValueError, ArithmeticError):
            errors["value"] = ["取值应为数字(如 0.25、500)或日期(如 2022-06-01)。"]
        if self.valid_from and self.valid_until and self.valid_until < self.valid_from:
            errors["valid_until"] = ["失效日期不能早于生效日期。"]
        if not self.source and self.measure_number and self.quote:
            # The source measure is the seed plan's (PLAN_SOURCE), whose numbers parameters cite.
            measure = Measure.objects.published().numbered(self.measure_number).first()
            if measure and _compact(self.quote) not in _compact(measure.text):
                errors["quote"] = [
                    f"原文引述必须逐字摘自{seed_measure_citation(self.measure_number)}原文;"
                    "引自其他文件时请填写出处。"
                ]
        if not errors and self.key and self.valid_from:
            for field, messages in errors_by_field(
                _loader().check_parameter(self), ["value", "valid_from", "key"]
            ).items():
                errors.setdefault(field, []).extend(messages)
        if errors:
            raise ValidationError(errors)


class SizeStandard(models.Model):
    """A dated size table, e.g. 工信部联企业〔2011〕300号 or the 小型微利企业 test."""

    KINDS = [("tiered", "分档(大型/中型/小型/微型)"), ("test", "判断(符合/不符合)")]
    COMBINE = [("all", "全部指标满足"), ("any", "任一指标满足")]

    key = models.CharField(
        "标准键",
        max_length=40,
        validators=[IDENTIFIER],
        help_text='在条件中引用,例如:{"size": "refund_300", "in": ["micro"]}。同一标准的不同时期各占一行。',
    )
    name = models.CharField("名称", max_length=100, help_text="例如:工信部联企业〔2011〕300号标准")
    kind = models.CharField("类型", max_length=10, choices=KINDS)
    tiers = models.CharField(
        "档次(从大到小)",
        max_length=100,
        blank=True,
        help_text="分档标准填写,英文逗号分隔,例如:large,medium,small;判断型留空",
    )
    fallback = models.CharField(
        "兜底档次", max_length=20, blank=True, help_text="达不到任何档次时的规模,例如:micro"
    )
    combine = models.CharField(
        "组合方式",
        max_length=5,
        choices=COMBINE,
        default="all",
        help_text="判断型标准:各指标是全部满足还是任一满足",
    )
    valid_from = models.DateField("生效日期", null=True, blank=True, help_text="例如:2022-04-01")
    valid_until = models.DateField("失效日期", null=True, blank=True, help_text="留空表示长期有效")
    source = models.TextField(
        "依据", blank=True, help_text="文号和原文要点,例如:财政部 税务总局公告2022年第14号第六条"
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = "企业规模标准"
        verbose_name_plural = "企业规模标准(带有效期)"
        ordering = ["key", "valid_from"]

    def __str__(self) -> str:
        return f"{self.name}({self.key})"

    def tier_list(self) -> list[str]:
        return [t.strip() for t in self.tiers.split(",") if t.strip()]

    def as_data(self, rows: list[SizeRow] | None = None) -> dict[str, Any]:
        rows = list(self.rows.all()) if rows is None else rows
        return {
            "key": self.key,
            "name": self.name,
            "kind": self.kind,
            "tiers": self.tier_list(),
            "fallback": self.fallback,
            "combine": self.combine,
            "valid_from": self.valid_from,
            "valid_until": self.valid_until,
            "source": self.source,
            "rows": [row.as_data() for row in rows],
        }

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.kind == "tiered" and (not self.tier_list() or not self.fallback):
            errors["tiers"] = "分档标准需填写档次(从大到小)和兜底档次,例如:large,medium,small 与 micro。"
        if self.kind == "test" and (self.tiers or self.fallback):
            errors["tiers"] = "判断型标准不填档次。"
        if self.valid_from and self.valid_until and self.valid_until < self.valid_from:
            errors["valid_until"] = "失效日期不能早于生效日期。"
        if errors:
            raise ValidationError(errors)


class SizeRow(models.Model):
    """One industry row of a size table at one tier, with its limits."""

    standard = models.ForeignKey(
        SizeStandard, verbose_name="规模标准", on_delete=models.CASCADE, related_name="rows"
    )
    name = models.CharField("行业", max_length=60, help_text="例如:工业")
    codes = models.CharField(
        "行业代码",
        max_length=200,
        blank=True,
        help_text="GB/T 4754 代码前缀,英文逗号分隔,例如:B,C,D;留空表示“其他未列明行业”",
    )
    tier = models.CharField(
        "档次", max_length=20, blank=True, help_text="分档标准填写,例如:large;判断型标准留空"
    )
    limits = models.JSONField(
        "指标限值",
        help_text=(
            '例如:[{"field": "employees", "op": ">=", "value": 1000}, '
            '{"field": "revenue_wan", "op": ">=", "value": 40000}]。指标:employees(从业人数)、'
            "revenue_wan(营业收入,万元)、total_assets_wan(资产总额,万元)、taxable_income_wan(应纳税所得额,万元);"
            "分档标准的一档须同时满足全部下限,边界值归入较大一档。"
        ),
    )
    order = models.PositiveSmallIntegerField("顺序", default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "规模标准行"
        verbose_name_plural = "规模标准行"
        ordering = ["standard", "order", "id"]

    def __str__(self) -> str:
        return f"{self.name} {self.tier}".strip()

    def code_list(self) -> list[str]:
        return [c.strip() for c in self.codes.split(",") if c.strip()]

    def as_data(self) -> dict[str, Any]:
        return {"name": self.name, "codes": self.code_list(), "tier": self.tier, "limits": self.limits}

    def limits_text(self) -> str:
        """The limits in words, e.g. ``从业人数不低于1000人、营业收入不低于40000万元``."""
        errors = ErrorCollector()
        return "、".join(limit.requirement() for limit in parse_limits(self.limits, "limits", errors))

    def clean(self) -> None:
        if not self.standard_id:
            return
        errors = ErrorCollector()
        size_row(self.as_data(), "", errors, self.standard.kind, tuple(self.standard.tier_list()))
        if errors.items:
            mapped = errors_by_field(
                [(p.lstrip("."), m) for p, m in errors.items], ["name", "codes", "tier", "limits"]
            )
            raise ValidationError(mapped)


__all__ = ["EligibilityRule", "Parameter", "RuleError", "SizeRow", "SizeStandard"]
