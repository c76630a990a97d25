"""A real Celery worker process on the broker and database this test process uses."""

import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path

from django.db import connection

from iuc_portal.celery import app as celery_app
from tests.conftest import require

ROOT = Path(__file__).resolve().parents[2]


def require_real_stack():
    require(bool(os.environ.get("REDIS_URL")), "REDIS_URL is not set: no broker for a worker")
    require(connection.vendor == "postgresql", "the worker process needs a shared database")


def purge(*queues: str) -> None:
    with celery_app.connection_for_write() as conn:
        for queue in queues:
            with contextlib.suppress(Exception):
                conn.default_channel.queue_purge(queue)


class Worker:
    def __init__(self, tmp_path: Path, queues: str, name: str, extra_env: dict | None = None):
        db = connection.settings_dict
        broker = celery_app.conf.broker_url
        self.env = {
            **os.environ,
            "DATABASE_URL": (f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:"
                             f"{db['PORT']}/{db['NAME']}"),
            "CELERY_BROKER_URL": broker,
            "CELERY_RESULT_BACKEND": broker,
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "VAR_DIR": str(tmp_path),
            "PRIVATE_STORAGE_ROOT": str(tmp_path / "private"),
        }
        self.env.pop("EMAIL_URL", None)  # file backend unless the test names a server
        self.env.update(extra_env or {})
        self.queues, self.name, self.tmp_path = queues, name, tmp_path
        self.process = None
        self.log_path = tmp_path / f"{name}.log"

    def start(self):
        log = open(self.log_path, "a")  # noqa: SIM115 - the process owns it
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "iuc_portal", "worker", "--pool=solo",
             "-Q", self.queues, "-l", "info", "-n", f"{self.name}-{os.getpid()}@%h"],
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
        )
        log.close()
        return self

    def kill(self):
        """What a crash looks like: SIGKILL, no chance to ack, requeue or clean up."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()

    def log(self) -> str:
        return self.log_path.read_text()[-3000:] if self.log_path.exists() else ""
