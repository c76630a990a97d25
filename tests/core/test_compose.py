"""docker-compose.yml must run every service the settings need (no engine here)."""

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
services = compose["services"]
DJANGO_SERVICES = ["web", "worker", "worker-pdf", "beat"]


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
    for name in ["web", "worker", "worker-pdf", "db", "redis"]:
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


def test_mail_and_pdfs_have_workers_of_their_own():
    """A hung mail server must not hold up PDFs, nor a burst of PDFs the e-mail."""
    from django.conf import settings

    routes = settings.CELERY_TASK_ROUTES
    assert routes["iuc_portal.mail.tasks.*"]["queue"] == "mail"
    assert routes["applications.tasks.render_application_pdf"]["queue"] == "pdf"
    assert routes["action_plans.tasks.render_plan_pdf"]["queue"] == "pdf"
    queues = {}
    for name, service in services.items():
        command = [str(part) for part in service.get("command", [])]
        if "worker" in command:
            queues[name] = set(command[command.index("-Q") + 1].split(","))
    assert {"mail", "celery"} <= queues["worker"] and "pdf" not in queues["worker"]
    assert queues["worker-pdf"] == {"pdf"}
