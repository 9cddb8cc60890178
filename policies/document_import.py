"""Save an imported policy document (policies.importer) as a document and draft measures.

The importer itself knows nothing of Django; this module matches its units against the
database and writes what an official confirmed. Measures are created as drafts (no draft_of),
so they go through the usual draft / publish workflow before the public sees them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from policies.importer import ImportResult, KnownUnit, import_file, import_text
from policies.models import Category, Measure, MeasureUnit, PolicyDocument, ResponsibleUnit


def known_units() -> list[KnownUnit]:
    return [
        KnownUnit(name, full_name)
        for name, full_name in ResponsibleUnit.objects.values_list("name", "full_name")
    ]


def import_path(path: str | Path, data: bytes | None = None) -> ImportResult:
    return import_file(path, known_units(), data=data)


def import_pasted(text: str) -> ImportResult:
    return import_text(text, known_units())


@dataclass
class SavedImport:
    document: PolicyDocument
    drafts: list[Measure] = field(default_factory=list)
    new_units: list[ResponsibleUnit] = field(default_factory=list)


def header_problems(result: ImportResult) -> list[str]:
    """What must be filled in before the document can be saved."""
    header = result.document
    problems = []
    if not header.number:
        problems.append("缺少文号。")
    elif PolicyDocument.objects.filter(number=header.number).exists():
        problems.append(f"文号为“{header.number}”的政策文件已经存在。")
    if not header.title:
        problems.append("缺少文件标题。")
    if not header.issuer:
        problems.append("缺少发文机关。")
    if header.issued_on is None:
        problems.append("缺少成文日期。")
    if not result.measures:
        problems.append("没有识别出任何条款。")
    return problems


@transaction.atomic
def save_import(result: ImportResult, category: Category) -> SavedImport:
    """Create the document, the proposed new units and one draft per measure; all or nothing.

    Every draft is validated with the model's own rules (full_clean); the first failure rolls the
    whole import back and raises ValidationError naming the measure.
    """
    problems = header_problems(result)
    if problems:
        raise ValidationError(problems)
    header = result.document
    document = PolicyDocument.objects.create(
        number=header.number,
        title=header.title,
        issuer=header.issuer,
        issued_on=header.issued_on,
        valid_from=header.issued_on,
    )
    saved = SavedImport(document)
    units = {unit.name: unit for unit in ResponsibleUnit.objects.all()}
    order = ResponsibleUnit.objects.aggregate(top=Max("order"))["top"] or 0
    for name in result.new_units:
        order += 1
        unit = ResponsibleUnit(name=name, order=order)
        unit.full_clean()
        unit.save()
        units[name] = unit
        saved.new_units.append(unit)
    for imported in result.measures:
        draft = Measure(
            document=document,
            number=imported.number,
            title=imported.title,
            text=imported.text,
            category=category,
            valid_from=header.issued_on,
            is_draft=True,
        )
        try:
            draft.full_clean()
        except ValidationError as error:
            raise ValidationError(
                [
                    f"第{imported.number}条:{message}"
                    for messages in error.message_dict.values()
                    for message in messages
                ]
            ) from error
        draft.save()
        for position, name in enumerate(imported.units):
            MeasureUnit.objects.create(measure=draft, unit=units[name], position=position)
        saved.drafts.append(draft)
    return saved
