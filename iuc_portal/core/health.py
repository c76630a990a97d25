"""Reachability checks for /healthz: each returns None when fine, else the problem."""

from django.conf import settings
from django.core.cache import cache
from django.db import connection


def check_database() -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        return type(exc).__name__
    return None


def check_cache() -> str | None:
    try:
        cache.set("healthz", "ok", 5)
        if cache.get("healthz") != "ok":
            return "cache did not return what was stored"
    except Exception as exc:
        return type(exc).__name__
    return None


def check_broker() -> str | None:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return None  # no broker by design: tasks run in-process
    from iuc_portal.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as exc:
        return type(exc).__name__
    return None


CHECKS = {"database": check_database, "broker": check_broker, "cache": check_cache}
