"""The catalogue: the action plan, its measures, responsible units, categories and deadlines.

Measures follow a draft / published workflow. The public site, the API and the eligibility
engine only ever see published rows. An official changes a published measure by opening a
draft copy (`Measure.start_draft`), editing it freely, and publishing it (`Measure.publish`),
which copies the draft onto the published row in one transaction, so the change appears at
once and is recorded in the published measure's history.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from policies.engine import valid_on

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser


class HttpsURLField(models.URLField):
    """A URL field whose form assumes https:// for a bare domain (Django 6's default)."""

    def formfield(self, **kwargs: object) -> object:
        kwargs.setdefault("assume_scheme", "https")
        return super().formfield(**kwargs)


class PolicyDocument(models.Model):
    number = models.CharField("文号", max_length=60, unique=True, help_text="例如:晋政办发〔2022〕34号")
    title = models.CharField("标题", max_length=200, help_text="例如:山西省促进工业经济平稳增长行动方案")
    issuer = models.CharField("发文机关", max_length=100, help_text="例如:山西省人民政府办公厅")
    issued_on = models.DateField("发文日期")
    valid_from = models.DateField("施行日期")
    valid_until = models.DateField("截止日期", null=True, blank=True)
    legacy_urls = models.BooleanField(
        "沿用旧网址",
        default=False,
        help_text="勾选后本文件的措施网址为 /measures/<序号>/(首个文件的网址,已被外部链接引用);"
        "其他文件为 /documents/<编号>/measures/<序号>/。只能有一个文件勾选。",
    )

    class Meta:
        verbose_name = "政策文件"
        verbose_name_plural = "政策文件"
        # Catalogue order: the order documents were added, so the seed plan stays first and a
        # newly imported document never moves the measures already listed.
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["legacy_urls"],
                condition=Q(legacy_urls=True),
                name="one_document_with_legacy_urls",
                violation_error_message="只能有一个文件沿用旧网址 /measures/<序号>/。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title}({self.number})"

    def get_absolute_url(self) -> str:
        return reverse("policies:document_detail", args=[self.pk])

    @property
    def label(self) -> str:
        """How the portal names a document next to a measure: 《标题》(文号)."""
        return f"《{self.title}》({self.number})"

    def in_force(self, on: datetime.date) -> bool:
        return (self.valid_from is None or self.valid_from <= on) and (
            self.valid_until is None or on <= self.valid_until
        )


class Category(models.Model):
    name = models.CharField("名称", max_length=40, unique=True, help_text="例如:财税支持")
    slug = models.SlugField("英文标识", max_length=40, unique=True, help_text="用于网址,例如:tax")
    order = models.PositiveSmallIntegerField("排序", default=0)
    description = models.TextField("说明", blank=True)

    class Meta:
        verbose_name = "政策类别"
        verbose_name_plural = "政策类别"
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.name


class ResponsibleUnit(models.Model):
    name = models.CharField(
        "简称", max_length=60, unique=True, help_text="与文件原文一致,例如:省税务局、人行太原中心支行"
    )
    full_name = models.CharField(
        "全称", max_length=120, blank=True, help_text="例如:国家税务总局山西省税务局"
    )
    phone = models.CharField("咨询电话", max_length=60, blank=True, help_text="例如:12366")
    address = models.CharField("办公地址", max_length=200, blank=True)
    website = HttpsURLField("网站", blank=True)
    order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = "责任单位"
        verbose_name_plural = "责任单位"
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.name


