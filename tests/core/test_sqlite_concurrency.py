"""The embedded default serves several people at once: SQLite waits for the write lock
(IMMEDIATE transactions, WAL, a busy timeout) instead of answering "database is locked"."""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

WORKER = Path(__file__).with_name("sqlite_drafts_worker.py")
ROOT = Path(__file__).resolve().parents[2]


def _env(database: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(DATABASE_URL=f"sqlite:///{database}", DEBUG="true", VAR_DIR=str(database.parent))
    return env


def test_sqlite_settings_wait_for_the_write_lock_instead_of_failing():
    options = _sqlite_options()
    assert options["transaction_mode"] == "IMMEDIATE"
    assert options["timeout"] >= 5
    assert "journal_mode=WAL" in options["init_command"]


def _sqlite_options() -> dict:
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        "print(json.dumps(settings.DATABASES['default']['OPTIONS']))"
    )
    with tempfile.TemporaryDirectory() as folder:
        out = subprocess.run(
            [sys.executable, "-c", code],
            cwd=ROOT,
            env=_env(Path(folder) / "db.sqlite3"),
            capture_output=True,
            text=True,
            check=True,
        )
    return json.loads(out.stdout)


def test_concurrent_draft_saves_on_sqlite_give_no_database_is_locked(tmp_path):
    database = tmp_path / "db.sqlite3"
    env = _env(database)
    run = {"cwd": ROOT, "env": env, "capture_output": True, "text": True}
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], check=True, **run)
    subprocess.run([sys.executable, str(WORKER), "setup"], check=True, **run)

    workers = [
        subprocess.Popen(
            [sys.executable, str(WORKER), "save", "15"],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        for _ in range(4)
    ]
    outputs = [worker.communicate(timeout=300)[0] for worker in workers]

    assert "database is locked" not in "".join(outputs)
    assert [worker.returncode for worker in workers] == [0, 0, 0, 0], outputs
