"""The catalogue fixtures are faithful to 晋政办发〔2022〕34号 and to GB/T 4754-2017.

These tests read the JSON files only (no database), and recompute each measure's span from the
source text independently of scripts/build_catalogue.py.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from collections import Counter
from functools import cache
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "reference" / "source" / "shanxi-2022-34-action-plan.txt"
CATALOGUE = ROOT / "fixtures" / "catalogue.json"
INDUSTRIES = ROOT / "fixtures" / "industries.json"


@cache
def objects(path: Path) -> tuple[dict, ...]:
    return tuple(json.loads(path.read_text(encoding="utf-8")))


def rows(model: str, path: Path = CATALOGUE) -> list[dict]:
    return [o for o in objects(path) if o["model"] == f"policies.{model}"]


def measures() -> dict[int, dict]:
    return {o["fields"]["number"]: o["fields"] for o in rows("measure")}


def unit_names(number: int) -> list[str]:
    names = {o["pk"]: o["fields"]["name"] for o in rows("responsibleunit")}
    links = [o["fields"] for o in rows("measureunit") if o["fields"]["measure"] == number]
    return [names[link["unit"]] for link in sorted(links, key=lambda link: link["position"])]


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


@cache
def source_spans() -> dict[int, str]:
    """Each measure's span in the source, whitespace and page numbers removed, fixes applied."""
    if not SOURCE.exists():
        pytest.fail(f"source text missing: {SOURCE} (the project keeps its own copy in reference/source/)")
    kept = [
        line
        for line in SOURCE.read_text(encoding="utf-8").splitlines()
        if not re.fullmatch(r"\s*-\s*\d+\s*-\s*", line)
    ]
    body = squeeze("".join(kept))
    # The preface ends with the plan's opening paragraph; measure 1 starts right after it.
    position = body.index("制定本行动方案。") + len("制定本行动方案。")
    starts = []
    for number in range(1, 71):
        position = body.index(f"{number}.", position)
        starts.append(position)
        position += len(f"{number}.")
    spans = {}
    for number in range(1, 71):
        begin = starts[number - 1] + len(f"{number}.")
        end = starts[number] if number < 70 else body.index("各有关部门要把稳定工业增长")
        spans[number] = body[begin:end]
    spans[46] = spans[46].replace("1梄1", "1:1")
    spans[53] += ")"
    spans[59] += ")"
    return spans


def test_the_catalogue_has_seventy_measures_numbered_one_to_seventy_with_the_number_as_key() -> None:
    numbers = [o["fields"]["number"] for o in rows("measure")]
    assert sorted(numbers) == list(range(1, 71))
    assert all(o["pk"] == o["fields"]["number"] for o in rows("measure"))


def test_measure_one_starts_after_the_preface() -> None:
    assert measures()[1]["text"].startswith("加大中小微企业设备器具税前扣除力度,中小微企业2022年度内")


@pytest.mark.parametrize("number", range(1, 71))
def test_each_measure_text_is_exactly_its_span_of_the_source(number: int) -> None:
    assert squeeze(measures()[number]["text"]) == source_spans()[number]


def test_texts_keep_no_line_breaks_page_numbers_or_extraction_spaces() -> None:
    for number, fields in measures().items():
        text = fields["text"]
        assert "\n" not in text, number
        assert not re.search(r"-\s*\d+\s*-", text), number
        # A space may only separate two latin words or numbers; the source has none.
        assert not re.search(r"(?<![0-9A-Za-z])\s|\s(?![0-9A-Za-z])", text), number


def test_no_text_contains_the_extraction_glitch_and_measure_46_reads_one_to_one() -> None:
    assert not any("梄" in fields["text"] for fields in measures().values())
    assert "给予补助资金1:1奖励政策" in measures()[46]["text"]


def test_every_text_ends_with_its_unit_parenthesis_including_the_restored_ones() -> None:
    for number, fields in measures().items():
        assert fields["text"].endswith(")"), number
        assert fields["text"].count("(责任单位:") == 1, number
    assert measures()[53]["text"].endswith("(责任单位:省发展改革委、省工信厅、省商务厅、省供销社)")
    assert measures()[59]["text"].endswith("(责任单位:省人社厅、省教育厅、省发展改革委)")


def test_measure_70_stops_before_the_plans_closing_paragraph() -> None:
    text = measures()[70]["text"]
    assert text.endswith("(责任单位:省发展改革委、省工信厅会同省有关单位)")
    assert "各有关部门" not in text
    assert "抄送" not in text


