"""The document importer (policies/importer/, issue 14) and `manage.py import_document`.

Every document here is made from the plan's own text (reference/source/): as it is, as a .docx
and a .pdf, renumbered in other styles and re-wrapped, with other unit forms. The expected
measures are always those of fixtures/catalogue.json, never a copy typed into this file.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from functools import cache
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from policies.chinese_numerals import chinese_number
from policies.importer import ImportResult, KnownUnit, import_file, import_lines, import_text, match_units
from policies.importer.header import parse_header
from policies.importer.layout import repeated_page_lines, split_pages
from policies.importer.units import split_units, unit_parenthesis_content

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "reference" / "source" / "shanxi-2022-34-action-plan.txt"
CATALOGUE = ROOT / "fixtures" / "catalogue.json"
PAGE_NUMBER = re.compile(r"^\s*-\s*\d+\s*-\s*$")
ALNUM = re.compile(r"[0-9A-Za-z]")
CN_NUMERALS = "一二三四五六七八九"


# --- the fixture and the source --------------------------------------------------------------


@cache
def fixture() -> tuple[dict, ...]:
    return tuple(json.loads(CATALOGUE.read_text(encoding="utf-8")))


def rows(model: str) -> list[dict]:
    return [o for o in fixture() if o["model"] == f"policies.{model}"]


def fixture_texts() -> dict[int, str]:
    return {o["fields"]["number"]: o["fields"]["text"] for o in rows("measure")}


def fixture_units() -> dict[int, list[str]]:
    names = {o["pk"]: o["fields"]["name"] for o in rows("responsibleunit")}
    links = sorted((o["fields"] for o in rows("measureunit")), key=lambda f: (f["measure"], f["position"]))
    units: dict[int, list[str]] = {}
    for link in links:
        units.setdefault(link["measure"], []).append(names[link["unit"]])
    return units


def known_units() -> list[KnownUnit]:
    return [KnownUnit(o["fields"]["name"], o["fields"]["full_name"]) for o in rows("responsibleunit")]


def source_lines() -> list[str]:
    return SOURCE.read_text(encoding="utf-8").splitlines()


@cache
def source_parts() -> tuple[list[str], list[list[str]]]:
    """The source's preface lines and each measure's lines (numbering included), page numbers out.

    Found the way a reader would: measure n is the first line after measure n-1 that starts "n.".
    Measure 70's lines run to the end (the plan's closing paragraph and 抄送 come with it).
    """
    lines = [line for line in source_lines() if line.strip() and not PAGE_NUMBER.match(line)]
    start = next(i for i, line in enumerate(lines) if "制定本行动方案。" in line) + 1
    starts = []
    for number in range(1, 71):
        while not re.match(rf"^\s*{number}\.", lines[start]):
            start += 1
        starts.append(start)
        start += 1
    starts.append(len(lines))
    groups = [lines[starts[i] : starts[i + 1]] for i in range(70)]
    return lines[: starts[0]], groups


def paragraph(group: list[str]) -> str:
    """A measure's lines as one paragraph, its own numbering removed (the text as typed)."""
    joined = ""
    for line in group:
        piece = line.strip()
        # Two latin/digit runs on either side of a line break were two words.
        if joined and ALNUM.match(joined[-1]) and ALNUM.match(piece[0]):
            joined += " "
        joined += piece
    return re.sub(r"^\d+\.", "", joined)


def wrap(text: str, width: int) -> list[str]:
    """Break a paragraph into lines of about `width` characters, never inside a latin/digit run."""
    lines, line = [], ""
    for index, char in enumerate(text):
        line += char
        following = text[index + 1] if index + 1 < len(text) else ""
        if len(line) >= width and not (ALNUM.match(char) and ALNUM.match(following or "_")):
            lines.append(line)
            line = ""
    return [*lines, line] if line else lines


def paginate(lines: list[str], per_page: int, running_header: str) -> list[str]:
    """Lay lines out on pages: a running header on top, "- n -" at the foot, as a PDF extraction shows."""
    out: list[str] = []
    for page, begin in enumerate(range(0, len(lines), per_page), start=1):
        out.append(running_header)
        out.extend(lines[begin : begin + per_page])
        out.append(f"- {page} -")
    return out


