"""Generate synthetic policy articles for the search benchmark, or remove them with --delete.

The articles are published Measure rows numbered from 1001 in a PolicyDocument of their own
(`BENCH_DOCUMENT`), so the 70 real measures are untouched and `--delete` removes exactly what was
generated. They are written in the catalogue's vocabulary on purpose: distractors that share
words with the callers' questions are what a ranking has to beat.
"""

from __future__ import annotations

import datetime
import random
import time

from django.core.management.base import BaseCommand, CommandParser
from django.db import connection, transaction
from django.utils import timezone

from hotline import search
from hotline.models import SearchEntry
from policies.models import Category, Measure, PolicyDocument
from policies.models.catalogue import MeasureQuerySet

BENCH_DOCUMENT = "BENCH-合成〔2099〕1号"
FIRST_NUMBER = 1001

PLACES = "太原市 大同市 朔州市 忻州市 吕梁市 晋中市 阳泉市 长治市 晋城市 临汾市 运城市 综改示范区 清徐县 孝义市 介休市 高平市".split()
INDUSTRIES = (
    "装备制造 新材料 煤化工 特钢 铝镁精深加工 光伏制造 风电装备 现代煤化工 生物医药 节能环保 数字经济 大数据 信创 "
    "半导体 碳基新材料 氢能 通用航空 轨道交通 农产品精深加工 现代物流 文化旅游 商贸流通 建筑建材 纺织服装"
).split()
SUBJECTS = (
    "中小微企业 规模以上工业企业 高新技术企业 科技型中小企业 专精特新企业 外贸企业 个体工商户 "
    "重点项目 产业园区 开发区 制造业企业 民营企业 新开办企业 小型微利企业 龙头企业"
).split()
ACTIONS = (
    "技术改造 数字化转型 智能化升级 绿色低碳转型 节能降碳 产能提升 市场开拓 品牌建设 人才引进 "
    "研发创新 标准制定 质量提升 产业链协同 招商引资 稳岗扩岗 融资服务 出口拓展"
).split()
SUPPORTS = [
    "给予一次性奖励{a}万元",
    "按实际投资额的{p}%给予补助,最高不超过{a}万元",
    "按贷款利息的{p}%给予贴息支持",
    "按年度保费的{p}%给予保费补贴",
    "给予最高{a}万元的资金支持",
    "纳入省级专项资金支持范围",
    "优先安排用地、用能指标",
    "在融资担保、信用贷款方面给予倾斜",
    "落实税费减免政策,做到应享尽享",
    "对符合条件的给予稳岗补贴",
]
OPENINGS = [
    "为进一步支持{place}{industry}产业发展,",
    "为贯彻落实省委、省政府决策部署,",
    "为加快推动{industry}产业高质量发展,",
    "为帮助{subject}纾困解难,",
    "为优化{place}营商环境,",
]
DUTIES = [
    "各级工信部门要加强调度,确保政策落地见效。",
    "具体申报程序另行通知。",
    "由{place}人民政府负责组织实施。",
    "相关部门按职责分工抓好落实。",
    "政策执行期间,如遇国家政策调整,按国家规定执行。",
]


def _article(rng: random.Random) -> tuple[str, str, str]:
    values = {
        "place": rng.choice(PLACES),
        "industry": rng.choice(INDUSTRIES),
        "subject": rng.choice(SUBJECTS),
        "a": rng.choice([10, 20, 30, 50, 100, 200, 300, 500, 1000]),
        "p": rng.choice([5, 10, 15, 20, 30, 50, 80]),
    }
    action = rng.choice(ACTIONS)
    title = f"支持{values['place']}{values['industry']}{action}"
    sentences = [
        rng.choice(OPENINGS).format(**values)
        + f"对开展{action}的{values['subject']},"
        + rng.choice(SUPPORTS).format(**values)
        + "。",
        f"鼓励{rng.choice(SUBJECTS)}围绕{rng.choice(INDUSTRIES)}开展{rng.choice(ACTIONS)},"
        + rng.choice(SUPPORTS).format(**values)
        + "。",
        rng.choice(DUTIES).format(**values),
    ]
    text = "".join(sentences[: rng.randint(2, 3)])
    summary = f"{values['subject']}开展{action}," + rng.choice(SUPPORTS).format(**values) + "。"
    return title, summary, text


def bench_measures() -> MeasureQuerySet:
    return Measure.objects.filter(document__number=BENCH_DOCUMENT)


class Command(BaseCommand):
    help = "Generate N synthetic policy articles (measure numbers from 1001) for the search benchmark."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--count", type=int, default=10_000, help="How many articles (default 10000).")
        parser.add_argument("--seed", type=int, default=34, help="Random seed, so runs are comparable.")
        parser.add_argument("--delete", action="store_true", help="Remove the generated articles and stop.")

    def handle(self, *args: object, count: int, seed: int, delete: bool, **options: object) -> None:
        removed = self.delete()
        if removed:
            self.stdout.write(f"Removed {removed} generated articles.")
        if delete:
            return
        started = time.perf_counter()
        rng = random.Random(seed)
        category = Category.objects.order_by("order", "id").first()
        if category is None:
            self.stderr.write("Load the catalogue first (manage.py load_catalogue).")
            return
        today = timezone.localdate()
        with transaction.atomic():
            document = PolicyDocument.objects.create(
                number=BENCH_DOCUMENT,
                title="检索基准测试用合成政策(可删除)",
                issuer="基准测试",
                issued_on=today,
                valid_from=today,
            )
            now = timezone.now()
            rows = []
            for i in range(count):
                title, summary, text = _article(rng)
                rows.append(
                    Measure(
                        document=document,
                        number=FIRST_NUMBER + i,
                        title=title[:120],
                        summary=summary,
                        text=text,
                        category=category,
                        valid_from=datetime.date(2022, 4, 14),
                        delivery="application",
                        is_draft=False,
                        published_at=now,
                    )
                )
            # bulk_create sends no post_save, so the index is built in bulk right after.
            created = Measure.objects.bulk_create(rows, batch_size=1000)
            indexed = search.index_measures(created)
        if connection.vendor == "postgresql":
            # What autovacuum would do soon after a bulk load: fresh statistics (so the planner
            # prefers the GIN index) and an emptied GIN pending list (scanned on every search).
            with connection.cursor() as cursor:
                for model in (Measure, SearchEntry):
                    cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")
        elapsed = time.perf_counter() - started
        self.stdout.write(self.style.SUCCESS(f"Generated and indexed {indexed} articles in {elapsed:.1f} s."))

    def delete(self) -> int:
        document = PolicyDocument.objects.filter(number=BENCH_DOCUMENT).first()
        if document is None:
            return 0
        ids = list(bench_measures().values_list("pk", flat=True))
        with transaction.atomic():
            SearchEntry.objects.filter(pk__in=ids).delete()
            # Plain SQL: these rows never had history, and 10,000 "deleted" history rows would only
            # bury the officials' real edits.
            with connection.cursor() as cursor:
                cursor.execute(f"DELETE FROM {Measure._meta.db_table} WHERE document_id = %s", [document.pk])
            document.delete()
            search.bump(search.INDEX)
        return len(ids)
