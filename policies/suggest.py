"""Rule suggestions from a measure's own text: thresholds on profile fields and stated figures.

``suggest(text)`` reads the figures a measure text states and offers them to an official as rows
to accept, edit or ignore; it never writes a rule. Two kinds of row:

* a **condition** — a threshold on a profile field, ``营业收入4亿元以下`` → ``revenue_wan <= 40000``;
  equipment item fields are named ``equipment.<field>`` (``单位价值500万元以上`` →
  ``equipment.unit_value_wan >= 500``);
* a **figure** — a number the rule will need but that is not a threshold on a field: a rate as a
  fraction (``15%`` → 0.15, ``减半`` → 0.5), an amount or a cap in 万元 (``最高补贴500万元``), a date
  (``6月底前`` → ``2022-06-30`` given the plan's year), a duration in 年 or 月, a head count.

Every row carries its quote, an exact substring of the text. Values are normalised to the
profile's units: money in 万元 (亿 × 10000, 元 ÷ 10000), people in 人, a percentage field such as
``layoff_rate_pct`` in percent, and rates that are not a field as fractions.

A number becomes a condition only when a field word (the profile label from ``PROFILE_FIELDS``
or one of the synonyms below) stands just before it in the same clause, the units agree and a
comparison is stated (以下, 不超过, 达到, 为, a range 至 …); everything else is a figure. That is
what keeps government work items (培训50万人以上, 比重不低于80%) free of condition rows.

Django-free so the admin's rule builder, scripts and tests can call it alike. It sits next to the
engine rather than inside it: its numeric constants are numeral values and reading windows, and the
engine keeps a test that its code holds no figures but the contract's own.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from policies.chinese_numerals import CN_UNITS, chinese_number, digit_by_digit
from policies.engine import EQUIPMENT_FIELDS, PROFILE_FIELDS, FieldSpec

# Words measure texts use for a field besides its profile label. Keyed by field name so a field
# that leaves the profile drops out of the vocabulary instead of producing stale suggestions.
FIELD_SYNONYMS: dict[str, tuple[str, ...]] = {
    "employees": ("从业人员", "职工人数", "职工", "员工人数", "员工"),
    "revenue_wan": ("年销售额", "销售额", "销售收入", "主营业务收入", "年营业收入"),
    "total_assets_wan": ("总资产",),
    "rd_expense_wan": ("研发投入",),
    "ui_premium_last_year_wan": ("失业保险费",),
    "layoff_rate_pct": ("裁员率",),
    "retained_vat_credit_wan": ("留抵税额",),
    "first_batch_premium_wan": ("年度保费",),
    "tech_retrofit_investment_wan": ("技术改造投资", "技改投资", "固定资产投资", "技术改造"),
    "env_performance_grade": ("绩效分级", "绩效等级"),
    "tax_credit_rating": ("纳税信用等级", "纳税信用级别", "纳税信用"),
    "equipment.unit_value_wan": ("单位价值",),
    "equipment.min_depreciation_years": ("最低折旧年限", "折旧年限"),
}

# Quantity kinds, and the kind a field's unit expects.
MONEY, COUNT, PERCENT, YEARS, MONTHS = "money", "count", "percent", "years", "months"
_UNIT_KIND = {"万元": MONEY, "人": COUNT, "%": PERCENT, "年": YEARS}
# Only these enum fields are ordinal grades written 「A级、B级」.
_GRADE_FIELDS = ("env_performance_grade", "tax_credit_rating")

# Comparison words, longest first so 不超过 wins over 超过.
_PREFIX_OPS: tuple[tuple[str, str], ...] = tuple(
    sorted(
        [
            ("不超过", "<="),
            ("不高于", "<="),
            ("不大于", "<="),
            ("不多于", "<="),
            ("最高不超过", "<="),
            ("低于", "<"),
            ("少于", "<"),
            ("小于", "<"),
            ("未满", "<"),
            ("不满", "<"),
            ("不足", "<"),
            ("不到", "<"),
            ("不低于", ">="),
            ("不少于", ">="),
            ("不小于", ">="),
            ("达到", ">="),
            ("首次达到", ">="),
            ("超过", ">"),
            ("高于", ">"),
            ("大于", ">"),
            ("多于", ">"),
            ("为", "=="),
            ("等于", "=="),
        ],
        key=lambda pair: -len(pair[0]),
    )
)
_SUFFIX_OPS: tuple[tuple[str, str], ...] = (
    ("(含)以下", "<="),
    ("(含)以下", "<="),
    ("及以下", "<="),
    ("以下", "<="),
    ("以内", "<="),
    ("之内", "<="),
    ("(含)以上", ">="),
    ("(含)以上", ">="),
    ("及以上", ">="),
    ("以上", ">="),
)
_INCLUSION = re.compile(r"[((](不)?含[^()()]{0,12}[))]")
# Between two bounds on one field: 超过100万元但不超过300万元.
_BOUND_LINK = re.compile(
    r"(?:但|且|并且|而|、|,|,)?(" + "|".join(w for w, _ in _PREFIX_OPS if w not in ("为", "等于")) + r")"
)
_CAP_WORDS = ("最高", "最多", "上限", "封顶", "不超过", "不高于")
_RANGE_LINKS = ("至", "到", "~", "～", "—", "-", "－")
_LIST_LINKS = "、和或及"
# A field word must stand in the same clause as its number, and close to it.
_CLAUSE_BREAK = re.compile(r"[,,;;。!?!?()()::、\n]")
_MAX_GAP = 10

_MULTIPLIERS = {"十": 10, "百": 100, "千": 1000, "万": 10000, "亿": 100000000}

_NUM = (
    r"\d+(?:\.\d+)?|[一二两三四五六七八九十][零〇一二两三四五六七八九十百千]*(?:点[零〇一二三四五六七八九]+)?"
)
# A Chinese numeral alone (千亿产业, 十四五) is a name, not a figure, so a unit is required; 万 and
# 亿 are multipliers of the unit that follows (2000万元, 50万人).
_QUANTITY = re.compile(
    rf"百分之(?P<pct>{_NUM})"
    rf"|(?P<num>{_NUM})(?P<mult>[十百千万亿]*)"
    r"(?P<unit>个百分点|%|%|元(?!旦)|人(?!民|次)|个月|个纳税年度|个年度|年(?![度份底末初内])|)"
)
_DATE = re.compile(
    r"(?:(?P<year>\d{4})年)?(?P<month>\d{1,2})月(?:(?P<day>\d{1,2})日|(?P<end>底|末))"
    r"(?:之前|以前|前|止|起|以后|后)?"
)
_GRADES = re.compile(r"[A-D]级(?:[、和或及][A-D]级)*")
_HALF = re.compile(r"减半(?:征收|扣除|收取|缴纳|计征)?")
_RATIO = re.compile(r"(?<![\d.])(\d+)[::](\d+)(?![\d.])(?=[^\d]{0,4}(?:奖励|配套|补助|补贴|比例|支持))")


@dataclass(frozen=True)
class ConditionSuggestion:
    """A threshold on a profile field, as the condition language writes it."""

    field: str
    op: str
    value: Any  # a number, a choice, or for ``in`` a tuple (kept hashable; a list in JSON)
    quote: str

    def to_json(self) -> dict[str, Any]:
        value = list(self.value) if isinstance(self.value, tuple) else self.value
        return {"field": self.field, "op": self.op, "value": value, "quote": self.quote}


@dataclass(frozen=True)
class FigureSuggestion:
    """A stated figure: ``unit`` is 万元, fraction, date, 年, 月 or 人; ``kind`` says what it is."""

    value: Any
    unit: str
    quote: str
    kind: str = "amount"  # amount, cap, rate, date, duration, count

    def to_json(self) -> dict[str, Any]:
        return {"value": self.value, "unit": self.unit, "kind": self.kind, "quote": self.quote}


@dataclass(frozen=True)
class Suggestions:
    conditions: tuple[ConditionSuggestion, ...] = ()
    figures: tuple[FigureSuggestion, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "conditions": [c.to_json() for c in self.conditions],
            "figures": [f.to_json() for f in self.figures],
        }


@dataclass(frozen=True)
class _Quantity:
    start: int
    end: int
    value: Decimal  # in the kind's base unit: 元, 人, percent, years, months
    kind: str


@dataclass(frozen=True)
class _Word:
    text: str
    field: str
    spec: FieldSpec


def _vocabulary() -> list[_Word]:
    """Field words from the profile spec (label first) plus synonyms, longest first."""
    words: list[_Word] = []
    specs: list[tuple[str, FieldSpec]] = [(name, spec) for name, spec in PROFILE_FIELDS.items()]
    specs += [(f"equipment.{name}", spec) for name, spec in EQUIPMENT_FIELDS.items()]
    for name, spec in specs:
        usable = spec.kind in ("int", "number") and spec.unit in _UNIT_KIND
        if not usable and name not in _GRADE_FIELDS:
            continue
        for text in (spec.label, *FIELD_SYNONYMS.get(name, ())):
            words.append(_Word(text, name, spec))
    words.sort(key=lambda w: -len(w.text))
    return words


_WORDS = _vocabulary()


def parse_number(text: str) -> Decimal:
    """Read 2000, 1.5, 十五, 三百五十, 两千, 一千零五, 二点五 (no multiplier suffix)."""
    if text[0].isdigit():
        return Decimal(text)
    whole, _, frac = text.partition("点")
    # 二〇二二 is read digit by digit, 三百五十 by its units.
    read = chinese_number if any(ch in CN_UNITS for ch in whole) else digit_by_digit
    number = read(whole)
    if number is None:
        raise ValueError(text)
    value = Decimal(number)
    if frac:
        value += Decimal("0." + str(digit_by_digit(frac)).zfill(len(frac)))
    return value


def _plain(value: Decimal) -> int | float:
    """JSON number as a person would write it: 40000, 0.15."""
    value = value.normalize()
    return int(value) if value == value.to_integral_value() else float(value)


def _quantities(text: str) -> list[_Quantity]:
    found: list[_Quantity] = []
    for m in _QUANTITY.finditer(text):
        if m.group("pct"):
            found.append(_Quantity(m.start(), m.end(), parse_number(m.group("pct")), PERCENT))
            continue
        unit = m.group("unit")
        if not unit:
            continue
        value = parse_number(m.group("num"))
        for ch in m.group("mult"):
            value *= _MULTIPLIERS[ch]
        if unit in ("%", "%", "个百分点"):
            kind = PERCENT
        elif unit == "元":
            kind = MONEY
        elif unit == "人":
            kind = COUNT
        elif unit == "个月":
            kind = MONTHS
        else:
            # 2022年 is a calendar year, not a duration; the measure's validity says when.
            if value >= 1000:
                continue
            kind = YEARS
        found.append(_Quantity(m.start(), m.end(), value, kind))
    return found


def _normalised(q: _Quantity, spec_unit: str | None = None) -> tuple[int | float, str]:
    """The value in the field's unit (or the figure's), and the unit's name."""
    if q.kind == MONEY:
        return _plain(q.value / 10000), "万元"
    if q.kind == PERCENT:
        if spec_unit == "%":
            return _plain(q.value), "%"
        return _plain(q.value / 100), "fraction"
    if q.kind == COUNT:
        return _plain(q.value), "人"
    return _plain(q.value), "年" if q.kind == YEARS else "月"


