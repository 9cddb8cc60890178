"""manage.py suggest_rules and the evaluation against the hand-made answer keys."""

from __future__ import annotations

import importlib.util
import json
from io import StringIO
from pathlib import Path
from types import ModuleType

import pytest
from django.core.management import CommandError, call_command

ROOT = Path(__file__).resolve().parent.parent


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("suggest_eval", ROOT / "bench" / "suggest_eval.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run(*args: str) -> str:
    out = StringIO()
    call_command("suggest_rules", *args, stdout=out)
    return out.getvalue()


def test_json_for_every_published_measure(catalogue) -> None:
    rows = json.loads(run("--json"))
    assert [r["measure"] for r in rows] == list(range(1, 71))
    texts = {m.number: m.text for m in catalogue}
    for row in rows:
        assert set(row) == {"measure", "conditions", "figures"}
        for c in row["conditions"]:
            assert set(c) == {"field", "op", "value", "quote"}
            assert c["op"] in {"<=", "<", ">=", ">", "==", "in"}
            assert c["quote"] in texts[row["measure"]]
        for f in row["figures"]:
            assert {"value", "unit", "quote"} <= set(f)
            assert f["quote"] in texts[row["measure"]]


def test_one_measure_as_json(catalogue) -> None:
    (row,) = json.loads(run("--measure", "46", "--json"))
    assert row["measure"] == 46
    assert {"value": 500, "unit": "万元", "kind": "cap", "quote": "最高补贴500万元"} in row["figures"]
    (row,) = json.loads(run("--measure", "12", "--json"))
    # 6月底前 has no year in the text; the plan's year completes it.
    assert row["figures"] == [{"value": "2022-06-30", "unit": "date", "kind": "date", "quote": "6月底前"}]


def test_human_readable_output(catalogue) -> None:
    text = run("--measure", "1")
    assert text.startswith("第1条")
    assert "revenue_wan <= 40000" in text and "“营业收入4亿元以下”" in text


def test_an_unknown_measure_is_an_error(catalogue) -> None:
    with pytest.raises(CommandError, match="第99条"):
        run("--measure", "99")


def test_the_answer_key_is_quoted_from_the_texts_and_covers_the_checkable_measures() -> None:
    bench = _bench()
    texts, checkable, _ = bench.load_measures()
    key = json.loads(bench.KEY.read_text(encoding="utf-8"))["measures"]
    assert {int(n) for n in key} == checkable
    for number, entry in key.items():
        for row in entry["conditions"] + entry["figures"]:
            assert row["quote"] in texts[int(number)], row
    for entry in json.loads(bench.HELDOUT.read_text(encoding="utf-8"))["texts"]:
        for row in entry["conditions"] + entry["figures"]:
            assert row["quote"] in entry["text"], row


def test_recall_precision_and_informational_measures() -> None:
    r = _bench().evaluate()
    # The target: at least 90% of the stated thresholds and figures, right field and value.
    assert r["recall"] >= 0.9, r["missed"]
    assert r["precision"] >= 0.9, r["extra"]
    # Government work items get few condition rows.
    assert r["informational"]["measures"] == 51
    assert r["informational"]["conditions"] <= 3, r["informational"]["condition_rows"]
    # Sentences the suggester was not written against.
    assert r["heldout"]["recall"] >= 0.9, r["heldout"]["missed"]
    assert r["bad_quotes"] == []
