"""One test base for the whole suite: the catalogue loaded once, and named personas.

Personas:
- `superuser`: 超级管理员, may change everything.
- `tax_official`: 省税务局 staff (measures 1–3, 5–8, 11, 12 …).
- `hr_official`: 省人社厅 staff (measure 9, 59 …).
- `hotline_agent`: member of the 热线坐席 group.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.core.management import call_command

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
REFERENCE = ROOT / "reference"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):  # noqa: ANN001, ANN201
    """Load the catalogue once, the way `manage.py load_catalogue` does on a real install."""
    with django_db_blocker.unblock():
        call_command("load_catalogue", verbosity=0)


@pytest.fixture
def catalogue(db):  # noqa: ANN001, ANN201
    """The 70 published measures (reloaded if a transactional test flushed them)."""
    from policies.models import Measure

    if not Measure.objects.exists():
        call_command("load_catalogue", verbosity=0)
    return Measure.objects.published()


def _staff(username: str, perms: list[str]) -> User:
    user = User.objects.create_user(
        username, f"{username}@example.gov.cn", "correct-horse-battery-9", is_staff=True
    )
    for codename in perms:
        app_label, code = codename.split(".")
        user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=code))
    return user


OFFICIAL_PERMS = [
    "policies.view_measure",
    "policies.change_measure",
    "policies.add_measure",
    "policies.delete_measure",
    "policies.publish_measure",
    "policies.view_measureunit",
    "policies.add_measureunit",
    "policies.change_measureunit",
    "policies.delete_measureunit",
    "policies.view_deadline",
    "policies.add_deadline",
    "policies.change_deadline",
    "policies.delete_deadline",
    "policies.view_responsibleunit",
    "policies.view_category",
]


def _official(username: str, unit_names: list[str]) -> User:
    from policies.models import Official, ResponsibleUnit

    user = _staff(username, OFFICIAL_PERMS)
    official = Official.objects.create(user=user)
    official.units.set(ResponsibleUnit.objects.filter(name__in=unit_names))
    return user


@pytest.fixture
def superuser(db) -> User:  # noqa: ANN001
    return User.objects.create_superuser("admin", "admin@example.gov.cn", "correct-horse-battery-9")


@pytest.fixture
def tax_official(catalogue) -> User:  # noqa: ANN001
    return _official("tax_official", ["省税务局"])


@pytest.fixture
def hr_official(catalogue) -> User:  # noqa: ANN001
    return _official("hr_official", ["省人社厅"])


@pytest.fixture
def hotline_agent(db) -> User:  # noqa: ANN001
    group, _ = Group.objects.get_or_create(name="热线坐席")
    user = User.objects.create_user("agent", "agent@example.gov.cn", "correct-horse-battery-9")
    user.groups.add(group)
    return user


@pytest.fixture(autouse=True)
def _eager_celery():  # noqa: ANN202
    """Run tasks in-process even when CI sets REDIS_URL: no test may leave work on the real broker.

    The reminder end-to-end test turns eager mode off inside its own fixture, for its real worker.
    """
    from portal.celery import app as celery_app

    before = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = before


@pytest.fixture(autouse=True)
def _no_rate_limits(settings):  # noqa: ANN001, ANN202
    """Tests hit the API far faster than any person; tests/test_security.py turns limits back on."""
    settings.RATE_LIMIT_ENABLED = False


@pytest.fixture(autouse=True)
def _rules_checked_on_every_call(settings):  # noqa: ANN001, ANN202
    """Tests change rules between requests in the same process; never trust a cached rule set."""
    settings.RULES_CACHE_CHECK_SECONDS = 0


@pytest.fixture
def rate_window():  # noqa: ANN201
    """Start the clock at the beginning of a minute: the rate limits count per one-minute window,
    so a test's requests must not straddle two windows (on a loaded machine they sometimes did)."""
    import datetime

    import time_machine

    now = datetime.datetime.now(datetime.UTC).replace(second=0, microsecond=0)
    with time_machine.travel(now, tick=True) as traveller:
        yield traveller
