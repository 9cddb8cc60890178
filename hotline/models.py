"""Models of the hotline: the search vocabulary officials edit, the search index, and the call log.

The vocabulary (DictionaryWord, SearchSynonym) is data so that officials can teach the search how
callers talk without a release. The index (SearchEntry) is derived data, rebuilt from the measures
by `hotline.search`; nobody edits it by hand.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils import timezone


class DictionaryWord(models.Model):
    word = models.CharField(
        "词语",
        max_length=40,
        unique=True,
        help_text="分词时不可拆开的政策用语,例如:专精特新。有意义的组成部分也要单独添加,例如:专精。",
    )
    note = models.CharField("备注", max_length=200, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "检索词典词语"
        verbose_name_plural = "检索词典"
        ordering = ["word"]

    def __str__(self) -> str:
        return self.word


class SearchSynonym(models.Model):
    term = models.CharField(
        "来电说法",
        max_length=40,
        unique=True,
        help_text="来电企业的口语、简称或错误说法,例如:稳岗补贴、晚点交税、技改。",
    )
    expansion = models.CharField(
        "对应的政策用语",
        max_length=200,
        help_text="文件中的正式用语,多个用空格或顿号分隔,例如:稳岗返还 失业保险。",
    )
    note = models.CharField("备注", max_length=200, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "同义词和简称"
        verbose_name_plural = "同义词和简称"
        ordering = ["term"]

    def __str__(self) -> str:
        return f"{self.term} → {self.expansion}"

    def expansion_words(self) -> list[str]:
        """The expansion split on spaces, commas and enumeration commas."""
        text = self.expansion
        for sep in ",,、;;/":
            text = text.replace(sep, " ")
        return [w for w in text.split() if w]


class SearchEntry(models.Model):
    """One measure's pre-segmented text: the stored search column behind `search_measures()`.

    `vector` (PostgreSQL only, GIN-indexed) holds the jieba tokens with title weight A, summary
    B and text C; on SQLite the same tokens are scored in Python. `fuzzy_text` (trigram-indexed
    on PostgreSQL) serves the fuzzy fallback for typos.
    """

    measure = models.OneToOneField(
        "policies.Measure", primary_key=True, on_delete=models.CASCADE, related_name="search_entry"
    )
    title_tokens = models.TextField(blank=True)
    summary_tokens = models.TextField(blank=True)
    text_tokens = models.TextField(blank=True)
    fuzzy_text = models.TextField(blank=True)
    vector = SearchVectorField(null=True)
    dictionary_version = models.CharField(max_length=16, blank=True, db_index=True)
    indexed_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = "检索索引"
        verbose_name_plural = "检索索引"

    def __str__(self) -> str:
        return f"检索索引:{self.measure_id}"


class SearchState(models.Model):
    """A random token per derived data set ("vocabulary", "index"), replaced on every change.

    Each process compares the tokens (one indexed read per search) with those its caches were
    built from, so a dictionary edit or a re-indexed measure in one process reaches all others.
    Random tokens rather than counters: a rolled-back change can never be mistaken for another.
    """

    name = models.CharField(max_length=20, primary_key=True)
    token = models.CharField(max_length=32)

    class Meta:
        verbose_name = "检索状态"
        verbose_name_plural = "检索状态"

    def __str__(self) -> str:
        return f"{self.name}: {self.token}"


class CallQuerySet(models.QuerySet):
    def unanswered(self) -> CallQuerySet:
        return self.filter(answered=False)

    def open_follow_ups(self) -> CallQuerySet:
        return self.filter(answered=False, resolved=False)


class Call(models.Model):
    """One hotline call: what the caller asked, which measures the agent looked up, the outcome.

    Only what the agent types is stored: no enterprise profile is kept here unless the caller
    asked for a result link (then the receipt belongs to the enterprises app).
    """

    started_at = models.DateTimeField("来电时间", default=timezone.now, db_index=True)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="坐席",
        null=True,
        on_delete=models.SET_NULL,
        related_name="hotline_calls",
    )
    topic = models.CharField(
        "来电问题", max_length=200, help_text="一句话概括,例如:小规模纳税人今年还交不交增值税"
    )
    measures = models.ManyToManyField(
        "policies.Measure", verbose_name="查阅的措施", blank=True, related_name="hotline_calls"
    )
    answered = models.BooleanField("已当场解答", default=True, help_text="未能解答的问题会转给主管部门。")
    note = models.TextField("备注", blank=True, help_text="例如:企业还想了解申报材料,已告知12366。")
    resolved = models.BooleanField(
        "部门已处理", default=False, help_text="未解答的问题,由主管部门答复后勾选。"
    )
    official_reply = models.TextField("部门答复", blank=True)

    objects = CallQuerySet.as_manager()

    class Meta:
        verbose_name = "来电记录"
        verbose_name_plural = "来电记录"
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{timezone.localtime(self.started_at):%Y-%m-%d %H:%M} {self.topic}"

    @property
    def needs_follow_up(self) -> bool:
        return not self.answered and not self.resolved

    def week_start(self) -> datetime.date:
        """Monday of the (local) week of the call."""
        day = timezone.localtime(self.started_at).date()
        return day - datetime.timedelta(days=day.weekday())