def _prefix_op(gap: str) -> str | None:
    for word, op in _PREFIX_OPS:
        if gap.endswith(word):
            return op
    return None


def _suffix_op(text: str, pos: int) -> tuple[str | None, int]:
    """The comparison after a quantity and where it ends: 以下 → <=; 以下(不含2000万元) → <."""
    for word, op in _SUFFIX_OPS:
        if text.startswith(word, pos):
            pos += len(word)
            # A stated (含)/(不含) overrides the 以上/以下 convention, as the document says.
            m = _INCLUSION.match(text, pos)
            if m:
                if m.group(1):
                    op = op.replace("=", "")
                pos = m.end()
            return op, pos
    return None, pos


def _field_before(text: str, pos: int, kind: str | None) -> tuple[_Word, int] | None:
    """The nearest field word ending within _MAX_GAP characters before pos in the same clause."""
    lo = max(0, pos - _MAX_GAP - 16)
    window = text[lo:pos]
    breaks = list(_CLAUSE_BREAK.finditer(window))
    clause_start = lo + breaks[-1].end() if breaks else lo
    best: tuple[_Word, int] | None = None
    for word in _WORDS:
        if kind is not None and _UNIT_KIND.get(word.spec.unit) != kind:
            continue
        start = text.rfind(word.text, clause_start, pos)
        if start < 0:
            continue
        end = start + len(word.text)
        if pos - end > _MAX_GAP or re.search(r"\d", text[end:pos]):
            continue
        if (
            best is None
            or end > best[1] + len(best[0].text)
            or (end == best[1] + len(best[0].text) and len(word.text) > len(best[0].text))
        ):
            best = (word, start)
    return best


