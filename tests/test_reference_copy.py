"""The repository's copy of what it is built from (reference/) matches ../shared where that exists."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "reference"
SHARED = ROOT.parent / "shared"
COPIED = ["source", "domain", "examples", "api-contract.md"]


def _files(base: Path) -> dict[str, bytes]:
    found: dict[str, bytes] = {}
    for name in COPIED:
        top = base / name
        paths = [top] if top.is_file() else sorted(p for p in top.rglob("*") if p.is_file())
        for path in paths:
            found[str(path.relative_to(base))] = path.read_bytes()
    return found


def test_the_reference_copy_holds_the_plan_the_contract_and_the_examples() -> None:
    files = _files(REFERENCE)
    assert "source/shanxi-2022-34-action-plan.txt" in files
    assert b"revision 1.1" in files["api-contract.md"]
    assert sum(1 for name in files if name.startswith("examples/eligibility/")) >= 15


@pytest.mark.skipif(not SHARED.is_dir(), reason="no ../shared beside this clone: nothing to compare with")
def test_the_reference_copy_equals_shared() -> None:
    ours, theirs = _files(REFERENCE), _files(SHARED)
    assert sorted(ours) == sorted(theirs), (
        "files added or removed upstream: refresh reference/ (see its README)"
    )
    changed = [name for name in ours if ours[name] != theirs[name]]
    assert not changed, f"changed upstream, refresh reference/: {changed}"
