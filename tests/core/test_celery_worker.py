"""A real Celery worker process, against the real Redis broker."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import require

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def redis_url():
    url = os.environ.get("REDIS_URL", "")
    require(bool(url), "REDIS_URL is not set: no Redis to run a worker against")
    return url


@pytest.fixture
def worker(redis_url, tmp_path):
    # A database of its own on the Redis server, so a developer's worker is not hit.
    broker = redis_url.rsplit("/", 1)[0] + "/14"
    env = {
        **os.environ,
        "CELERY_BROKER_URL": broker,
        "CELERY_RESULT_BACKEND": broker,
        "CELERY_TASK_ALWAYS_EAGER": "false",
    }
    log = open(tmp_path / "worker.log", "w")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "iuc_portal",
            "worker",
            "--pool=solo",
            "--concurrency=1",
            "-l",
            "info",
            "-n",
            f"test-{os.getpid()}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    yield broker
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()


@pytest.mark.integration
def test_a_real_worker_runs_a_task_queued_through_redis(worker):
    from celery import Celery

    client = Celery("client", broker=worker, backend=worker)
    client.conf.update(task_serializer="json", result_serializer="json", accept_content=["json"])
    deadline = time.monotonic() + 60
    result = client.send_task("iuc_portal.core.tasks.ping")
    while not result.ready() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert result.get(timeout=5) == "pong"
