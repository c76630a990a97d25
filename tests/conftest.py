"""Suite-wide fixtures.

Tests run on whatever DATABASE_URL / REDIS_URL point at (PostgreSQL and Redis in
CI). A test that needs a real service is skipped locally when it is missing, but
under CI=true a missing service is a failure: CI must never pass by skipping.
"""

import os

import pytest

from iuc_portal.celery import app as celery_app

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def require(condition: bool, reason: str):
    """Skip (locally) or fail (in CI) when a real dependency is absent."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"CI requires it: {reason}")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _eager_celery(request):
    """Unit tests run tasks in-process; integration tests opt out with the marker."""
    if request.node.get_closest_marker("integration"):
        yield
        return
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _isolated_private_storage(settings, tmp_path):
    """Uploaded and generated files go to a temporary folder, never var/."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private")},
        },
    }


@pytest.fixture(autouse=True)
def _english_by_default(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture(autouse=True)
def _fresh_cache_namespace(settings):
    """Each test sees an empty cache, also on a shared Redis: a key prefix of its own."""
    import uuid

    settings.CACHES = {
        alias: {**config, "KEY_PREFIX": f"test-{uuid.uuid4().hex}"}
        for alias, config in settings.CACHES.items()
    }


def pytest_report_header(config):
    from django.conf import settings

    database = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    broker = settings.CELERY_BROKER_URL or "none (eager)"
    return [f"database: {database}; cache/broker: {broker}; CI: {IN_CI}"]
