"""The OpenAPI document matches what the server accepts: schemathesis against a live server.

Runs ``schemathesis run <live server>/api/v1/openapi.json --checks all`` (every check: status
codes and content types as documented, responses valid against their schemas, schema-valid
requests accepted and schema-invalid ones rejected) with a bounded number of cases per
operation, so it stays well under a minute. The same command by hand, against a running portal:

    schemathesis run http://127.0.0.1:8000/api/v1/openapi.json --checks all -n 50 \\
        --exclude-path-regex subscriptions

The subscription endpoint is left out because it sends a confirmation email per request; its
form and API have their own tests.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def _schemathesis() -> list[str]:
    found = shutil.which("schemathesis") or str(Path(sys.executable).with_name("schemathesis"))
    return [found]


def test_the_api_conforms_to_its_openapi_document(live_server, catalogue, settings, tmp_path) -> None:
    settings.RATE_LIMIT_ENABLED = False
    command = [
        *_schemathesis(),
        "run",
        f"{live_server.url}/api/v1/openapi.json",
        "--checks",
        "all",
        "--max-examples",
        "10",
        "--phases",
        "examples,coverage,fuzzing",
        "--exclude-path-regex",
        "subscriptions",
        "--seed",
        "1",
        "--no-color",
    ]
    # Run in a temporary directory: schemathesis keeps a cache (.schemathesis/) where it runs.
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False, cwd=tmp_path)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
