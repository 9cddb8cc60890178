"""Bookkeeping of bulk work over saved receipts: which receipts the profile contract accepts, and
the progress of the rule-change re-screening of enterprise accounts."""

from __future__ import annotations

from django.db import models


class ReceiptCheck(models.Model):
    """Receipts up to ``checked_up_to`` (by id) were validated under one profile contract
    (``policies.engine.contract_fingerprint``); ``invalid`` lists the ids among them that it
    rejects. Receipts are never edited, so the impact preview validates each stored profile once
    per contract instead of at every preview (``policies.receipt_checks``)."""

    fingerprint = models.CharField("画像约定指纹", max_length=64, unique=True)
    checked_up_to = models.BigIntegerField("已核对至凭证ID", default=0)
    invalid = models.JSONField("不符合约定的凭证ID", default=list, blank=True)
    checked_at = models.DateTimeField("核对时间", auto_now=True)

    class Meta:
        verbose_name = "已保存画像核对"
        verbose_name_plural = "已保存画像核对"

    def __str__(self) -> str:
        return f"{self.fingerprint[:8]}:至{self.checked_up_to}"


class RuleNewsRun(models.Model):
    """One re-screening of the enterprise accounts for rule-change notices, in chunks."""

    rules_version = models.CharField("规则版本", max_length=64)
    total = models.PositiveIntegerField("待复核账户数", default=0)
    done = models.PositiveIntegerField("已复核账户数", default=0)
    sent = models.PositiveIntegerField("已发送通知数", default=0)
    chunks = models.PositiveIntegerField("分批数", default=0)
    chunks_done = models.PositiveIntegerField("已完成批数", default=0)
    started_at = models.DateTimeField("开始时间", auto_now_add=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = "规则变化通知复核"
        verbose_name_plural = "规则变化通知复核"
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"规则版本{self.rules_version[:8]}:{self.progress_text()}"

    @property
    def percent(self) -> int:
        return 100 if not self.total else min(100, self.done * 100 // self.total)

    def progress_text(self) -> str:
        state = "已完成" if self.finished_at else "进行中"
        return (
            f"已复核{self.done:,}/{self.total:,}个企业账户({self.percent}%),已发送{self.sent:,}封通知,{state}"
        )