def chinese(number: int) -> str:
    tens, ones = divmod(number, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else CN_NUMERALS[tens - 1] + "十")
    return head + (CN_NUMERALS[ones - 1] if ones else "")


def sections() -> list[tuple[str, list[int]]]:
    """The fixture's categories as sections, each with its measures in number order."""
    names = {o["pk"]: o["fields"]["name"] for o in rows("category")}
    out: list[tuple[str, list[int]]] = []
    for o in sorted(rows("measure"), key=lambda o: o["fields"]["number"]):
        name = names[o["fields"]["category"]]
        if not out or out[-1][0] != name:
            out.append((name, []))
        out[-1][1].append(o["fields"]["number"])
    return out


def renumbered(
    label: Callable[[int, int], str],
    heading: Callable[[int, str], str] | None = None,
    transform: Callable[[str], str] = lambda text: text,
    width: int = 23,
) -> list[str]:
    """The plan renumbered: `label(number, position in section)` for measures, `heading(section
    index, name)` for sections (none if not given), every paragraph re-wrapped and paginated."""
    preface, groups = source_parts()
    body: list[str] = []
    for index, (name, numbers) in enumerate(sections(), start=1):
        if heading:
            body.append(heading(index, name))
        for position, number in enumerate(numbers, start=1):
            body.extend(wrap(label(number, position) + transform(paragraph(groups[number - 1])), width))
    return paginate([line.strip() for line in preface] + body, 25, "山西省人民政府办公厅文件")


def assert_is_the_catalogue(
    result: ImportResult, expected_text: Callable[[int, str], str] = lambda number, text: text
) -> None:
    texts, units = fixture_texts(), fixture_units()
    assert [m.number for m in result.measures] == list(range(1, 71))
    for measure in result.measures:
        assert measure.text == expected_text(measure.number, texts[measure.number]), measure.number
        assert measure.units == units[measure.number], measure.number
    document = rows("policydocument")[0]["fields"]
    assert result.document.as_dict() == {
        key: document[key] for key in ("number", "title", "issuer", "issued_on")
    }


def codes(result: ImportResult) -> set[tuple[str, int | None]]:
    return {(w.code, w.measure) for w in result.warnings}


PLAN_CORRECTIONS = {
    ("glyph_corrected", 46),
    ("parenthesis_restored", 53),
    ("parenthesis_restored", 59),
    ("closing_text_cut", 70),
}


# --- the plan in three formats ---------------------------------------------------------------


def test_the_plans_text_imports_as_exactly_the_catalogue_with_its_corrections_reported() -> None:
    result = import_file(SOURCE, known_units())
    assert_is_the_catalogue(result)
    assert PLAN_CORRECTIONS <= codes(result)
    # Nothing else was doubtful: every unit is known and every character readable.
    assert {code for code, _ in codes(result)} == {c for c, _ in PLAN_CORRECTIONS} | {
        "number_brackets",
        "page_numbers_dropped",
        "title_cut",
    }
    assert result.new_units == []


