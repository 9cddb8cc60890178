"""Deployment files checked by reading them: Docker cannot run on these machines."""

import re
import shlex
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_has_the_five_services_with_one_image_definition():
    services = compose()["services"]
    assert {"db", "redis", "web", "worker", "beat"} <= set(services)
    django_services = [services[name] for name in ("web", "worker", "beat", "migrate")]
    assert {s["build"] for s in django_services} == {"."}
    assert all(s["environment"]["DJANGO_DEBUG"] == "0" for s in django_services)


def test_postgres_has_a_readiness_check_that_the_portal_waits_for():
    services = compose()["services"]
    assert "pg_isready" in " ".join(services["db"]["healthcheck"]["test"])
    assert services["migrate"]["depends_on"]["db"]["condition"] == "service_healthy"
    assert services["web"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"


def test_the_commands_compose_runs_exist_in_the_project():
    from django.core.management import get_commands

    services = compose()["services"]
    commands = get_commands()
    for name in ("web", "worker", "beat", "migrate"):
        argv = services[name]["command"]
        line = argv[-1] if argv[0] == "sh" else shlex.join(argv)
        for match in re.finditer(r"manage\.py (\w+)", line):
            assert match.group(1) in commands, f"{name}: unknown management command {match.group(1)}"
        if "gunicorn" in line:
            module, _, attr = argv[1].partition(":")
            assert attr == "application"
            assert (ROOT / (module.replace(".", "/") + ".py")).exists()
        if line.startswith("celery"):
            assert argv[argv.index("-A") + 1] == "portal"
            from portal import celery_app

            assert celery_app.main == "portal"


def test_the_dockerfile_builds_from_the_project_files():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "pip install ." in dockerfile
    assert "collectstatic" in dockerfile
    assert "fonts-wqy-zenhei" in dockerfile


def test_every_setting_read_from_the_environment_is_in_env_example():
    settings_text = (ROOT / "portal" / "settings.py").read_text()
    read = set(re.findall(r'env(?:\.\w+)?\(\s*"([A-Z_]+)"', settings_text))
    listed = {
        line.split("=", 1)[0] for line in (ROOT / ".env.example").read_text().splitlines() if "=" in line
    }
    assert read, "no environment variables found in settings"
    assert read <= listed, f"missing from .env.example: {sorted(read - listed)}"


def test_a_declared_setting_is_read_without_a_second_default():
    # Each setting states its default once, in portal/settings.py; code reads settings.X, never
    # getattr(settings, "X", default) with the default repeated where it is used.
    from django.conf import settings

    repeated = []
    for path in ROOT.glob("*/**/*.py"):
        if path.parts[len(ROOT.parts)] in {".venv", "tests", "node_modules"} or "migrations" in path.parts:
            continue
        for name in re.findall(r'getattr\(\s*settings,\s*"([A-Z_]+)",', path.read_text()):
            if hasattr(settings, name):
                repeated.append(f"{path.relative_to(ROOT)}: {name}")
    assert not repeated, repeated
