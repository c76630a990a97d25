"""Benchmark of e-mail delivery (``make bench``; plain script, no pytest).

Queues N e-mails (default 1,000) in one transaction, the way a bulk action does,
and times until one real Celery worker process (``--pool=solo``, queue ``mail``)
has delivered all of them to a local SMTP sink (aiosmtpd, in its own process).
Needs DATABASE_URL (PostgreSQL, migrated here) and REDIS_URL; without them it says
so and exits. Its rows carry the idempotency key prefix ``bench:`` and are deleted
afterwards. Target: 1,000 e-mails in under 20 s.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port: int, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise SystemExit(f"the SMTP sink did not start on port {port}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=1000, help="e-mails to send")
    args = parser.parse_args()
    if not (os.environ.get("DATABASE_URL", "").startswith("postgres")
            and os.environ.get("REDIS_URL")):
        print("bench_mail: skipped (set DATABASE_URL to PostgreSQL and REDIS_URL)")
        return

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "iuc_portal.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction

    from iuc_portal.celery import app
    from iuc_portal.mail.models import OutboundEmail
    from iuc_portal.mail.services import queue_rendered_email

    call_command("migrate", verbosity=0)
    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge("mail")

    port = free_port()
    sink = subprocess.Popen(
        [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}",
         "-c", "aiosmtpd.handlers.Sink"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    env = {**os.environ, "EMAIL_URL": f"smtp://127.0.0.1:{port}",
           "CELERY_TASK_ALWAYS_EAGER": "false"}
    log_path = ROOT / "var" / "bench_mail_worker.log"
    log_path.parent.mkdir(exist_ok=True)
    with open(log_path, "w") as log:
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "iuc_portal", "worker", "--pool=solo",
             "-Q", "mail", "-l", "warning", "-n", f"bench-{os.getpid()}@%h"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
    prefix = f"bench:{uuid.uuid4().hex[:8]}:"
    try:
        wait_for_port(port)
        ping = app.send_task("iuc_portal.core.tasks.ping", queue="mail")
        ping.get(timeout=120)  # the worker is up and consuming
        rows = OutboundEmail.objects.filter(idempotency_key__startswith=prefix)

        started = time.monotonic()
        with transaction.atomic():
            for n in range(args.n):
                queue_rendered_email(
                    to=f"city{n}@example.eu", subject=f"Benchmark e-mail {n}",
                    body_text="Plain text body.\n" * 20, body_html="<p>HTML body.</p>" * 20,
                    language="en", template="bench", idempotency_key=f"{prefix}{n}",
                )
            committing = time.monotonic()  # the tasks are published right after commit
        published = time.monotonic()
        while rows.filter(state=OutboundEmail.State.SENT).count() < args.n:
            if time.monotonic() - started > 300:
                raise SystemExit("bench_mail: not all e-mails were sent within 300 s")
            time.sleep(0.05)
        done = time.monotonic()
        delivery = done - committing
        print(f"bench_mail: {args.n} rows written in {committing - started:.1f} s and "
              f"{args.n} tasks published in {published - committing:.1f} s; one worker "
              f"process delivered all {args.n} in {delivery:.1f} s after commit "
              f"({args.n / delivery:.0f}/s; load average {os.getloadavg()[0]:.1f}); "
              f"target < 20 s for 1,000")
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        sink.terminate()
        sink.wait(timeout=10)
        OutboundEmail.objects.filter(idempotency_key__startswith=prefix).delete()


if __name__ == "__main__":
    main()
