"""Build the engine's RuleSet from the database: published measures, their rules, parameters
and size tables. The RuleSet is cached per process and rebuilt when any of those rows change.

Change detection is one query per call: the row counts of the rule tables and the newest entry
of their history tables (every save or delete through the models records one). Inside an open
transaction nothing is cached, because rows written there may still be rolled back.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
import time
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Prefetch

from policies.engine import (
    Context,
    RuleError,
    RuleSet,
    Schema,
    build_ruleset,
    compile_condition,
    estimate_failures,
)

from .models import (
    Deadline,
    EligibilityRule,
    GoldenCase,
    Measure,
    MeasureUnit,
    Parameter,
    PolicyDocument,
    ResponsibleUnit,
    SizeRow,
    SizeStandard,
)

log = logging.getLogger(__name__)

_lock = threading.Lock()
_cache: dict[str, Any] = {"signature": None, "ruleset": None, "version": ""}
_BROKEN = re.compile(r"^(measures|parameters|size_standards)\[(\d+)\]")


# --- plain data from rows ---------------------------------------------------------------------


def measure_data(measure: Measure) -> dict[str, Any]:
    """A measure with its catalogue details and its rule, in the engine's data shape."""
    rules = list(measure.eligibility_rules.all())
    rule = rules[0].as_data() if rules else {}
    return {
        "number": measure.number,
        "document": measure.document.number,
        "title": measure.title,
        "valid_from": measure.valid_from,
        "valid_until": measure.valid_until,
        "responsible_units": [mu.unit.name for mu in measure.measure_units.all()],
        "deadlines": [
            {"date": d.date, "label": d.label, "condition": d.condition} for d in measure.deadlines.all()
        ],
        "condition": rule.get("condition"),
        "estimate": rule.get("estimate"),
        "notes": rule.get("notes") or [],
        "citation": rule.get("citation", ""),
    }


def _measures_with_content() -> Any:
    return Measure.objects.select_related("document").prefetch_related(
        Prefetch(
            "measure_units", queryset=MeasureUnit.objects.select_related("unit").order_by("position", "id")
        ),
        Prefetch("deadlines", queryset=Deadline.objects.order_by("date", "id")),
        "eligibility_rules",
    )


def parameters_data() -> list[dict[str, Any]]:
    return [p.as_data() for p in Parameter.objects.order_by("key", "valid_from")]


def size_standards_data() -> list[dict[str, Any]]:
    standards = SizeStandard.objects.prefetch_related(
        Prefetch("rows", queryset=SizeRow.objects.order_by("order", "id"))
    )
    return [s.as_data() for s in standards.order_by("key", "valid_from")]


