import pytest

from iuc_portal.core import health


@pytest.mark.django_db
def test_healthz_reports_every_dependency_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    body.pop("mail")
    assert body == {"database": "ok", "broker": "ok", "cache": "ok", "status": "ok"}


@pytest.mark.django_db
def test_healthz_is_503_and_names_the_failing_dependency(client, monkeypatch):
    monkeypatch.setitem(health.CHECKS, "database", lambda: "OperationalError")
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["database"] == "OperationalError"
    assert body["status"] == "unavailable"


@pytest.mark.django_db
def test_broker_check_fails_when_the_broker_is_unreachable(settings, monkeypatch):
    from iuc_portal.celery import app

    settings.CELERY_TASK_ALWAYS_EAGER = False
    monkeypatch.setattr(app.conf, "broker_url", "redis://127.0.0.1:1/0")
    assert health.check_broker() is not None
