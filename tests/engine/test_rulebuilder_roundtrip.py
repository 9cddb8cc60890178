"""The rule builder's rows and the engine's JSON are two views of one rule: converting either way
and back changes nothing, for every rule shipped in fixtures/ and for generated trees."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from policies.rulebuilder import estimate as shapes
from policies.rulebuilder import tree

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


def _fixture_rows(name: str, model: str) -> list[dict[str, Any]]:
    return [
        x["fields"] for x in json.loads((FIXTURES / name).read_text(encoding="utf-8")) if x["model"] == model
    ]


RULES = _fixture_rows("rules.json", "policies.eligibilityrule")
DEADLINES = _fixture_rows("catalogue.json", "policies.deadline")
CONDITIONS = (
    [r["condition"] for r in RULES]
    + [n["when"] for r in RULES for n in r["notes"]]
    + [r["estimate"]["when"] for r in RULES if r["estimate"] and "when" in r["estimate"]]
    + [d["condition"] for d in DEADLINES if d["condition"] is not None]
)
ESTIMATES = [r["estimate"] for r in RULES if r["estimate"] is not None]


def condition_round_trip(condition: Any) -> None:
    rows = tree.to_rows(condition)
    built = tree.from_rows(rows)
    assert built.errors == [], built.errors
    assert built.condition == condition
    assert tree.to_rows(built.condition) == rows


def test_the_fixtures_hold_rules_of_every_kind() -> None:
    kinds = {row.kind for c in CONDITIONS for row in tree.to_rows(c)}
    assert kinds == {"all", "any", "not", "field", "as_of", "industry", "size", "equipment"}
    assert kinds == set(tree.KIND_LABELS)
    assert {shapes.to_form(e).shape for e in ESTIMATES} >= {"amount", "rate", "capped", "formula"}


@given(st.sampled_from(CONDITIONS))
def test_every_fixture_condition_round_trips(condition: Any) -> None:
    condition_round_trip(condition)


@given(st.sampled_from(ESTIMATES))
def test_every_fixture_estimate_round_trips(estimate: dict[str, Any]) -> None:
    form = shapes.to_form(estimate)
    data, problems, _ = shapes.from_form(form)
    assert problems == []
    assert data == estimate
    assert shapes.to_form(data) == form


# --- generated trees ----------------------------------------------------------------------------

_param = st.sampled_from(["m9_layoff_max_pct", "m10_tier_10_wan"]).map(lambda k: {"param": k})
_number_leaf = st.builds(
    lambda f, op, v, label: {"field": f, "op": op, "value": v, **({"label": label} if label else {})},
    st.sampled_from(["employees", "revenue_wan", "layoff_rate_pct"]),
    st.sampled_from(["<", "<=", ">", ">=", "==", "!="]),
    st.one_of(st.integers(0, 10**6), st.floats(0, 100, allow_nan=False).map(lambda x: round(x, 3)), _param),
    st.sampled_from(["", "年销售额"]),
)
_enum_leaf = st.one_of(
    st.builds(
        lambda op, v: {"field": "tax_credit_rating", "op": op, "value": v},
        st.sampled_from(["==", "!="]),
        st.sampled_from("ABMCD"),
    ),
    st.builds(
        lambda op, v: {"field": "tax_credit_rating", "op": op, "value": v},
        st.sampled_from(["in", "not_in"]),
        st.lists(st.sampled_from("ABMCD"), min_size=1, max_size=3, unique=True),
    ),
)
_bool_leaf = st.builds(
    lambda op, v: {"field": "exports", "op": op, "value": v}, st.sampled_from(["==", "!="]), st.booleans()
)
_as_of_leaf = st.builds(
    lambda op, v: {"field": "as_of", "op": op, "value": v},
    st.sampled_from(["<", "<=", ">", ">=", "==", "!="]),
    st.sampled_from([{"param": "m12_more_industries_from"}, "2022-07-01"]),
)
_industry_leaf = st.builds(
    lambda codes, label: {"industry": codes, **({"label": label} if label else {})},
    st.lists(st.sampled_from(["C", "D", "I65", "C16", "N77"]), min_size=1, max_size=3, unique=True),
    st.sampled_from(["", "制造业等"]),
)
_size_leaf = st.one_of(
    st.just({"size": "small_low_profit"}),
    st.builds(
        lambda c: {"size": "refund_300", "in": c},
        st.lists(st.sampled_from(["micro", "small", "medium"]), min_size=1, unique=True),
    ),
)
_item_leaf = st.one_of(
    st.builds(
        lambda op, v: {"field": "unit_value_wan", "op": op, "value": v},
        st.sampled_from([">=", "<"]),
        st.integers(1, 900),
    ),
    st.builds(
        lambda op: {"field": "purchase_date", "op": op, "value": "2022-01-01"}, st.sampled_from([">=", "<="])
    ),
)
_items = st.recursive(
    _item_leaf,
    lambda inner: st.one_of(
        st.builds(
            lambda m, c: {m: c}, st.sampled_from(["all", "any"]), st.lists(inner, min_size=1, max_size=3)
        ),
        inner.map(lambda c: {"not": c}),
    ),
    max_leaves=4,
)
_leaf = st.one_of(
    _number_leaf,
    _enum_leaf,
    _bool_leaf,
    _as_of_leaf,
    _industry_leaf,
    _size_leaf,
    _items.map(lambda c: {"equipment": c}),
)
CONDITION = st.recursive(
    _leaf,
    lambda inner: st.one_of(
        st.builds(
            lambda m, c: {m: c}, st.sampled_from(["all", "any"]), st.lists(inner, min_size=1, max_size=4)
        ),
        inner.map(lambda c: {"not": c}),
    ),
    max_leaves=10,
)


@settings(max_examples=300)
@given(CONDITION)
def test_generated_conditions_round_trip(condition: Any) -> None:
    condition_round_trip(condition)


@given(
    st.sampled_from(["amount", "rate", "capped", "tiered", "fixed"]),
    st.sampled_from(list(shapes.KINDS)),
    st.sampled_from(list(shapes.money_fields())),
    st.sampled_from(["p.m36_support_share", "0.5", "3"]),
    st.sampled_from(["p.m46_cap_wan", "500"]),
)
def test_generated_shapes_round_trip(shape: str, kind: str, base: str, rate: str, cap: str) -> None:
    form = shapes.EstimateForm(shape, kind=kind, base=base, rate=rate, cap=cap, threshold=cap, low=rate)
    data, problems, _ = shapes.from_form(form)
    assert problems == []
    again = shapes.to_form(data)
    assert again.shape == shape
    assert shapes.from_form(again)[0] == data


def test_rows_name_their_problems_in_words() -> None:
    rows = [
        tree.Row(0, "all"),
        tree.Row(1, "field", field="retained_vat_credit_wan", op=">", value="0万元"),
        tree.Row(1, "field", field="tax_credit_rating", op="in", value=""),
        tree.Row(1, "any"),
    ]
    built = tree.from_rows(rows)
    assert built.condition is None
    messages = {i: m for i, m in built.errors}
    assert "不要带单位" in messages[1]
    assert "至少一个取值" in messages[2]
    assert "至少需要一个条件" in messages[3]
    assert all("[" not in m and "." not in m for m in messages.values())


def test_the_screening_day_is_its_own_row() -> None:
    condition = {"field": "as_of", "op": ">=", "value": {"param": "m12_more_industries_from"}}
    assert tree.to_rows(condition) == [tree.Row(0, "as_of", op=">=", param="m12_more_industries_from")]
    assert tree.from_rows([tree.Row(0, "as_of", op=">=", value="2022-07-01")]).condition == {
        "field": "as_of",
        "op": ">=",
        "value": "2022-07-01",
    }
    wrong = tree.from_rows(
        [tree.Row(0, "as_of", op=">=", value="7月1日"), tree.Row(0, "as_of", op="in", value="2022-07-01")]
    )
    assert [i for i, _ in wrong.errors] == [0, 1]
    assert "应为日期" in wrong.errors[0][1] and "不早于" in wrong.errors[1][1]
    # Not among an equipment item's conditions, and not as an ordinary 条件 row on a profile field.
    inside = tree.from_rows([tree.Row(0, "equipment"), tree.Row(1, "as_of", op=">=", value="2022-07-01")])
    assert inside.errors and inside.errors[0][0] == 1
    assert tree.from_rows([tree.Row(0, "field", field="as_of", op=">=", value="2022-07-01")]).errors


def test_editing_moves_whole_subtrees() -> None:
    rows = tree.to_rows(
        {
            "all": [
                {"field": "exports", "op": "==", "value": True},
                {"any": [{"size": "small_low_profit"}, {"industry": ["C"]}]},
            ]
        }
    )
    assert tree.move_row(rows, 2, -1)[1:4] == rows[2:5]
    assert len(tree.remove_row(rows, 2)) == 2
    added = tree.add_row(rows, 2, "field")
    assert added[5] == tree.Row(2, "field") and len(added) == 6
    assert tree.indent_row(rows, 1, 1) == rows  # the row above is the group itself: already inside
    outdented = tree.indent_row(rows, 3, -1)  # the size test leaves the 满足其一 group ...
    assert [(r.kind, r.depth) for r in outdented] == [
        ("all", 0),
        ("field", 1),
        ("any", 1),
        ("industry", 2),
        ("size", 1),
    ]
    assert tree.from_rows(outdented).errors == []
    back = tree.indent_row(outdented, 4, 1)  # ... and goes back in as its last member
    assert [(r.kind, r.depth) for r in back] == [
        ("all", 0),
        ("field", 1),
        ("any", 1),
        ("industry", 2),
        ("size", 2),
    ]