class Industry(models.Model):
    """A GB/T 4754-2017 code: section letter, division, group or class."""

    LEVELS = [("section", "门类"), ("division", "大类"), ("group", "中类"), ("class", "小类")]

    code = models.CharField("代码", max_length=5, primary_key=True, help_text="例如:C、C36、K701")
    name = models.CharField("名称", max_length=100)
    level = models.CharField("层级", max_length=10, choices=LEVELS)
    parent = models.ForeignKey(
        "self", verbose_name="上级", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )

    class Meta:
        verbose_name = "国民经济行业"
        verbose_name_plural = "国民经济行业(GB/T 4754-2017)"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class MeasureQuerySet(models.QuerySet):
    def published(self) -> MeasureQuerySet:
        return self.filter(is_draft=False)

    def in_force(self, on: datetime.date) -> MeasureQuerySet:
        return self.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=on)).filter(
            Q(valid_until__isnull=True) | Q(valid_until__gte=on)
        )

    def expired(self, on: datetime.date) -> MeasureQuerySet:
        return self.filter(valid_until__lt=on)

    def public_listing(self) -> MeasureQuerySet:
        return self.published().select_related("category", "document").prefetch_related("measure_units__unit")

    def by_short_key(self, key: str) -> MeasureQuerySet:
        """Measures with this ``short_key`` ("9" or "2-9"); none for a malformed key."""
        head, _, tail = key.strip().partition("-")
        parts = [head, tail] if tail else [head]
        if not all(p.isascii() and p.isdigit() and len(p) <= 9 for p in parts):
            return self.none()
        if tail:
            return self.numbered(int(tail), int(head))
        return self.numbered(int(head))

    def numbered(self, number: int, document: PolicyDocument | int | None = None) -> MeasureQuerySet:
        """Measures numbered ``number`` in ``document``; without one, in the legacy-URL document.

        Numbers are unique only within a document. Places that only know a number (old links,
        the hotline's "第12条", a rule's source measure) mean the seed plan, whose measures keep
        /measures/<n>/.
        """
        if document is None:
            return self.filter(number=number, document__legacy_urls=True)
        return self.filter(number=number, document=document)