def ruleset_data(
    draft: Measure | None = None,
    *,
    parameters: list[dict[str, Any]] | None = None,
    size_standards: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The published rule data; with ``draft``, that draft's content replaces its original's.

    ``parameters`` and ``size_standards`` replace the stored ones (to check an edit before saving).
    """
    # Keyed by (document, number): numbers repeat across documents. Documents come in catalogue
    # order (their ids), so the seed plan's measures lead and keep their order.
    measures = {(m.document_id, m.number): m for m in _measures_with_content().published()}
    if draft is not None:
        fresh = _measures_with_content().get(pk=draft.pk)
        measures[(fresh.document_id, fresh.number)] = fresh
    return {
        "parameters": parameters_data() if parameters is None else parameters,
        "size_standards": size_standards_data() if size_standards is None else size_standards,
        "measures": [measure_data(measures[key]) for key in sorted(measures)],
    }


# --- building, leniently ----------------------------------------------------------------------


def build_leniently(data: dict[str, Any]) -> RuleSet:
    """Build a RuleSet; rows the engine rejects are left out (and logged) rather than failing.

    Rows are validated when saved, so this only happens when a later change (say, a deleted
    parameter) broke an older rule; the answer then treats that measure as informational
    rather than failing every screening.
    """
    for _ in range(10):
        try:
            return build_ruleset(data)
        except RuleError as exc:
            log.error("Eligibility rule data rejected, leaving the rows out: %s", exc)
            broken: dict[str, set[int]] = {}
            for path, _message in exc.errors:
                found = _BROKEN.match(path)
                if found is None:
                    raise
                broken.setdefault(found.group(1), set()).add(int(found.group(2)))
            data = dict(data)
            for section in ("parameters", "size_standards"):
                data[section] = [
                    x for i, x in enumerate(data[section]) if i not in broken.get(section, set())
                ]
            measures = list(data["measures"])
            for i in broken.get("measures", set()):
                measures[i] = {
                    **measures[i],
                    "condition": None,
                    "estimate": None,
                    "notes": [],
                    "deadlines": [{**d, "condition": None} for d in measures[i].get("deadlines", [])],
                }
            data["measures"] = measures
    raise RuleError([("", "规则数据无法使用")])


def _version(data: dict[str, Any]) -> str:
    raw = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


def _signature() -> tuple:
    """Counts and newest history entries of every table the rule set is built from."""
    parts = []
    for model in (Measure, MeasureUnit, Deadline, EligibilityRule, Parameter, SizeStandard, SizeRow):
        table = model._meta.db_table
        parts.append(f"(SELECT count(*) FROM {table})")
        history = model.history.model._meta.db_table
        parts.append(f"(SELECT max(history_id) FROM {history})")
    units = ResponsibleUnit._meta.db_table
    parts.append(f"(SELECT count(*) FROM {units})")
    parts.append(f"(SELECT sum(length(name)) FROM {units})")
    # Results name their document by 文号, so a renamed document is a new rule set too.
    documents = PolicyDocument._meta.db_table
    parts.append(f"(SELECT count(*) FROM {documents})")
    parts.append(f"(SELECT sum(length(number)) FROM {documents})")
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts))
        return tuple(str(v) for v in cursor.fetchone())


def load_ruleset(draft: Measure | None = None, *, document: str | None = None) -> RuleSet:
    """The RuleSet of the published measures (or with ``draft`` in its original's place).

    With ``document`` (a 文号), only that document's measures; the restricted rule set is kept
    with the full one, so its per-day memo (informational measures) is reused across requests.
    """
    if draft is not None:
        ruleset = build_leniently(ruleset_data(draft))
        return ruleset if document is None else ruleset.only(document)
    ruleset = _current()[0]
    if document is None:
        return ruleset
    with _lock:
        if _cache.get("ruleset") is ruleset:
            parts = _cache.setdefault("parts", {})
            part = parts.get(document)
            if part is None:
                part = parts[document] = ruleset.only(document)
            return part
    return ruleset.only(document)


def ruleset_version() -> str:
    """A stamp of the published rule data, the same in every process for the same rows."""
    return _current()[1]


def invalidate() -> None:
    """Forget this process's cached RuleSet (other processes notice changes by themselves)."""
    with _lock:
        _cache.update(signature=None, ruleset=None, version="", checked=float("-inf"), parts={})


def _current() -> tuple[RuleSet, str]:
    cacheable = not connection.in_atomic_block
    now = time.monotonic()
    with _lock:
        # Within RULES_CACHE_CHECK_SECONDS of the last check this process trusts its cache: a
        # change saved here calls invalidate(), one saved by another process shows up after at
        # most that long. This keeps the signature query off the hot path of the API.
        fresh = now - _cache.get("checked", float("-inf")) < settings.RULES_CACHE_CHECK_SECONDS
        if cacheable and fresh and _cache["ruleset"] is not None:
            return _cache["ruleset"], _cache["version"]
    signature = _signature()
    with _lock:
        if cacheable and _cache["signature"] == signature and _cache["ruleset"] is not None:
            _cache["checked"] = now
            return _cache["ruleset"], _cache["version"]
    data = ruleset_data()
    ruleset, version = build_leniently(data), _version(data)
    if cacheable:
        with _lock:
            _cache.update(signature=signature, ruleset=ruleset, version=version, checked=now, parts={})
    return ruleset, version


# --- checks used by the models' clean() -------------------------------------------------------


def check_rule(rule: dict[str, Any]) -> list[tuple[str, str]]:
    """Problems of one rule's condition, estimate and notes against the current parameters."""
    data = {"parameters": parameters_data(), "size_standards": size_standards_data()}
    probe = {"number": 1, "title": "", **rule, "citation": ""}
    try:
        ruleset = build_ruleset({**data, "measures": [probe]})
    except RuleError as exc:
        prefix = "measures[0]."
        return [
            (path.removeprefix(prefix), message) for path, message in exc.errors if path.startswith(prefix)
        ]
    # A formula that compiles can still fail at run time: run it on the contract's range
    # extremes and on the golden cases before it can be saved (and then published).
    golden = [case.profile for case in GoldenCase.objects.all()]
    return [("estimate", message) for message in estimate_failures(ruleset.measures[0], ruleset, golden)]


def _published_conflicts(data: dict[str, Any]) -> list[tuple[str, str]]:
    """Problems of the published rule set if ``data`` were saved, phrased for the official."""
    try:
        build_ruleset(data)
    except RuleError as exc:
        out = []
        for path, message in exc.errors:
            found = _BROKEN.match(path)
            if found and found.group(1) == "measures":
                broken = data["measures"][int(found.group(2))]
                number = broken["number"]
                # Named by its document only where a number alone is ambiguous.
                several = len({m.get("document", "") for m in data["measures"]}) > 1
                document = broken.get("document", "") if several else ""
                out.append(
                    (
                        "__all__",
                        f"保存后{document}第{number}条的资格规则将无法使用({path.split('.', 1)[-1]}:{message})",
                    )
                )
            elif found and found.group(1) == "parameters":
                out.append((path.split(".", 1)[-1] if "." in path else "__all__", message))
            else:
                out.append(("__all__", f"{path}:{message}"))
        return out
    return []


def check_parameter(param: Parameter) -> list[tuple[str, str]]:
    """Problems the published rule set would have with ``param`` saved as it stands."""
    others = [p.as_data() for p in Parameter.objects.exclude(pk=param.pk).order_by("key", "valid_from")]
    errors = _published_conflicts(ruleset_data(parameters=[*others, param.as_data()]))
    return [(_param_field(path), message) for path, message in errors]


def _param_field(path: str) -> str:
    return {"valid_from": "valid_from", "valid_until": "valid_from", "value": "value", "key": "key"}.get(
        path, path
    )


def check_without_parameters(excluded: list[int]) -> list[str]:
    """What deleting these parameters would break, in words (empty when nothing)."""
    kept = [p.as_data() for p in Parameter.objects.exclude(pk__in=excluded).order_by("key", "valid_from")]
    return [message for _, message in _published_conflicts(ruleset_data(parameters=kept))]


def check_size_table(standard: SizeStandard, rows: list[SizeRow]) -> list[tuple[str, str]]:
    """Problems of a whole size table (as edited) and of the rules that use it."""
    others = [s.as_data() for s in SizeStandard.objects.exclude(pk=standard.pk).prefetch_related("rows")]
    return _published_conflicts(ruleset_data(size_standards=[*others, standard.as_data(rows)]))


def _schema(ruleset: RuleSet) -> Schema:
    return Schema(
        param_types={p.key: type(p.value) for p in ruleset.parameters},
        standards={s.key: s for s in ruleset.size_standards},
    )


def check_condition(condition: Any) -> list[str]:
    """Problems of a condition (e.g. a deadline's) against the current parameters, in words."""
    try:
        compile_condition(condition, _schema(load_ruleset()))
    except RuleError as exc:
        return [f"{path}:{message}" for path, message in exc.errors]
    return []


def describe_condition(condition: Any, day: Any) -> str:
    """A condition in words with the parameter values in force on ``day`` (for the admin)."""
    if condition is None:
        return "适用于所有企业"
    ruleset = load_ruleset()
    try:
        compiled = compile_condition(condition, _schema(ruleset))
    except RuleError as exc:
        return "条件有误:" + ";".join(f"{path}:{message}" for path, message in exc.errors)
    on = ruleset.on(day)
    return compiled.describe(Context({}, day, on.params, on.params_float, on.standards))
