"""Self-check receipts.

A receipt is the permanent record of one self-check: the profile as answered, the day it was
evaluated for, a version stamp of the rules used and the full answer as it was shown. The
answer is stored, not recomputed, so the page behind a receipt link reads the same years later
even after officials have changed the rules.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator, Sequence
from typing import Any

import orjson
from django.db import connection, models
from django.urls import reverse

from policies.engine import STATUS_LABELS
from policies.impact import ProfileGroup


class ReceiptQuerySet(models.QuerySet):
    def profile_groups(self, fields: Sequence[str]) -> Iterator[ProfileGroup]:
        """Every distinct saved profile once (all receipts, in order of first appearance), with
        only ``fields`` taken out of it: the impact preview's lean load.

        On PostgreSQL the grouping and the field extraction happen in the database (jsonb
        equality is the canonical comparison ``distinct_profiles`` makes in Python) and only a
        short JSON array per profile crosses the wire, no model instances and no whole profiles.
        Elsewhere (SQLite in tests) the same groups are built in Python.
        """
        if connection.vendor == "postgresql":
            table = connection.ops.quote_name(self.model._meta.db_table)
            picks = ", ".join("profile -> %s" for _ in fields)
            sql = (
                "SELECT min(id), count(*), (array_agg(token ORDER BY id DESC))[1], profile ->> 'as_of', "
                f"jsonb_build_array({picks})::text FROM {table} GROUP BY profile ORDER BY 1"
            )
            with connection.cursor() as cursor:
                cursor.execute(sql, list(fields))
                while rows := cursor.fetchmany(5000):
                    for row in rows:
                        yield ProfileGroup(*row)
            return
        seen: dict[str, list[Any]] = {}
        for pk, profile, token in (
            self.order_by("id").values_list("id", "profile", "token").iterator(chunk_size=2000)
        ):
            key = _canonical(profile)
            if key in seen:
                seen[key][1] += 1
                seen[key][2] = token
            else:
                seen[key] = [pk, 1, token, profile]
        for pk, count, token, profile in seen.values():
            get = profile.get if isinstance(profile, dict) else {}.get
            values = orjson.dumps([get(name) for name in fields]).decode()
            as_of = get("as_of")
            yield ProfileGroup(pk, count, token, None if as_of is None else str(as_of), values)

    def distinct_profiles(self) -> list[dict[str, Any]]:
        """Each distinct saved profile once, with how many receipts share it and the latest token."""
        seen: dict[str, dict[str, Any]] = {}
        rows = self.order_by("id").values_list("profile", "token").iterator(chunk_size=2000)
        for profile, token in rows:
            key = _canonical(profile)
            if key in seen:
                seen[key]["count"] += 1
                seen[key]["token"] = token  # the latest receipt stands for the others
            else:
                seen[key] = {"profile": profile, "count": 1, "token": token}
        return list(seen.values())


class Receipt(models.Model):
    """One self-check result, reachable forever through its unguessable token."""

    # A random UUID (122 random bits) rather than the row id, so receipts cannot be enumerated.
    token = models.UUIDField("凭证号", default=uuid.uuid4, unique=True, editable=False)
    profile = models.JSONField("企业画像", help_text="按接口约定字段保存的回答,未回答(不清楚)的字段不出现。")
    as_of = models.DateField("评估日期")
    rules_version = models.CharField("规则版本", max_length=64, help_text="评估时所用规则数据的指纹。")
    answer = models.JSONField("评估结果", help_text="当时展示给企业的完整结果,规则修改后仍原样保留。")
    created_at = models.DateTimeField("生成时间", auto_now_add=True)

    objects = ReceiptQuerySet.as_manager()

    class Meta:
        verbose_name = "自测结果凭证"
        verbose_name_plural = "自测结果凭证"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.as_of:%Y-%m-%d} 自测结果 {str(self.token)[:8]}"

    def get_absolute_url(self) -> str:
        return reverse("enterprises:receipt", args=[self.token])

    def status_counts(self) -> dict[str, int]:
        counts = dict.fromkeys(STATUS_LABELS, 0)
        for result in self.answer.get("results", []):
            counts[result["status"]] = counts.get(result["status"], 0) + 1
        return counts


def _canonical(profile: Any) -> str:
    return json.dumps(profile, sort_keys=True, ensure_ascii=False)