class Measure(models.Model):
    DELIVERY_CHOICES = [
        ("automatic", "申报时自动享受"),
        ("application", "需要申请"),
        ("informational", "政府工作事项(无需申请)"),
    ]

    document = models.ForeignKey(PolicyDocument, verbose_name="所属文件", on_delete=models.PROTECT)
    number = models.PositiveIntegerField("条款序号", help_text="文件中的序号,例如:12")
    title = models.CharField(
        "标题", max_length=120, help_text="简短标题,使用原文用语,例如:加大留抵退税政策落实力度"
    )
    text = models.TextField("原文", help_text="与文件原文一致的全文,含“(责任单位:…)”。")
    summary = models.TextField(
        "通俗解读",
        blank=True,
        help_text="一到三句话说明谁能享受、能享受什么,例如:小微企业的存量留抵税额在6月底前一次性全部退还。",
    )
    category = models.ForeignKey(
        Category, verbose_name="类别", on_delete=models.PROTECT, related_name="measures"
    )
    units = models.ManyToManyField(
        ResponsibleUnit, through="MeasureUnit", verbose_name="责任单位", related_name="measures"
    )
    valid_from = models.DateField("生效日期", null=True, blank=True, help_text="例如:2022-04-14")
    valid_until = models.DateField(
        "失效日期", null=True, blank=True, help_text="例如:2022-12-31;留空表示长期有效"
    )
    delivery = models.CharField("兑现方式", max_length=20, choices=DELIVERY_CHOICES, default="application")
    how_to_apply = models.TextField(
        "办理方式", blank=True, help_text="到哪里、怎么办,例如:通过山西省电子税务局提交留抵退税申请。"
    )
    apply_url = HttpsURLField("办理网址", blank=True)
    is_draft = models.BooleanField("草稿", default=True, help_text="草稿不对公众和接口显示,发布后才生效。")
    draft_of = models.OneToOneField(
        "self",
        verbose_name="草稿所修改的条款",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="pending_draft",
    )
    published_at = models.DateTimeField("发布时间", null=True, blank=True, editable=False)

    history = HistoricalRecords()
    objects = MeasureQuerySet.as_manager()

    # Related objects that belong to a measure's content and move with it between a draft and
    # its published row: its units, deadlines, lineage links (MeasureLink, below) and eligibility
    # rule (rules.py).
    content_relations: ClassVar[tuple[str, ...]] = (
        "measure_units",
        "deadlines",
        "successor_links",
        "eligibility_rules",
    )

    class Meta:
        verbose_name = "政策措施"
        verbose_name_plural = "政策措施"
        ordering = ["document_id", "number", "is_draft"]
        permissions = [("publish_measure", "可以发布政策措施")]
        constraints = [
            models.UniqueConstraint(
                fields=["document", "number"],
                condition=Q(is_draft=False),
                name="unique_published_measure_number",
                violation_error_message="本文件已有相同序号的已发布条款。",
            ),
        ]

    def __str__(self) -> str:
        prefix = "[草稿] " if self.is_draft else ""
        return f"{prefix}第{self.number}条 {self.title}"

    def get_absolute_url(self) -> str:
        # The seed plan's measures keep /measures/<n>/ (printed and linked since 2022); every
        # other document's measures live under that document.
        if self.document.legacy_urls:
            return reverse("policies:measure_detail", args=[self.number])
        return reverse("policies:document_measure", args=[self.document_id, self.number])

    @property
    def short_key(self) -> str:
        """A short handle hotline agents type: the number for the seed plan, else "文件编号-序号"."""
        if self.document.legacy_urls:
            return str(self.number)
        return f"{self.document_id}-{self.number}"

    @property
    def reference(self) -> str:
        """The measure named with its document: 《标题》(文号)第N条."""
        return f"{self.document.label}第{self.number}条"

    def clean(self) -> None:
        errors = {}
        if self.valid_from and self.valid_until and self.valid_until < self.valid_from:
            errors["valid_until"] = "失效日期不能早于生效日期。"
        if self.draft_of_id and not self.is_draft:
            errors["is_draft"] = "修改草稿在发布前必须保持草稿状态。"
        if self.draft_of_id and self.draft_of.document_id != self.document_id:
            errors["document"] = "修改草稿不能改变所属文件。"
        if self.draft_of_id and self.draft_of.number != self.number:
            errors["number"] = "修改草稿不能改变条款序号。"
        elif not self.draft_of_id and self.number is not None and self.document_id is not None:
            clash = (
                Measure.objects.published()
                .filter(document=self.document_id, number=self.number)
                .exclude(pk=self.pk)
            )
            if clash.exists():
                errors["number"] = (
                    f"本文件已有第{self.number}条的已发布条款;要修改它,请在该条款上点击“修改草稿”。"
                )
        if errors:
            raise ValidationError(errors)

    def in_force(self, on: datetime.date | None = None) -> bool:
        on = on or timezone.localdate()
        return valid_on(self.valid_from, self.valid_until, on)

    def unit_names(self) -> list[str]:
        """Responsible units in the order the source lists them."""
        return [mu.unit.name for mu in self.measure_units.all()]

    def can_be_changed_by(self, user: AbstractBaseUser) -> bool:
        if user.is_superuser:
            return True
        if not user.is_active or not user.is_staff:
            return False
        target = self.draft_of or self
        official_units = set(
            ResponsibleUnit.objects.filter(officials__user=user).values_list("id", flat=True)
        )
        return bool(official_units & set(target.measure_units.values_list("unit_id", flat=True)))

    @transaction.atomic
    def start_draft(self) -> Measure:
        """Return this published measure's draft, creating a copy of its content if none exists."""
        if self.is_draft:
            return self
        existing = Measure.objects.filter(draft_of=self).first()
        if existing:
            return existing
        draft = Measure.objects.get(pk=self.pk)
        draft.pk = None
        draft.id = None
        draft._state.adding = True
        draft.is_draft = True
        draft.draft_of = self
        draft.published_at = None
        draft.save()
        for relation in self.content_relations:
            for obj in getattr(self, relation).all():
                obj.draft_origin_id = obj.pk
                obj.pk = None
                obj.id = None
                obj._state.adding = True
                obj.measure = draft
                obj.save()
        return draft

    @transaction.atomic
    def publish(self) -> Measure:
        """Make this draft public; return the published measure.

        Related rows (units, deadlines, rules) that the draft copied are written back onto
        their originals, so their identity survives publishing: reminders already sent for a
        deadline stay attached to it and are not sent again.
        """
        if not self.is_draft:
            return self
        now = timezone.now()
        target = self.draft_of
        if target is None:
            self.is_draft = False
            self.published_at = now
            self.full_clean()
            self.save()
            return self
        skip = {"id", "is_draft", "draft_of", "published_at"}
        for field in self._meta.concrete_fields:
            if field.name not in skip:
                setattr(target, field.attname, getattr(self, field.attname))
        target.published_at = now
        target.save()
        for relation in self.content_relations:
            published_rows = getattr(target, relation)
            draft_rows = list(getattr(self, relation).all())
            origins = {row.draft_origin_id for row in draft_rows if row.draft_origin_id}
            published_rows.exclude(pk__in=origins).delete()
            for row in draft_rows:
                origin = (
                    published_rows.filter(pk=row.draft_origin_id).first() if row.draft_origin_id else None
                )
                if origin is None:
                    row.measure = target
                    row.draft_origin = None
                    row.save()
                    continue
                for field in row._meta.concrete_fields:
                    if field.name not in {"id", "measure", "draft_origin"}:
                        setattr(origin, field.attname, getattr(row, field.attname))
                row.delete()
                origin.save()
        self.delete()
        return target


