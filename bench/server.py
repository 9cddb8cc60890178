"""What the benches that start the portal as a server share: its environment and its database.

A bench measures the portal as it is deployed (DEBUG off, a production secret, no HTTPS redirect
on the loopback address), with the catalogue loaded into the database it is given.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable

# A small manufacturer that several rules reach: the profile the load benches post.
SMALL_MANUFACTURER = {
    "as_of": "2022-05-10",
    "entity_type": "enterprise",
    "industry": "C36",
    "employees": 120,
    "revenue_wan": 8000,
    "total_assets_wan": 4800,
    "taxable_income_wan": 150,
    "retained_vat_credit_wan": 80,
    "tax_credit_rating": "A",
}


def production_env(**extra: str) -> dict[str, str]:
    """The environment for manage.py and gunicorn in a bench run (``extra`` added or replaced)."""
    return {
        **os.environ,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "bench-only-" + "x" * 50,
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_LOG_LEVEL": "WARNING",
        **extra,
    }


def prepare_database(env: dict[str, str]) -> None:
    """Migrate the bench's database and load the catalogue (both do nothing when done before)."""
    subprocess.run([PYTHON, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run([PYTHON, "manage.py", "load_catalogue"], cwd=ROOT, env=env, check=True)
