"""docker-compose.yml must run every service the settings need (no engine here)."""

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
services = compose["services"]
DJANGO_SERVICES = ["web", "worker", "beat"]


def _env(service):
    env = services[service].get("environment", {})
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    anchors = services[service].get("env_file")
    return env, anchors


def test_compose_runs_web_worker_beat_postgres_and_redis():
    assert {"web", "worker", "beat", "db", "redis"} <= set(services)
    assert "gunicorn" in str(services["web"]["command"])
    assert "worker" in str(services["worker"]["command"])
    assert "beat" in str(services["beat"]["command"])


def test_every_service_has_a_health_check():
    for name in ["web", "worker", "db", "redis"]:
        assert "healthcheck" in services[name], name


def test_django_services_get_every_variable_production_needs():
    settings_source = (ROOT / "iuc_portal" / "settings.py").read_text()
    required = {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL", "EMAIL_URL"}
    for variable in required:
        assert re.search(rf'"{variable}"', settings_source), f"settings do not read {variable}"
    for name in DJANGO_SERVICES:
        env, _ = _env(name)
        assert required <= set(env), f"{name} lacks {sorted(required - set(env))}"
        assert str(env["DEBUG"]).lower() == "false"


def test_django_services_wait_for_healthy_database_and_redis():
    for name in DJANGO_SERVICES:
        depends = services[name]["depends_on"]
        assert depends["db"]["condition"] == "service_healthy"
        assert depends["redis"]["condition"] == "service_healthy"


def test_secrets_come_from_the_environment_not_the_file():
    env, _ = _env("web")
    assert str(env["SECRET_KEY"]).startswith("${")