def _groups(quantities: list[_Quantity], text: str) -> list[list[_Quantity]]:
    """Quantities of one kind joined by 、/和/或/及 (10亿元、50亿元、100亿元) form one group."""
    groups: list[list[_Quantity]] = []
    for q in quantities:
        if groups:
            last = groups[-1][-1]
            between = text[last.end : q.start]
            if len(between) == 1 and between in _LIST_LINKS and last.kind == q.kind:
                groups[-1].append(q)
                continue
        groups.append([q])
    return groups


def suggest(text: str, *, default_year: int | None = None) -> Suggestions:
    """Suggest conditions and figures stated in a measure text.

    ``default_year`` completes dates written without a year (6月底前); without it such a date is
    given as ``--06-30``.
    """
    conditions: list[ConditionSuggestion] = []
    figures: list[tuple[int, FigureSuggestion]] = []
    taken: list[tuple[int, int]] = []

    for m in _DATE.finditer(text):
        year = m.group("year")
        month = int(m.group("month"))
        if not 1 <= month <= 12:
            continue
        day = int(m.group("day")) if m.group("day") else None
        if year or default_year:
            y = int(year) if year else default_year
            assert y is not None
            day = day or calendar.monthrange(y, month)[1]
            value = f"{y:04d}-{month:02d}-{day:02d}"
        else:
            day = day or calendar.monthrange(2001, month)[1]  # a common year: 2月 ends on the 28th
            value = f"--{month:02d}-{day:02d}"
        figures.append((m.start(), FigureSuggestion(value, "date", m.group(), "date")))
        taken.append((m.start(), m.end()))

    for m in _HALF.finditer(text):
        figures.append((m.start(), FigureSuggestion(0.5, "fraction", m.group(), "rate")))
    for m in _RATIO.finditer(text):
        a, b = Decimal(m.group(1)), Decimal(m.group(2))
        if a:
            quote_end = m.end(2) + (2 if text.startswith(("奖励", "配套", "补助", "补贴"), m.end(2)) else 0)
            figures.append(
                (m.start(), FigureSuggestion(_plain(b / a), "fraction", text[m.start() : quote_end], "rate"))
            )
            taken.append((m.start(), m.end()))

    quantities = [
        q for q in _quantities(text) if not any(s <= q.start < e or s < q.end <= e for s, e in taken)
    ]
    carry: tuple[_Word, int, int, str | None] | None = None  # field word, its start, group end, op
    consumed = 0  # the end of the last suffix read; (含2000万元) in it is not a new quantity
    for group in _groups(quantities, text):
        first, last = group[0], group[-1]
        if first.start < consumed:
            continue
        suffix, end = _suffix_op(text, last.end)
        consumed = end
        found = _field_before(text, first.start, first.kind)
        prefix = None
        label_start = None
        word: _Word | None = None
        if found:
            word, label_start = found
            prefix = _prefix_op(text[label_start + len(word.text) : first.start])
        # 2000万元以上4亿元以下, 100万元至300万元: the second bound shares the first one's field.
        if carry is not None and carry[2] <= first.start:
            link = text[carry[2] : first.start]
            bound = _BOUND_LINK.fullmatch(link)
            if link == "" or link in _RANGE_LINKS:
                word, label_start = carry[0], carry[1]
                prefix = None
                if link in _RANGE_LINKS and suffix is None:
                    suffix = "<="
            elif bound and not (found and found[1] >= carry[2]):
                word, label_start = carry[0], carry[1]
                prefix = _prefix_op(bound.group(1))
        op = prefix or suffix
        if word is not None and label_start is not None and (op or _range_follows(text, end)):
            quote_end = _range_end(text, end) if op is None else end
            quote = text[label_start:quote_end]
            values = [_normalised(q, word.spec.unit)[0] for q in group]
            if op is None:
                # The lower bound of a range; its op is settled when the upper bound is read.
                conditions.append(ConditionSuggestion(word.field, ">=", values[0], quote))
                carry = (word, label_start, end, ">=")
                continue
            if len(values) > 1 and op == "==":
                conditions.append(ConditionSuggestion(word.field, "in", tuple(values), quote))
            else:
                conditions.extend(ConditionSuggestion(word.field, op, v, quote) for v in values)
            carry = (word, label_start, end, op)
            continue
        carry = None
        for q in group:
            figures.append((q.start, _figure(text, q, end if q is last else q.end)))

    for m in _GRADES.finditer(text):
        grade = _grade_condition(text, m)
        if grade is not None:
            conditions.append(grade)

    figures.sort(key=lambda pair: pair[0])
    return Suggestions(tuple(conditions), tuple(f for _, f in figures))


