import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PRODUCTION_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "x9!k2#production-like-secret-key-with-enough-entropy-0123456789abcdef",
    "ALLOWED_HOSTS": "iuc.example.eu",
    "DATABASE_URL": "sqlite:////tmp/iuc-check-deploy.sqlite3",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "EMAIL_URL": "smtp+tls://user:pass@smtp.example.eu:587",
}


def _manage(*args, env_overrides):
    ignored = {"DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}  # the browser tests set it
    env = {k: v for k, v in os.environ.items() if k not in ignored}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_check_deploy_without_warnings():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env_overrides=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "SECRET_KEY"}
    result = _manage("check", env_overrides=env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


@pytest.mark.django_db
def test_every_page_carries_a_strict_content_security_policy(client):
    response = client.get("/")
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    assert "frame-ancestors 'none'" in policy


@pytest.mark.django_db
def test_pages_load_no_asset_from_another_host(client):
    html = client.get("/").content.decode()
    assert "cdn" not in html.lower()
    assert "<script>" not in html  # no inline scripts: the CSP forbids them
    assert "/static/bootstrap/css/bootstrap.min.css" in html


def test_without_a_broker_tasks_run_in_process_and_kombu_has_nothing_to_warn_about(tmp_path):
    env = {key: value for key, value in os.environ.items()
           if key not in {"REDIS_URL", "CELERY_BROKER_URL", "DATABASE_URL"}}
    env["VAR_DIR"] = str(tmp_path)
    code = ("import django; django.setup(); from django.conf import settings as s; "
            "from iuc_portal.celery import app; "
            "print(s.CELERY_TASK_ALWAYS_EAGER, s.CELERY_BROKER_URL); "
            "app.connection_for_write().as_uri()")
    result = subprocess.run([sys.executable, "-W", "always", "-c", code], cwd=ROOT,
                            env={**env, "DJANGO_SETTINGS_MODULE": "iuc_portal.settings"},
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "memory://localhost/"]
    assert "No hostname was supplied" not in result.stderr


@pytest.mark.django_db
def test_the_policy_header_is_the_same_on_every_response_and_follows_the_settings(
    client, settings
):
    first = client.get("/")["Content-Security-Policy"]
    assert "script-src 'self'" in first
    assert client.get("/accounts/login/")["Content-Security-Policy"] == first
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": ["'none'"]}}
    assert client.get("/")["Content-Security-Policy"] == "default-src 'none'"