def test_the_plan_as_a_docx_imports_as_exactly_the_catalogue(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    # A running header lives in the section header, not in the body the importer reads.
    document.sections[0].header.paragraphs[0].text = "山西省人民政府办公厅文件"
    preface, groups = source_parts()
    for line in preface:
        document.add_paragraph(line.strip())
    for group in groups:
        document.add_paragraph("".join(line.strip() for line in group))
    path = tmp_path / "plan.docx"
    document.save(str(path))

    result = import_file(path, known_units())
    assert_is_the_catalogue(result)
    assert PLAN_CORRECTIONS <= codes(result)


def test_the_plan_as_a_pdf_imports_as_exactly_the_catalogue(tmp_path: Path) -> None:
    from html import escape

    from weasyprint import HTML

    preface, groups = source_parts()
    paragraphs = [line.strip() for line in preface] + ["".join(line.strip() for line in g) for g in groups]
    html = (
        "<html><head><style>"
        "@page { size: A5; margin: 20mm 15mm;"
        " @top-center { content: '山西省人民政府办公厅文件'; font-family: 'WenQuanYi Zen Hei'; }"
        " @bottom-center { content: '- ' counter(page) ' -'; font-family: 'WenQuanYi Zen Hei'; } }"
        "body { font-family: 'WenQuanYi Zen Hei'; font-size: 12pt; } p { margin: 0 0 4pt; }"
        "</style></head><body>" + "".join(f"<p>{escape(p)}</p>" for p in paragraphs) + "</body></html>"
    )
    path = tmp_path / "plan.pdf"
    HTML(string=html).write_pdf(str(path))

    result = import_file(path, known_units())
    assert_is_the_catalogue(result)
    assert PLAN_CORRECTIONS <= codes(result)
    dropped = [w for w in result.warnings if w.code == "running_header_dropped"]
    assert dropped and "山西省人民政府办公厅文件" in dropped[0].message


# --- other numbering styles, re-wrapped, with page numbers and running headers -----------------


def test_articles_numbered_di_yi_tiao_under_chapters() -> None:
    lines = renumbered(
        lambda number, _: f"第{chinese(number)}条 ", lambda index, name: f"第{chinese(index)}章 {name}"
    )
    result = import_lines(lines, known_units())
    assert_is_the_catalogue(result)
    assert result.measures[12].label == "第十三条"
    assert result.measures[12].section == f"第二章{sections()[1][0]}"
    assert {"page_numbers_dropped", "running_header_dropped"} <= {code for code, _ in codes(result)}


def test_measures_numbered_yi_in_parentheses_restarting_under_each_yi_section() -> None:
    lines = renumbered(
        lambda _, position: f"({chinese(position)})", lambda index, name: f"{chinese(index)}、{name}"
    )
    result = import_lines(lines, known_units())
    assert_is_the_catalogue(result)
    first_of_second_section = sections()[1][1][0]
    assert result.measures[first_of_second_section - 1].label == "二、(一)"


def test_arabic_measures_restarting_under_each_yi_section() -> None:
    lines = renumbered(
        lambda _, position: f"{position}.", lambda index, name: f"{chinese(index)}、{name}", width=17
    )
    assert_is_the_catalogue(import_lines(lines, known_units()))


def test_three_levels_sections_subsections_and_measures() -> None:
    """一、 holds (一), which holds 1.: the measures are the most numerous level."""
    preface, groups = source_parts()
    body: list[str] = []
    for index, (name, numbers) in enumerate(sections(), start=1):
        body.append(f"{chinese(index)}、{name}")
        body.append(f"(一){name}措施")
        for position, number in enumerate(numbers, start=1):
            body.extend(wrap(f"{position}." + paragraph(groups[number - 1]), 21))
    result = import_lines(
        paginate([line.strip() for line in preface] + body, 30, "晋政办发文件"), known_units()
    )
    assert_is_the_catalogue(result)
    assert result.measures[0].section == "(一)财税支持措施"


def test_a_pasted_text_with_ascii_numbering_imports_the_same() -> None:
    assert_is_the_catalogue(import_text(SOURCE.read_text(encoding="utf-8"), known_units()))


# --- unit forms and matching ------------------------------------------------------------------

UNIT_PARENTHESIS = re.compile(r"\(责任单位:([^()]*)\)")


def lead_forms(text: str) -> str:
    """Rewrite "(责任单位:…)" in the forms other documents use: one unit 牵头负责, several either
    按职责分工负责 or "A牵头,B、C配合", alternating."""

    def replace(match: re.Match[str]) -> str:
        names = match.group(1)
        if "、" not in names and "会同" not in names:
            return f"({names}牵头负责)"
        if len(names) % 2:
            return f"({names}按职责分工负责)"
        lead, _, rest = names.partition("、")
        return f"({lead}牵头,{rest}配合)" if rest else f"({names}按职责分工负责)"

    matches = list(UNIT_PARENTHESIS.finditer(text))
    if not matches:
        return text
    last = matches[-1]
    return text[: last.start()] + replace(last) + text[last.end() :]


def test_units_written_as_qiantou_fuze_and_anzhize_fengong_fuze() -> None:
    lines = renumbered(lambda number, _: f"{number}.", transform=lead_forms)
    result = import_lines(lines, known_units())
    unclosed = {
        n for n, g in enumerate(source_parts()[1], start=1) if not UNIT_PARENTHESIS.search(paragraph(g))
    }
    assert unclosed == {53, 59}  # their "(责任单位:" stays, and the importer closes it
    assert_is_the_catalogue(result, expected_text=lambda n, text: text if n in unclosed else lead_forms(text))
    forms = {m.text[m.text.rindex("(") :][-6:] for m in result.measures}
    assert any(f.endswith("牵头负责)") for f in forms) and any(f.endswith("分工负责)") for f in forms)
    assert any(f.endswith("配合)") for f in forms)


@pytest.mark.parametrize(
    ("inner", "units"),
    [
        ("责任单位:省工信厅、省财政厅", ["省工信厅", "省财政厅"]),
        ("省发展改革委牵头负责", ["省发展改革委"]),
        ("省工信厅、省财政厅按职责分工负责", ["省工信厅", "省财政厅"]),
        ("省工信厅牵头,省财政厅、省税务局配合", ["省工信厅", "省财政厅", "省税务局"]),
        ("省发展改革委、省工信厅会同省有关单位", None),
        ("套", None),
    ],
)
def test_unit_parenthesis_forms(inner: str, units: list[str] | None) -> None:
    content = unit_parenthesis_content(inner)
    assert (split_units(content) if content is not None else None) == units


def test_units_written_in_full_are_matched_to_the_known_short_names_and_others_proposed() -> None:
    def long_names(text: str) -> str:
        return text.replace("省工信厅", "省工业和信息化厅").replace("省供销社", "省供销合作社")

    lines = renumbered(lambda number, _: f"{number}.", transform=long_names)
    result = import_lines(lines, known_units())
    units = fixture_units()
    for measure in result.measures:
        expected = ["省供销合作社" if name == "省供销社" else name for name in units[measure.number]]
        assert measure.units == expected, measure.number
        assert measure.units_as_written == [n.replace("省工信厅", "省工业和信息化厅") for n in expected]
    assert result.new_units == ["省供销合作社"]
    messages = {w.code: w.message for w in result.warnings if w.code in {"unit_alias", "unit_new"}}
    assert "“省工业和信息化厅”按已有单位“省工信厅”处理" in messages["unit_alias"]
    assert "“省供销合作社”不是已有单位" in messages["unit_new"]


def test_declared_aliases_match_and_unknown_names_stay_new() -> None:
    known = [KnownUnit("省工信厅", "山西省工业和信息化厅", aliases=("工信厅",)), KnownUnit("省税务局")]
    matches = match_units(
        ["工信厅", "省工业和信息化厅", "山西省工业和信息化厅", "省税务局", "省大数据局"], known
    )
    assert [(m.unit, m.how) for m in matches] == [
        ("省工信厅", "alias"),
        ("省工信厅", "alias"),
        ("省工信厅", "alias"),
        ("省税务局", "exact"),
        (None, "new"),
    ]


# --- what the importer could not read ---------------------------------------------------------


def test_titles_are_the_first_clause_and_a_cut_one_is_reported() -> None:
    result = import_file(SOURCE, known_units())
    cut = {w.measure for w in result.warnings if w.code == "title_cut"}
    for measure in result.measures:
        clause = re.split(r"[,;。:]", measure.text, maxsplit=1)[0]
        assert measure.title == clause[:30]
        assert (measure.number in cut) == (len(clause) > 30), measure.number


def test_the_misread_ratio_is_corrected_and_reported_with_its_context() -> None:
    result = import_file(SOURCE, known_units())
    warning = next(w for w in result.warnings if w.code == "glyph_corrected")
    assert warning.measure == 46 and "1梄1" in warning.message and "“:”" in warning.message
    assert "1:1" in result.measures[45].text and "梄" not in result.measures[45].text


def test_a_misread_character_where_no_correction_is_certain_is_reported_not_guessed() -> None:
    # The same glyph where the colon of measure 3's "(责任单位:" was meant.
    def garble(text: str) -> str:
        return (
            text.replace("(责任单位:省税务局)", "(责任单位梄省税务局)")
            if "新能源汽车车船税" in text
            else text
        )

    result = import_lines(renumbered(lambda number, _: f"{number}.", transform=garble), known_units())
    measure = result.measures[2]
    assert "梄" in measure.text
    assert ("unreadable_char", 3) in codes(result)
    assert ("units_missing", 3) in codes(result)
    assert measure.units == []


# --- header, numbering and layout pieces ------------------------------------------------------


def test_header_with_hexagonal_brackets_and_a_chinese_numeral_date() -> None:
    header, warnings = parse_header(
        [
            "山西省人民政府文件",
            "晋政发〔2023〕5号",
            "山西省人民政府关于支持民营经济",
            "发展的若干意见",
            "二〇二三年三月一日",
        ]
    )
    assert header.number == "晋政发〔2023〕5号" and header.issuer == "山西省人民政府"
    assert header.title == "山西省人民政府关于支持民营经济发展的若干意见"
    assert header.issued_on is not None and header.issued_on.isoformat() == "2023-03-01"
    assert not any(w.code == "number_brackets" for w in warnings)


def test_the_issuer_is_read_from_the_signature_when_no_name_stands_above_the_title() -> None:
    header, _ = parse_header(
        ["关于做好2023年稳增长工作的通知", "各市人民政府:", "山西省人民政府办公厅", "2023年2月3日"]
    )
    assert header.issuer == "山西省人民政府办公厅"
    assert header.title == "关于做好2023年稳增长工作的通知"


def test_sub_items_below_the_measures_stay_inside_their_measure() -> None:
    """Measure 1's "一是…二是…三是…" typed as (1) (2) (3) on lines of their own."""

    def items(text: str) -> str:
        return text.replace("一是", "(1)").replace("二是", "(2)").replace("三是", "(3)")

    preface, groups = source_parts()
    body: list[str] = []
    for number, group in enumerate(groups, start=1):
        pieces = re.split(r"(?=\([123]\))", items(f"第{chinese(number)}条" + paragraph(group)))
        body.extend(line for piece in pieces for line in wrap(piece, 25))
    result = import_lines([line.strip() for line in preface] + body, known_units())
    assert_is_the_catalogue(result, expected_text=lambda n, text: items(text))
    assert "(1)信息传输业" in result.measures[0].text


def test_a_skipped_number_is_reported_and_the_rest_still_split() -> None:
    def drop_label(number: int, _: int) -> str:
        # The document goes from "12." to "14."; the text of 13 is still there, under 14.
        return f"{number}." if number != 13 else ""

    result = import_lines(renumbered(drop_label), known_units())
    assert len(result.measures) == 69
    assert ("numbering_gap", None) in codes(result)
    assert ("several_unit_parentheses", 12) in codes(result)  # 12 and 13 merged, and said so
    texts = fixture_texts()
    assert [m.number for m in result.measures] == [n for n in range(1, 71) if n != 13]
    assert {m.number: m.text for m in result.measures if m.number != 12} == {
        n: t for n, t in texts.items() if n not in (12, 13)
    }


def test_the_importer_needs_no_django() -> None:
    import subprocess
    import sys

    code = "import sys, policies.importer; assert not [m for m in sys.modules if m.startswith('django')]"
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


def test_a_header_without_number_or_date_is_reported() -> None:
    _, warnings = parse_header(["关于做好2023年稳增长工作的通知"])
    assert {w.code for w in warnings} >= {"number_missing", "date_missing"}


@pytest.mark.parametrize(("text", "value"), [("一", 1), ("十", 10), ("十二", 12), ("二十", 20), ("七十", 70)])
def test_chinese_numerals(text: str, value: int) -> None:
    assert chinese_number(text) == value
    assert chinese(value) == text


def test_page_numbers_in_several_forms_split_pages() -> None:
    pages, numbers = split_pages(["a", "- 1 -", "b", "第 2 页", "c", "3/9", "d", "\f", "e"])
    assert [p for page in pages for p in page] == ["a", "b", "c", "d", "e"]
    assert numbers == 3 and len(pages) == 5


def test_a_line_repeated_inside_the_text_is_not_a_running_header() -> None:
    pages = [["页眉", "正文一", "山西省人民政府办公厅", "正文二"] for _ in range(4)]
    assert repeated_page_lines(pages) == {"页眉", "正文二"}


# --- the management command -------------------------------------------------------------------


@pytest.mark.django_db
def test_dry_run_json_prints_the_catalogue_and_saves_nothing() -> None:
    from policies.models import Measure, PolicyDocument

    before = (Measure.objects.count(), PolicyDocument.objects.count())
    out = io.StringIO()
    call_command("import_document", str(SOURCE), "--dry-run", "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert set(data) == {"document", "measures", "warnings"}
    assert data["document"]["number"] == rows("policydocument")[0]["fields"]["number"]
    assert [m["number"] for m in data["measures"]] == list(range(1, 71))
    assert {m["number"]: m["text"] for m in data["measures"]} == fixture_texts()
    assert {m["number"]: m["units"] for m in data["measures"]} == fixture_units()
    assert all(set(m) == {"number", "title", "text", "units"} for m in data["measures"])
    assert {(w["code"], w["measure"]) for w in data["warnings"]} >= PLAN_CORRECTIONS
    assert (Measure.objects.count(), PolicyDocument.objects.count()) == before


def second_document(tmp_path: Path) -> Path:
    """The plan under another 文号, standing in for a later document that numbers from 1 again."""
    path = tmp_path / "second.txt"
    path.write_text(SOURCE.read_text(encoding="utf-8").replace("晋政办发[2022]34 号", "晋政办发[2022]99 号"))
    return path


@pytest.mark.django_db
def test_saving_the_same_document_again_is_refused() -> None:
    with pytest.raises(CommandError, match="已经存在"):
        call_command("import_document", str(SOURCE), "--category", "fiscal", stdout=io.StringIO())


@pytest.mark.django_db
def test_a_second_document_numbering_from_1_again_is_saved_and_its_measures_publish(tmp_path: Path) -> None:
    """Measure numbers are unique within a document only, so the seed's 第1条 is no obstacle."""
    from policies.models import Measure, PolicyDocument

    call_command(
        "import_document", str(second_document(tmp_path)), "--category", "fiscal", stdout=io.StringIO()
    )
    document = PolicyDocument.objects.get(number="晋政办发〔2022〕99号")
    first = Measure.objects.get(document=document, number=1)
    assert first.publish().is_draft is False
    assert Measure.objects.published().filter(number=1).count() == 2


@pytest.mark.django_db
def test_saving_creates_the_document_draft_measures_and_proposed_units(tmp_path: Path) -> None:
    from policies.models import Measure, PolicyDocument, ResponsibleUnit

    path = tmp_path / "second.txt"
    path.write_text(second_document(tmp_path).read_text().replace("省供销社", "省供销合作社"))
    out = io.StringIO()
    call_command("import_document", str(path), "--category", "fiscal", stdout=out)
    document = PolicyDocument.objects.get(number="晋政办发〔2022〕99号")
    drafts = Measure.objects.filter(document=document).order_by("number")
    assert [m.number for m in drafts] == list(range(1, 71))
    assert all(m.is_draft and m.draft_of is None and m.published_at is None for m in drafts)
    assert {m.number: m.text for m in drafts} == {
        n: t.replace("省供销社", "省供销合作社") for n, t in fixture_texts().items()
    }
    assert {m.number: m.unit_names() for m in drafts} == {
        n: ["省供销合作社" if u == "省供销社" else u for u in units] for n, units in fixture_units().items()
    }
    assert ResponsibleUnit.objects.filter(name="省供销合作社").exists()
    assert "已保存" in out.getvalue() and "省供销合作社" in out.getvalue()


@pytest.mark.django_db
def test_an_unsupported_format_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "plan.doc"
    path.write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(CommandError, match="不支持的文件格式"):
        call_command("import_document", str(path), "--dry-run", stdout=io.StringIO())


@pytest.mark.django_db
def test_a_damaged_docx_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "plan.docx"
    path.write_bytes(b"not a zip file")
    with pytest.raises(CommandError, match="无法读取"):
        call_command("import_document", str(path), "--dry-run", stdout=io.StringIO())


@pytest.mark.django_db
def test_pasted_text_from_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(SOURCE.read_text(encoding="utf-8")))
    out = io.StringIO()
    call_command("import_document", "-", "--dry-run", "--json", stdout=out)
    assert {m["number"]: m["units"] for m in json.loads(out.getvalue())["measures"]} == fixture_units()


# --- the admin page 导入政策文件 ---------------------------------------------------------------

IMPORT_URL = "/admin/policies/policydocument/import/"


def upload(path: Path, name: str | None = None) -> object:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name or path.name, path.read_bytes())