@pytest.mark.parametrize(
    ("number", "units"),
    [
        (1, ["省税务局"]),
        (12, ["省税务局"]),
        (13, ["人行太原中心支行", "山西银保监局"]),
        (16, ["人行太原中心支行", "省地方金融监管局", "山西银保监局", "省财政厅"]),
        (
            32,
            [
                "省发展改革委",
                "省自然资源厅",
                "省生态环境厅",
                "省水利厅",
                "省能源局",
                "山西能监办",
                "国网山西省电力公司",
            ],
        ),
        (53, ["省发展改革委", "省工信厅", "省商务厅", "省供销社"]),
        (59, ["省人社厅", "省教育厅", "省发展改革委"]),
        (69, ["省有关单位"]),
        (70, ["省发展改革委", "省工信厅", "省有关单位"]),
    ],
)
def test_units_are_listed_as_the_source_names_them_in_its_order(number: int, units: list[str]) -> None:
    assert unit_names(number) == units


def test_every_measures_units_are_those_of_its_parenthesis() -> None:
    for number, fields in measures().items():
        inner = fields["text"].rsplit("(责任单位:", 1)[1][:-1]
        expected = [name for part in inner.split("、") for name in part.split("会同")]
        assert unit_names(number) == expected, number


def test_units_are_unique_ordered_by_first_appearance_and_only_carry_public_hotlines() -> None:
    units = sorted(rows("responsibleunit"), key=lambda o: o["fields"]["order"])
    names = [o["fields"]["name"] for o in units]
    assert len(names) == len(set(names))
    first_seen = list(dict.fromkeys(name for number in range(1, 71) for name in unit_names(number)))
    assert names == first_seen
    by_name = {o["fields"]["name"]: o["fields"] for o in units}
    assert by_name["省税务局"]["full_name"] == "国家税务总局山西省税务局"
    assert by_name["人行太原中心支行"]["full_name"] == "中国人民银行太原中心支行"
    phones = {name: fields["phone"] for name, fields in by_name.items() if fields["phone"]}
    assert phones == {"省税务局": "12366", "省人社厅": "12333"}


def test_measure_12_has_the_two_stock_refund_deadlines_split_by_the_refund_size_rule() -> None:
    deadlines = sorted(
        (o["fields"] for o in rows("deadline") if o["fields"]["measure"] == 12), key=lambda d: d["date"]
    )
    assert [(d["date"], d["label"]) for d in deadlines] == [
        ("2022-04-30", "微型企业存量留抵税额集中退还"),
        ("2022-06-30", "小型企业等存量留抵税额集中退还"),
    ]
    micro = {"size": "refund_300", "in": ["micro"]}
    assert [d["condition"] for d in deadlines] == [micro, {"not": micro}]


def test_every_measure_is_published_and_valid_for_the_plans_period_with_the_contracts_exceptions() -> None:
    exceptions = {
        1: ("2022-01-01", "2022-12-31"),
        5: ("2022-01-01", "2024-12-31"),
        8: ("2022-04-01", "2022-12-31"),
    }
    for number, fields in measures().items():
        assert fields["is_draft"] is False and fields["draft_of"] is None, number
        assert (fields["valid_from"], fields["valid_until"]) == exceptions.get(
            number, ("2022-04-14", "2022-12-31")
        )
        assert fields["document"] == 1


def test_the_policy_document_is_the_plan() -> None:
    (document,) = rows("policydocument")
    assert document["pk"] == 1
    assert document["fields"] == {
        "number": "晋政办发〔2022〕34号",
        "title": "山西省促进工业经济平稳增长行动方案",
        "issuer": "山西省人民政府办公厅",
        "issued_on": "2022-04-14",
        "valid_from": "2022-04-14",
        "valid_until": "2022-12-31",
        "legacy_urls": True,  # its measures keep /measures/<n>/
    }


def test_titles_are_short_unique_and_made_of_the_sources_own_words() -> None:
    titles = {number: fields["title"] for number, fields in measures().items()}
    assert titles[1] == "加大中小微企业设备器具税前扣除力度"
    assert titles[12] == "加大留抵退税政策落实力度"
    assert len(set(titles.values())) == 70
    for number, title in titles.items():
        assert 0 < len(title) <= 30, number
        text = measures()[number]["text"]
        # Greedy longest match: every piece of the title of two characters or more is in the text.
        i = 0
        while i < len(title):
            j = next(j for j in range(len(title), i, -1) if title[i:j] in text or j == i + 1)
            assert title[i:j] in text and (j - i > 1 or title[i] in "“”《》()、"), (number, title, title[i:])
            i = j


def test_every_measure_has_a_summary_a_category_a_delivery_and_directions() -> None:
    category_pks = {o["pk"] for o in rows("category")}
    assert 6 <= len(category_pks) <= 8
    for number, fields in measures().items():
        assert 10 <= len(fields["summary"]) and fields["summary"] != fields["text"], number
        assert fields["category"] in category_pks, number
        assert fields["delivery"] in {"automatic", "application", "informational"}, number
        assert fields["how_to_apply"], number
        assert fields["apply_url"] == ""
    assert {n: measures()[n]["delivery"] for n in (1, 3, 5, 7, 8, 12, 70)} == {
        1: "application",
        3: "automatic",
        5: "automatic",
        7: "automatic",
        8: "automatic",
        12: "application",
        70: "informational",
    }