def _range_follows(text: str, pos: int) -> bool:
    """Whether 至/到/— and a quantity with a unit follow pos: 100万元至300万元."""
    if not any(text.startswith(link, pos) for link in _RANGE_LINKS):
        return False
    m = _QUANTITY.match(text, pos + 1)
    return bool(m and (m.group("unit") or m.group("pct")))


def _range_end(text: str, pos: int) -> int:
    """Where the upper bound of a range starting at pos ends (with its suffix), for the quote."""
    m = _QUANTITY.match(text, pos + 1)
    assert m is not None
    _, end = _suffix_op(text, m.end())
    return end


def _figure(text: str, q: _Quantity, end: int) -> FigureSuggestion:
    """A quantity with no field: a cap when 最高/不超过 precedes it in the clause, else an amount."""
    value, unit = _normalised(q)
    lo = max(0, q.start - _MAX_GAP)
    window = text[lo : q.start]
    breaks = list(_CLAUSE_BREAK.finditer(window))
    clause_start = lo + breaks[-1].end() if breaks else lo
    start = q.start
    cap = False
    for word in _CAP_WORDS:
        at = text.rfind(word, clause_start, q.start)
        if at >= 0 and not re.search(r"\d", text[at : q.start]):
            start = min(start, at)
            cap = True
    kind = {MONEY: "cap" if cap else "amount", PERCENT: "rate", COUNT: "count"}.get(q.kind, "duration")
    return FigureSuggestion(value, unit, text[start:end], kind)


def _grade_condition(text: str, m: re.Match[str]) -> ConditionSuggestion | None:
    """「A级、B级」 in a sentence that names a graded field (绩效分级, 纳税信用)."""
    sentence_start = max(text.rfind(ch, 0, m.start()) for ch in "。;;") + 1
    letters = re.findall(r"([A-D])级", m.group())
    best: tuple[int, _Word] | None = None
    for word in _WORDS:
        if word.field not in _GRADE_FIELDS or not all(x in word.spec.choices for x in letters):
            continue
        at = text.rfind(word.text, sentence_start, m.start())
        if at >= 0 and (best is None or at > best[0]):
            best = (at, word)
    if best is None:
        return None
    op, value = ("==", letters[0]) if len(letters) == 1 else ("in", tuple(letters))
    return ConditionSuggestion(best[1].field, op, value, m.group())
