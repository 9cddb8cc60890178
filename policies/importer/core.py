"""The import pipeline: lines → layout removed → header → measures → units → warnings."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from policies.importer.formats import read_lines, text_lines
from policies.importer.header import parse_header
from policies.importer.layout import join_lines, strip_layout
from policies.importer.model import DocumentHeader, ImportedMeasure, ImportWarning
from policies.importer.numbering import find_outline
from policies.importer.units import KnownUnit, match_units, split_units, unit_parenthesis_content

# Characters PDF extractions are known to produce for another glyph, with the context in which
# the intended glyph is certain. Applied only in that context, and always reported.
KNOWN_MISREADINGS: list[tuple[re.Pattern[str], str, str]] = [
    # 晋政办发〔2022〕34号 measure 46: "1梄1" is the ratio 1:1 (the document writes ASCII ':').
    (re.compile(r"(?<=\d)梄(?=\d)"), ":", "梄"),
]
UNIT_OPEN = re.compile(r"[((](?=(?:责任单位|牵头单位|责任部门|负责单位)[::])")
# The end matter of a 公文 after its last item: the distribution list.
END_MATTER = re.compile(r"抄送[::]")
TITLE_CLAUSE = re.compile(r"[,;。:,;:!?!?]")
TITLE_MAX = 30


def is_rare_ideograph(char: str) -> bool:
    """A CJK ideograph outside GB 2312: in an official document more likely a misread glyph than a word."""
    if not unicodedata.name(char, "").startswith("CJK UNIFIED IDEOGRAPH"):
        return False
    try:
        char.encode("gb2312")
    except UnicodeEncodeError:
        return True
    return False


def check_characters(text: str, number: int) -> tuple[str, list[ImportWarning]]:
    warnings = []
    for pattern, right, wrong in KNOWN_MISREADINGS:
        for match in pattern.finditer(text):
            context = text[max(0, match.start() - 6) : match.end() + 6]
            warnings.append(
                ImportWarning(
                    "glyph_corrected",
                    f"第{number}条“{context}”中的“{wrong}”是转换错误,已改为“{right}”,请核对原件。",
                    number,
                )
            )
        text = pattern.sub(right, text)
    for index, char in enumerate(text):
        if is_rare_ideograph(char):
            context = text[max(0, index - 6) : index + 7]
            warnings.append(
                ImportWarning(
                    "unreadable_char",
                    f"第{number}条“{context}”中的“{char}”可能是识别错误,未作修改,请对照原件改正。",
                    number,
                )
            )
    return text, warnings


@dataclass
class UnitsFound:
    text: str
    units: list[str] = field(default_factory=list)
    after: str = ""  # text after the unit parenthesis


def find_units(text: str, number: int) -> tuple[UnitsFound, list[ImportWarning]]:
    """The measure's unit parenthesis: the last "(责任单位:…)" or "(…牵头负责)"-style parenthesis."""
    warnings: list[ImportWarning] = []
    opens = list(UNIT_OPEN.finditer(text))
    if opens:
        start = opens[-1].start()
        close = min((i for i in (text.find(")", start), text.find(")", start)) if i >= 0), default=-1)
        if close < 0:
            warnings.append(
                ImportWarning(
                    "parenthesis_restored",
                    f"第{number}条的责任单位括号没有闭合,已在条末补上“)”:“…{text[-20:]})”,请核对原件。",
                    number,
                )
            )
            text += ")"
            close = len(text) - 1
        inner = text[start + 1 : close]
        content = unit_parenthesis_content(inner) or ""
        return UnitsFound(text[: close + 1], split_units(content), text[close + 1 :]), warnings
    # Parentheses without a label: the last one whose content is a unit list.
    for match in reversed(list(re.finditer(r"[((]([^()()]{2,200})[))]", text))):
        found = unit_parenthesis_content(match.group(1))
        if found is not None:
            return UnitsFound(text[: match.end()], split_units(found), text[match.end() :]), warnings
    return UnitsFound(text), warnings


def measure_title(text: str) -> str:
    clause = TITLE_CLAUSE.split(text, maxsplit=1)[0]
    return clause[:TITLE_MAX]


@dataclass
class ImportResult:
    document: DocumentHeader
    measures: list[ImportedMeasure]
    warnings: list[ImportWarning]
    new_units: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "document": self.document.as_dict(),
            "measures": [m.as_dict() for m in self.measures],
            "warnings": [w.as_dict() for w in self.warnings],
        }

    def corrections(self) -> list[ImportWarning]:
        return [w for w in self.warnings if w.code in CORRECTION_CODES]


# Codes of warnings that report a change the importer made to the text (as opposed to a doubt).
CORRECTION_CODES = {"glyph_corrected", "parenthesis_restored", "closing_text_cut", "number_brackets"}


