"""End to end through a real Celery worker: an e-mail queued in the outbox is
published after commit, delivered by the worker process, and marked sent once."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection, transaction

from iuc_portal.celery import app as celery_app
from iuc_portal.mail.models import OutboundEmail
from iuc_portal.mail.services import queue_rendered_email
from tests.conftest import require

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.integration
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_real_worker_delivers_an_outbox_email_once(tmp_path):
    redis_url = os.environ.get("REDIS_URL", "")
    require(bool(redis_url), "REDIS_URL is not set: no broker for the worker")
    require(connection.vendor == "postgresql", "the worker process needs a shared database")
    # The broker this process already publishes to (its connection pool is shared
    # by the whole test session, so pointing it elsewhere mid-session would not stick).
    broker = celery_app.conf.broker_url
    db = connection.settings_dict
    database_url = (
        f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    )
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": broker,
        "CELERY_RESULT_BACKEND": broker,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "VAR_DIR": str(tmp_path),  # file e-mail backend: var/mail under here
    }
    env.pop("EMAIL_URL", None)
    log = open(tmp_path / "worker.log", "w")  # noqa: SIM115 - closed below
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "iuc_portal", "worker", "--pool=solo",
         "-Q", "celery,mail,pdf",
         "-l", "info", "-n", f"mail-{os.getpid()}@%h"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        with transaction.atomic():
            email = queue_rendered_email(
                to="mayor@surat.example.in", subject="Worker delivery check",
                body_text="Sent by a real worker.", language="en", template="test",
                idempotency_key="integration:worker-mail",
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            email.refresh_from_db()
            if email.state == OutboundEmail.State.SENT:
                break
            time.sleep(0.3)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        log.close()
    assert email.state == OutboundEmail.State.SENT, (tmp_path / "worker.log").read_text()[-3000:]
    assert email.attempts == 1
    files = list((tmp_path / "mail").glob("*.log"))
    assert len(files) == 1
    assert "Worker delivery check" in files[0].read_text()