@pytest.mark.django_db
def test_the_document_list_links_to_the_import_page(client, superuser) -> None:  # noqa: ANN001
    client.force_login(superuser)
    assert IMPORT_URL in client.get("/admin/policies/policydocument/").content.decode()
    assert client.get(IMPORT_URL).status_code == 200


@pytest.mark.django_db
def test_an_upload_shows_every_measure_and_warning_and_saves_nothing(client, superuser) -> None:  # noqa: ANN001
    from policies.models import Category, Measure

    client.force_login(superuser)
    count = Measure.objects.count()
    fiscal = Category.objects.get(slug="fiscal")
    response = client.post(IMPORT_URL, {"upload": upload(SOURCE), "category": fiscal.pk, "action": "preview"})
    page = response.content.decode()
    assert response.status_code == 200
    assert page.count('<tr class="import-measure">') == 70
    for text in fixture_texts().values():
        assert text in page
    assert "1梄1" in page and 'data-code="parenthesis_restored"' in page
    assert Measure.objects.count() == count


@pytest.mark.django_db
def test_confirming_a_second_document_with_the_seeds_numbers_creates_its_drafts(  # noqa: D103
    client,  # noqa: ANN001
    superuser,  # noqa: ANN001
    tmp_path: Path,
) -> None:
    from policies.models import Category, Measure, PolicyDocument

    client.force_login(superuser)
    fiscal = Category.objects.get(slug="fiscal")
    preview = client.post(
        IMPORT_URL, {"upload": upload(second_document(tmp_path)), "category": fiscal.pk, "action": "preview"}
    )
    confirm = {k: preview.context["confirm"].initial[k] for k in ("text", "category", "digest")}
    response = client.post(IMPORT_URL, {**confirm, "action": "confirm"})
    assert response.status_code == 302
    document = PolicyDocument.objects.get(number="晋政办发〔2022〕99号")
    assert Measure.objects.filter(document=document, is_draft=True).count() == 70
    assert Measure.objects.published().count() == 70  # the seed's, untouched