def import_lines(lines: list[str], known_units: Iterable[KnownUnit] = ()) -> ImportResult:
    warnings: list[ImportWarning] = []
    body, page_numbers, running = strip_layout(lines)
    for line, count in running.items():
        warnings.append(
            ImportWarning("running_header_dropped", f"已删除每页重复的页眉/页脚“{line}”({count}处)。")
        )

    outline = find_outline(body)
    boundaries = outline.boundaries()
    first_line = boundaries[0].line if boundaries else len(body)
    header, header_warnings = parse_header(body[:first_line])
    warnings.extend(header_warnings)
    if not boundaries:
        warnings.append(ImportWarning("no_measures", "未识别出条款编号(如“1.”“一、”“(一)”“第一条”)。"))
        return ImportResult(header, [], warnings)

    for marker, before in outline.skipped:
        warnings.append(
            ImportWarning(
                "numbering_gap",
                f"文件编号从“{before}”跳到“{marker.label}”,中间的编号缺失,请核对原件是否漏了条款。",
            )
        )
    measures: list[ImportedMeasure] = []
    section, section_label = "", ""
    measure_markers = [m for m in boundaries if m.style == outline.measure_style]
    last_marker = measure_markers[-1]
    # Numbering that runs through the document (1. … 70., 第一条 … 第七十条) gives each measure its
    # own number; numbering that restarts in every section gives the position in the document.
    values = [m.value for m in measure_markers]
    own_numbers = all(a < b for a, b in zip(values, values[1:], strict=False))
    for index, marker in enumerate(boundaries):
        end = boundaries[index + 1].line if index + 1 < len(boundaries) else len(body)
        chunk = list(body[marker.line : end])
        chunk[0] = chunk[0].strip()[len(marker.label) :]
        text = join_lines(chunk)
        if marker.style != outline.measure_style:
            section, section_label = f"{marker.label}{text}", marker.label
            continue
        number = marker.value if own_numbers else len(measures) + 1
        text, found_warnings = check_characters(text, number)
        warnings.extend(found_warnings)
        is_last = marker is last_marker
        found, unit_warnings = find_units(text, number)
        warnings.extend(unit_warnings)
        text = found.text
        after = found.after
        if is_last and not found.units:
            end_matter = END_MATTER.search(text)
            if end_matter:
                text, after = text[: end_matter.start()], text[end_matter.start() :]
        if after and is_last:
            warnings.append(
                ImportWarning(
                    "closing_text_cut",
                    f"第{number}条之后的“{after[:20]}…”是文件的结束语,不属于该条,未计入条款原文。",
                    number,
                )
            )
        elif after:
            text += after
            warnings.append(
                ImportWarning(
                    "text_after_units",
                    f"第{number}条在责任单位括号之后还有文字“{after[:20]}”,请核对。",
                    number,
                )
            )
        if not found.units:
            warnings.append(ImportWarning("units_missing", f"第{number}条未找到责任单位。", number))
        if len(UNIT_OPEN.findall(text)) > 1:
            # Two unit parentheses in one measure: most likely two measures whose numbering was not read.
            warnings.append(
                ImportWarning(
                    "several_unit_parentheses",
                    f"第{number}条中有多个责任单位括号,可能是两条措施被合并(编号重复或无法识别),请核对。",
                    number,
                )
            )
        title = measure_title(text)
        if len(TITLE_CLAUSE.split(text, maxsplit=1)[0]) > TITLE_MAX:
            warnings.append(
                ImportWarning(
                    "title_cut",
                    f"第{number}条的首句超过{TITLE_MAX}字,标题暂取前{TITLE_MAX}字“{title}”,请改写为简短标题。",
                    number,
                )
            )
        # Numbering that restarts in every section needs the section's number to be unambiguous.
        label = marker.label if own_numbers else f"{section_label}{marker.label}"
        measures.append(ImportedMeasure(number, label, title, text, found.units, list(found.units), section))

    result = ImportResult(header, measures, warnings)
    resolve_units(result, list(known_units))
    if page_numbers:
        result.warnings.append(ImportWarning("page_numbers_dropped", f"已删除页码 {page_numbers} 处。"))
    return result


def resolve_units(result: ImportResult, known: list[KnownUnit]) -> None:
    """Replace each written unit by the known unit it names; list the rest as proposed new units."""
    aliases: dict[tuple[str, str], list[int]] = {}
    new: dict[str, list[int]] = {}
    for measure in result.measures:
        matches = match_units(measure.units_as_written, known)
        measure.units = [m.unit or m.written for m in matches]
        for m in matches:
            if m.how == "alias":
                aliases.setdefault((m.written, m.unit or ""), []).append(measure.number)
            elif m.how == "new":
                new.setdefault(m.written, []).append(measure.number)
    for (written, unit), numbers in aliases.items():
        result.warnings.append(
            ImportWarning("unit_alias", f"“{written}”按已有单位“{unit}”处理(第{cite(numbers)}条)。")
        )
    for written, numbers in new.items():
        result.warnings.append(
            ImportWarning("unit_new", f"“{written}”不是已有单位,将作为新单位提出(第{cite(numbers)}条)。")
        )
    result.new_units = list(new)


def cite(numbers: list[int]) -> str:
    return "、".join(str(n) for n in numbers)


def import_text(text: str, known_units: Iterable[KnownUnit] = ()) -> ImportResult:
    """Import pasted text."""
    return import_lines(text_lines(text), known_units)


def import_file(
    path: str | Path, known_units: Iterable[KnownUnit] = (), data: bytes | None = None
) -> ImportResult:
    """Import a .txt, .docx or .pdf file (`data` for an upload that has a name but no path)."""
    path = Path(path)
    return import_lines(read_lines(path.name, path.read_bytes() if data is None else data), known_units)


__all__ = ["ImportResult", "import_file", "import_lines", "import_text"]