def test_summaries_quote_the_sources_key_figures() -> None:
    figures = {
        1: ["500万元", "3年", "5个纳税年度", "4亿元"],
        9: ["30%", "60%", "90%"],
        11: ["75%", "100%", "20万元"],
        36: ["15%"],
        46: ["1:1", "80%", "500万元"],
        12: ["2022年4月30日", "2022年6月30日"],
    }
    for number, expected in figures.items():
        for figure in expected:
            assert figure in measures()[number]["summary"], (number, figure)


def test_categories_have_names_slugs_orders_and_descriptions() -> None:
    categories = [o["fields"] for o in rows("category")]
    assert sorted(c["order"] for c in categories) == list(range(1, len(categories) + 1))
    for category in categories:
        assert category["name"] and category["description"]
        assert re.fullmatch(r"[a-z][a-z-]*", category["slug"])
    used = Counter(fields["category"] for fields in measures().values())
    assert set(used) == {o["pk"] for o in rows("category")}


def load_script(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    # Dataclasses look their module up in sys.modules while the class is being created.
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_the_committed_fixtures_are_what_the_build_scripts_produce() -> None:
    catalogue = load_script("build_catalogue")
    assert catalogue.render(catalogue.build(SOURCE.read_text(encoding="utf-8"))) == CATALOGUE.read_text(
        encoding="utf-8"
    )
    industries = load_script("build_industries")
    assert industries.render(industries.build()) == INDUSTRIES.read_text(encoding="utf-8")


# --- GB/T 4754-2017 -----------------------------------------------------------------------------


def industries() -> dict[str, dict]:
    return {o["pk"]: o["fields"] for o in rows("industry", INDUSTRIES)}


def test_industries_hold_all_twenty_sections_and_ninety_seven_divisions() -> None:
    by_level = Counter(fields["level"] for fields in industries().values())
    assert by_level["section"] == 20
    assert by_level["division"] == 97
    sections = sorted(code for code, fields in industries().items() if fields["level"] == "section")
    assert sections == list("ABCDEFGHIJKLMNOPQRST")
    divisions = sorted(code[1:] for code, fields in industries().items() if fields["level"] == "division")
    assert divisions == [f"{n:02d}" for n in range(1, 98)]


@pytest.mark.parametrize(
    ("code", "name", "parent"),
    [
        ("C", "制造业", None),
        ("A05", "农、林、牧、渔专业及辅助性活动", "A"),
        ("B12", "其他采矿业", "B"),
        ("C13", "农副食品加工业", "C"),
        ("C16", "烟草制品业", "C"),
        ("C36", "汽车制造业", "C"),
        ("C43", "金属制品、机械和设备修理业", "C"),
        ("D46", "水的生产和供应业", "D"),
        ("E47", "房屋建筑业", "E"),
        ("F51", "批发业", "F"),
        ("F52", "零售业", "F"),
        ("G59", "装卸搬运和仓储业", "G"),
        ("G60", "邮政业", "G"),
        ("H62", "餐饮业", "H"),
        ("I63", "电信、广播电视和卫星传输服务", "I"),
        ("I65", "软件和信息技术服务业", "I"),
        ("K70", "房地产业", "K"),
        ("K701", "房地产开发经营", "K70"),
        ("K702", "物业管理", "K70"),
        ("M73", "研究和试验发展", "M"),
        ("N77", "生态保护和环境治理业", "N"),
        ("R90", "娱乐业", "R"),
        ("S96", "基层群众自治组织及其他组织", "S"),
        ("T97", "国际组织", "T"),
    ],
)
def test_industry_codes_carry_their_official_names_and_parents(
    code: str, name: str, parent: str | None
) -> None:
    assert industries()[code]["name"] == name
    assert industries()[code]["parent"] == parent


def test_every_industry_code_nests_under_its_parent() -> None:
    for code, fields in industries().items():
        level, parent = fields["level"], fields["parent"]
        assert re.fullmatch(
            {"section": r"[A-T]", "division": r"[A-T]\d{2}", "group": r"[A-T]\d{3}"}[level], code
        )
        if level == "section":
            assert parent is None
        else:
            assert parent == code[:-1] if level == "group" else parent == code[0]
            assert industries()[parent]["level"] == ("division" if level == "group" else "section")
    k70_groups = sorted(code for code, fields in industries().items() if fields["parent"] == "K70")
    assert k70_groups == ["K701", "K702", "K703", "K704", "K709"]