@pytest.mark.django_db
def test_pasting_then_confirming_creates_drafts(client, superuser, tmp_path: Path) -> None:  # noqa: ANN001
    from policies.models import Category, Measure, PolicyDocument

    client.force_login(superuser)
    fiscal = Category.objects.get(slug="fiscal")
    text = second_document(tmp_path).read_text()
    preview = client.post(IMPORT_URL, {"text": text, "category": fiscal.pk, "action": "preview"})
    confirm = {k: preview.context["confirm"].initial[k] for k in ("text", "category", "digest")}
    response = client.post(IMPORT_URL, {**confirm, "action": "confirm"})
    assert response.status_code == 302
    document = PolicyDocument.objects.get(number="晋政办发〔2022〕99号")
    drafts = Measure.objects.filter(document=document)
    assert drafts.count() == 70 and all(m.is_draft for m in drafts)


@pytest.mark.django_db
def test_a_tampered_confirmation_is_shown_again_not_saved(client, superuser, tmp_path: Path) -> None:  # noqa: ANN001
    from policies.models import Category, PolicyDocument

    client.force_login(superuser)
    fiscal = Category.objects.get(slug="fiscal")
    text = second_document(tmp_path).read_text()
    preview = client.post(IMPORT_URL, {"text": text, "category": fiscal.pk, "action": "preview"})
    confirm = {k: preview.context["confirm"].initial[k] for k in ("text", "category", "digest")}
    confirm["text"] = confirm["text"].replace("省税务局", "省大数据局")
    response = client.post(IMPORT_URL, {**confirm, "action": "confirm"})
    assert "与预览不一致" in response.content.decode()
    assert not PolicyDocument.objects.filter(number="晋政办发〔2022〕99号").exists()


@pytest.mark.django_db
def test_an_official_without_the_right_to_add_documents_cannot_import(client, tax_official) -> None:  # noqa: ANN001
    client.force_login(tax_official)
    assert client.get(IMPORT_URL).status_code == 403
