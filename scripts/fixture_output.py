"""Write a generated fixture, or with --check tell whether the committed one is current."""

from __future__ import annotations

import sys
from pathlib import Path


def write_or_check(output: Path, content: str, script: str, check: bool) -> int:
    """Exit status for a build script: 1 when --check finds ``output`` stale, else 0."""
    if check:
        current = output.read_text(encoding="utf-8") if output.exists() else ""
        if current != content:
            print(f"{output} is stale: run scripts/{script}", file=sys.stderr)
            return 1
        return 0
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(content, encoding="utf-8")
    print(f"wrote {output}")
    return 0
