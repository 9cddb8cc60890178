#!/usr/bin/env bash
# Set up and run the portal on the embedded default (SQLite, tasks in-process, console email).
set -euo pipefail
cd "$(dirname "$0")/.."
# HOST and PORT choose where runserver listens; SITE_URL (the address in emails' links) follows
# them unless it is set too.
HOST="${HOST:-127.0.0.1}"
PORT="${PORT:-8000}"
export SITE_URL="${SITE_URL:-http://$HOST:$PORT}"
PYTHON="${PYTHON:-python3}"
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e .
.venv/bin/python manage.py migrate --noinput
.venv/bin/python manage.py load_catalogue
.venv/bin/python manage.py create_demo_users
echo "Serving 惠企政策通 on $SITE_URL (Ctrl-C to stop)"
exec .venv/bin/python manage.py runserver "$HOST:$PORT"
