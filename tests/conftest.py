"""Suite-wide fixtures.

Tests run on whatever DATABASE_URL / REDIS_URL point at (PostgreSQL and Redis in
CI). A test that needs a real service is skipped locally when it is missing, but
under CI=true a missing service is a failure: CI must never pass by skipping.
"""

import os

import pytest

from iuc_portal.celery import app as celery_app

pytest_plugins = ["tests.plan_fixtures"]  # `pair`: two paired cities' plans

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


@pytest.fixture(scope="session", autouse=True)
def _serialized_reference_data(django_db_setup):
    """The migrated database's rows (themes, regions, staff group, site), as Django
    serialised them for `serialized_rollback`.

    Kept here because browser tests run inside Playwright's event loop, where Django
    hands out a fresh connection object that does not carry them (see tests/e2e).
    """
    from django.db import connection

    return getattr(connection, "_test_serialized_contents", "")


@pytest.fixture(autouse=True)
def _restore_reference_data(request, _serialized_reference_data):
    """Transactional tests start from the migrated rows, also after a browser test.

    Django restores them (serialized_rollback) only through the connection object
    that saved them; once Playwright's event loop runs in this thread, Django hands
    out another one. So when the rows are missing, empty and reload them here.
    """
    marker = request.node.get_closest_marker("django_db")
    transactional = (marker is not None and marker.kwargs.get("transaction")) or bool(
        {"transactional_db", "live_server"} & set(request.fixturenames)
    )
    if not transactional or not _serialized_reference_data:
        return
    request.getfixturevalue("_django_db_helper")
    from django.core.management import call_command
    from django.db import connection

    from applications.models import Theme

    if not Theme.objects.exists():
        call_command("flush", interactive=False, inhibit_post_migrate=True, verbosity=0)
        connection.creation.deserialize_db_from_string(_serialized_reference_data)


@pytest.fixture
def admin_user(admin_user):
    """pytest-django's superuser, with the authenticator app the admin requires."""
    from tests.mfa import activate_totp

    admin_user.totp_secret = activate_totp(admin_user)
    return admin_user
