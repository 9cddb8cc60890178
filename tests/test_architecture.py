"""The project's structure, checked by reading the code (ast), not by importing it.

- Django code reaches the eligibility engine only through its public names
  (``from policies.engine import ...``), never its submodules; the policies app's rule loader
  (``policies/rules_loader.py``) is private to that app, and the one way in from the other apps
  is ``policies/screening.py``.
- The apps (policies, enterprises, hotline, audit) import each other without a circle, counting
  module-level and function-level imports alike. ``portal``, the project package (settings, urls,
  the API, the security middleware), is left out: it is the top that includes every app.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = ("policies", "enterprises", "hotline", "audit")
# Code outside the engine that must use only its public API: the apps, the project package,
# the benchmark and build scripts (the engine's own tests, tests/engine/, test its modules).
CHECKED = (*APPS, "portal", "bench", "scripts")


def _python_files(*tops: str) -> Iterator[Path]:
    for top in tops:
        for path in sorted((ROOT / top).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> Iterator[tuple[int, str]]:
    """(line, absolute module name) of every import in the file, at any depth."""
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    return _imports_in(path.read_text(encoding="utf-8"), package)


def _imports_in(source: str, package: str) -> Iterator[tuple[int, str]]:
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            yield node.lineno, target
            for alias in node.names:  # "from policies.engine import conditions" names a submodule
                yield node.lineno, f"{target}.{alias.name}"


def _is_engine_submodule(name: str) -> bool:
    if not name.startswith("policies.engine."):
        return False
    # "from policies.engine import screen" yields "policies.engine.screen": only real modules count.
    first = name.split(".")[2]
    return (ROOT / "policies" / "engine" / f"{first}.py").exists() or (
        ROOT / "policies" / "engine" / first
    ).is_dir()


def test_only_the_engine_reaches_into_its_submodules() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{line} imports {name}"
        for path in _python_files(*CHECKED)
        if not path.is_relative_to(ROOT / "policies" / "engine")
        for line, name in _imports(path)
        if _is_engine_submodule(name)
    ]
    assert found == [], "use `from policies.engine import ...` (add the name to its __all__):\n" + "\n".join(
        found
    )


def test_the_rule_loader_is_private_to_the_policies_app() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in _python_files(*APPS, "portal")
        if not path.is_relative_to(ROOT / "policies")
        for line, name in _imports(path)
        if name == "policies.rules_loader" or name.startswith("policies.rules_loader.")
    ]
    assert found == [], "go through policies/screening.py:\n" + "\n".join(found)


def _app_graph() -> dict[str, dict[str, list[str]]]:
    """app -> the other apps it imports -> where (file:line)."""
    graph: dict[str, dict[str, list[str]]] = {app: {} for app in APPS}
    for app in APPS:
        for path in _python_files(app):
            for line, name in _imports(path):
                other = name.split(".")[0]
                if other in APPS and other != app:
                    graph[app].setdefault(other, []).append(f"{path.relative_to(ROOT)}:{line}")
    return graph


def _cycle(graph: dict[str, dict[str, list[str]]]) -> list[str]:
    """One import circle among the apps (as the apps in order, back to the first), or []."""
    state: dict[str, str] = {}
    stack: list[str] = []

    def visit(app: str) -> list[str]:
        state[app] = "open"
        stack.append(app)
        for other in sorted(graph[app]):
            if state.get(other) == "open":
                return [*stack[stack.index(other) :], other]
            if other not in state and (found := visit(other)):
                return found
        state[app] = "done"
        stack.pop()
        return []

    for app in APPS:
        if app not in state and (found := visit(app)):
            return found
    return []


def test_the_apps_import_each_other_without_a_circle() -> None:
    graph = _app_graph()
    cycle = _cycle(graph)
    where = [f"{a} -> {b}: {', '.join(graph[a][b][:5])}" for a, b in zip(cycle, cycle[1:])]
    assert cycle == [], "import circle between apps:\n" + "\n".join(where)


@pytest.mark.parametrize(
    ("graph", "expected"),
    [
        ({"policies": {}, "enterprises": {"policies": ["x"]}, "hotline": {}, "audit": {}}, []),
        (
            {"policies": {"hotline": ["x"]}, "enterprises": {}, "hotline": {"policies": ["y"]}, "audit": {}},
            ["policies", "hotline", "policies"],
        ),
    ],
)
def test_the_circle_finder_finds_a_circle_and_only_a_circle(graph, expected) -> None:
    assert _cycle(graph) == expected


def test_the_import_reader_resolves_relative_and_nested_imports() -> None:
    # The checks above are only as good as this reader.
    source = """
from . import preview
from ..engine import conditions


def later():
    from policies.engine.profile import PROFILE_FIELDS
    import hotline.search
"""
    names = {name for _, name in _imports_in(source, "policies.rulebuilder")}
    assert {"policies.rulebuilder.preview", "policies.engine.conditions", "hotline.search"} <= names
    assert "policies.engine.profile" in names
    assert [n for n in sorted(names) if _is_engine_submodule(n)] == [
        "policies.engine.conditions",
        "policies.engine.profile",
        "policies.engine.profile.PROFILE_FIELDS",
    ]
    assert not _is_engine_submodule("policies.engine.screen")  # a public name, not a module


# --- what the move of enterprises into packages kept ---------------------------------------------

# The names tasks had when they were enterprises/tasks.py: tasks queued before a deploy, and the
# beat schedule, still find them.
TASK_NAMES = {
    "enterprises.tasks.send_notices",
    "enterprises.tasks.send_confirmation",
    "enterprises.tasks.run_reminder_round",
    "enterprises.tasks.sweep_reminder_notices",
    "enterprises.tasks.purge_ended_subscriptions",
    "enterprises.tasks.notify_account_rule_changes",
}


def test_the_celery_tasks_keep_their_names_and_the_beat_schedule_finds_them(settings) -> None:
    from portal.celery import app

    app.loader.import_default_modules()  # what a worker does on start: autodiscovery
    registered = set(app.tasks)
    assert TASK_NAMES <= registered
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert scheduled <= registered, scheduled - registered


@pytest.mark.django_db
def test_the_golden_cases_old_admin_address_leads_to_the_new_one(admin_client) -> None:
    from policies.models import GoldenCase

    case = GoldenCase.objects.create(name="moved", profile={}, expected={})
    response = admin_client.get(f"/admin/enterprises/goldencase/{case.pk}/change/?x=1")
    assert response.status_code == 308
    assert response["Location"] == f"/admin/policies/goldencase/{case.pk}/change/?x=1"
    assert admin_client.get(response["Location"]).status_code == 200