class MeasureContent(models.Model):
    """Base of rows that belong to a measure's content and are copied into its drafts.

    Subclasses need a `measure` foreign key whose related name is listed in
    `Measure.content_relations`.
    """

    draft_origin = models.ForeignKey(
        "self", null=True, blank=True, editable=False, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        abstract = True


class MeasureUnit(MeasureContent):
    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="measure_units")
    unit = models.ForeignKey(ResponsibleUnit, verbose_name="责任单位", on_delete=models.PROTECT)
    position = models.PositiveSmallIntegerField("顺序", default=0, help_text="按原文列出的先后,从 0 开始")

    history = HistoricalRecords(excluded_fields=["draft_origin"])

    class Meta:
        verbose_name = "责任单位"
        verbose_name_plural = "责任单位(按原文顺序)"
        ordering = ["measure", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["measure", "unit"], name="unique_unit_per_measure"),
        ]

    def __str__(self) -> str:
        return self.unit.name


class Deadline(MeasureContent):
    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="deadlines")
    date = models.DateField("日期", help_text="例如:2022-06-30")
    label = models.CharField("说明", max_length=200, help_text="例如:小型企业存量留抵税额集中退还截止")
    condition = models.JSONField(
        "适用条件",
        null=True,
        blank=True,
        help_text='留空表示适用于所有企业;否则为资格条件,例如:{"size": "refund_300", "in": ["micro"]}',
    )

    history = HistoricalRecords(excluded_fields=["draft_origin"])

    class Meta:
        verbose_name = "截止日期"
        verbose_name_plural = "截止日期"
        ordering = ["measure", "date", "id"]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.label}"


class Official(models.Model):
    """A staff user working for one or more responsible units; their rights follow the units."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name="账号", on_delete=models.CASCADE, related_name="official"
    )
    units = models.ManyToManyField(ResponsibleUnit, verbose_name="所属单位", related_name="officials")

    class Meta:
        verbose_name = "部门工作人员"
        verbose_name_plural = "部门工作人员"

    def __str__(self) -> str:
        return f"{self.user.get_username()}({'、'.join(u.name for u in self.units.all())})"


class MeasureLink(MeasureContent):
    """A later document's measure that extends, amends or replaces this one (lineage).

    The link belongs to the earlier measure's content, so it is edited on that measure (by the
    officials of its units) and goes through the same draft / publish workflow as its deadlines.
    """

    KINDS = [("extends", "延续"), ("amends", "调整"), ("replaces", "废止/替代")]

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="successor_links")
    successor = models.ForeignKey(
        Measure,
        verbose_name="后续条款",
        on_delete=models.CASCADE,
        related_name="predecessor_links",
        limit_choices_to={"is_draft": False},
        help_text="其他文件中延续、调整或替代本条的已发布条款",
    )
    kind = models.CharField("关系", max_length=10, choices=KINDS, default="extends")
    date = models.DateField("日期", help_text="延续、调整或替代自哪一天起,例如:2023-01-01")

    history = HistoricalRecords(excluded_fields=["draft_origin"])

    class Meta:
        verbose_name = "后续政策"
        verbose_name_plural = "后续政策(延续、调整、废止/替代)"
        ordering = ["measure", "date", "id"]
        constraints = [
            models.UniqueConstraint(fields=["measure", "successor"], name="unique_successor_per_measure"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}:{self.successor.reference}({self.date:%Y-%m-%d})"

    def clean(self) -> None:
        errors = {}
        successor = self.successor if self.successor_id else None
        measure = self.measure if self.measure_id else None
        if successor is not None and successor.is_draft:
            errors["successor"] = "后续条款必须是已发布的条款。"
        elif successor is not None and measure is not None:
            original = measure.draft_of or measure
            if successor.pk == original.pk:
                errors["successor"] = "不能把条款链接到它自己。"
            elif successor.document_id == measure.document_id:
                errors["successor"] = "后续条款应出自其他政策文件。"
        if errors:
            raise ValidationError(errors)
