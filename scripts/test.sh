#!/usr/bin/env bash
# Install the project with its test extras into .venv and run the whole test suite.
# Uses SQLite unless DATABASE_URL is set (CI sets PostgreSQL and REDIS_URL; see .ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[test]'
.venv/bin/ruff check .
.venv/bin/mypy
.venv/bin/ruff format --check .
exec .venv/bin/python -m pytest "$@"
