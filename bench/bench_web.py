"""Load benchmark of the portal's pages (``make bench-web``; plain script, no pytest).

Serves the portal with gunicorn (2 sync workers, pinned to CPU 0 with taskset when
there are two or more CPUs, ``DEBUG=false``) against a demo-seeded database: a fresh
SQLite file under ``var/bench/`` by default, or DATABASE_URL (and REDIS_URL as the
cache) when set. Beside it, a bare one-view Django app (``bench/bare_app.py``) served
the same way. ``wrk`` (pinned to CPU 1) drives each page for ``--seconds`` with
``--connections`` connections, and the script prints requests/s, p50, p95, the share
of failed requests, and the ratio of requests/s to the bare view, with the goal.

Each page is measured in ``--rounds`` runs alternating with runs of the bare view
(after a warm-up of both), and its ratio uses the bare runs beside it, so a change in
the machine's load touches both sides alike; the load average is printed with the
table, since the machine may be shared. The draft-save POST counts every answer other
than the redirect of a saved draft (302) as an error. The admin list is measured again
after ``bench/web_data.py --applications 1000``. Exit status 1 when a goal is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
LUA = BENCH / "wrk" / "report.lua"
PY = sys.executable
GUNICORN = str(Path(PY).with_name("gunicorn"))

# (label, goal as a ratio to the bare view)
GOALS = {
    "home": 0.25,
    "catalogue": 0.25,  # issue 13: the public catalogue
    "api": 0.0,  # measured for the record; no goal of its own
    "login": 0.10,
    "dashboard": 0.08,
    "city": 0.03,
    "plan": 0.03,
    "admin": 0.01,
    "admin-1000": 0.01,
    "drafts": None,  # the goal is 0 % errors
}
LABELS = {
    "bare": "bare Django view",
    "home": "home `/` (anonymous)",
    "catalogue": "catalogue `/programme/` (anonymous)",
    "api": "open data `/api/v1/partnerships/`",
    "login": "login GET",
    "dashboard": "applicant dashboard",
    "city": "application section (`city`)",
    "plan": "Local Action Plan page",
    "admin": "admin application list",
    "admin-1000": "admin application list, 1,000 applications",
    "drafts": "concurrent draft saves (POST)",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pin(cpu: int) -> list[str]:
    if shutil.which("taskset") and (os.cpu_count() or 1) >= 2:
        return ["taskset", "-c", str(cpu)]
    return []


def portal_env(var: Path) -> dict:
    env = dict(os.environ)
    env.update(
        DEBUG="false",
        SECRET_KEY=env.get("BENCH_SECRET_KEY", "bench-" + "k" * 60),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="false",
        SECURE_HSTS_SECONDS="0",
        VAR_DIR=str(var),
        STATIC_ROOT=str(var / "static"),
        LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT),
        API_RATE_LIMIT="1000000/s",  # one client sends thousands: measure, do not throttle
    )
    if "DATABASE_URL" not in os.environ:
        env["DATABASE_URL"] = f"sqlite:///{var / 'db.sqlite3'}"
        env.pop("REDIS_URL", None)  # the embedded default: local-memory cache
    return env


def run(args: list[str], env: dict) -> str:
    result = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"{' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def prepare(env: dict, var: Path, fresh_sqlite: bool, reuse: bool) -> dict:
    if reuse and (var / "static" / "staticfiles.json").exists():
        out = run([PY, str(BENCH / "web_data.py")], env)
        return dict(line.split("=", 1) for line in out.splitlines() if "=" in line)
    if fresh_sqlite:
        for suffix in ("", "-wal", "-shm"):
            Path(str(var / "db.sqlite3") + suffix).unlink(missing_ok=True)
    print("Preparing: migrate, seed_demo, benchmark data, collectstatic…", flush=True)
    run([PY, "manage.py", "migrate", "--noinput", "-v0"], env)
    run([PY, "manage.py", "seed_demo", "--force"], env)
    if not (var / "static" / "staticfiles.json").exists():
        run([PY, "manage.py", "collectstatic", "--noinput", "-v0"], env)
    out = run([PY, str(BENCH / "web_data.py")], env)
    return dict(line.split("=", 1) for line in out.splitlines() if "=" in line)


class Server:
    def __init__(self, app: str, env: dict, cpu: int):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        command = [*pin(cpu), GUNICORN, app, "--workers", "2", "--bind",
                   f"127.0.0.1:{self.port}", "--log-level", "warning", "--timeout", "60"]
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.2)
        self.stop()
        sys.exit(f"{app} did not start")

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)


def wrk(url: str, *, seconds: int, connections: int, cookie: str = "", method: str = "",
        body: str = "", expect: int | None = None, referer: str = "") -> dict:
    env = dict(os.environ)
    for key in ("WRK_METHOD", "WRK_BODY", "WRK_COOKIE", "WRK_CONTENT_TYPE", "EXPECT_STATUS",
                "WRK_REFERER"):
        env.pop(key, None)
    if cookie:
        env["WRK_COOKIE"] = cookie
    if method:
        env["WRK_METHOD"] = method
        env["WRK_BODY"] = body
        env["WRK_CONTENT_TYPE"] = "application/x-www-form-urlencoded"
    if expect:
        env["EXPECT_STATUS"] = str(expect)
    if referer:
        env["WRK_REFERER"] = referer
    command = [*pin(1), "wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s",
               "-s", str(LUA), url]
    out = subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout
    return json.loads([line for line in out.splitlines() if line.startswith("{")][-1])


def interleaved(bare_url: str, url: str, rounds: int, *, seconds: int, connections: int,
                **options) -> dict:
    """The page and the bare view in alternating runs (after a warm-up of both), so a
    change in the machine's load touches both sides of the ratio alike: requests/s
    over all rounds, the median round's p50 and p95, errors over all rounds."""
    warm = max(2, seconds // 3)
    wrk(bare_url, seconds=warm, connections=connections)
    wrk(url, seconds=warm, connections=connections, **options)
    page_runs, bare_runs = [], []
    for _ in range(rounds):
        bare_runs.append(wrk(bare_url, seconds=seconds, connections=connections))
        page_runs.append(wrk(url, seconds=seconds, connections=connections, **options))
    requests = sum(r["requests"] for r in page_runs)
    failed = sum(r["failed"] for r in page_runs)

    def median(key):
        return sorted(r[key] for r in page_runs)[len(page_runs) // 2]

    return {
        "requests": requests,
        "rps": sum(r["rps"] for r in page_runs) / rounds,
        "bare_rps": sum(r["rps"] for r in bare_runs) / rounds,
        "p50_ms": median("p50_ms"),
        "p95_ms": median("p95_ms"),
        "error_pct": 100 * failed / requests if requests else 0.0,
    }


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a redirect (to sign in, to set up a second factor) is an answer


def check_page(url: str, cookie: str = "") -> None:
    """Fail early, and clearly, when a page does not answer 200 itself: a redirect would
    measure the wrong page (wrk counts any status below 400 as served)."""
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    try:
        with urllib.request.build_opener(_NoRedirect).open(request, timeout=30) as response:
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    if status != 200:
        sys.exit(f"{url} answered {status}, not 200")


def draft_body(csrf: str) -> str:
    from urllib.parse import urlencode

    return urlencode({
        "csrfmiddlewaretoken": csrf, "country": "NL", "city_name": "Eindhoven", "is_group": "0",
        "population": "238326", "population_source": "CBS", "population_year": "2024",
        "members-TOTAL_FORMS": "3", "members-INITIAL_FORMS": "0", "members-MIN_NUM_FORMS": "0",
        "members-MAX_NUM_FORMS": "30", "save": "1",
    })


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=int(os.environ.get("BENCH_SECONDS", 5)))
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=int(os.environ.get("BENCH_ROUNDS", 3)))
    parser.add_argument("--reuse", action="store_true",
                        help="keep the previous run's database (quicker; not for the record)")
    parser.add_argument("--markdown", action="store_true", help="also print a README table")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed (apt-get install wrk; `make bench-web` does it).")

    var = ROOT / "var" / "bench"
    var.mkdir(parents=True, exist_ok=True)
    env = portal_env(var)
    sqlite = "DATABASE_URL" not in os.environ
    ids = prepare(env, var, fresh_sqlite=sqlite, reuse=args.reuse)
    csrf = secrets.token_urlsafe(24)[:32].replace("-", "a").replace("_", "b")

    bare = Server("bench.bare_app:application", {**env, "DJANGO_SETTINGS_MODULE": ""}, cpu=0)
    portal = Server("iuc_portal.wsgi:application", env, cpu=0)
    results: dict[str, dict] = {}
    try:
        def session(role):
            return f"sessionid={ids['session_' + role]}; csrftoken={csrf}"

        pages = [
            ("home", "/", ""),
            ("catalogue", "/programme/", ""),
            ("api", "/api/v1/partnerships/", ""),
            ("login", "/accounts/login/", ""),
            ("dashboard", "/applications/", session("official")),
            ("city", f"/applications/{ids['draft']}/edit/city/", session("drafter")),
            ("plan", f"/plans/{ids['plan']}/", session("official")),
            ("admin", "/admin/applications/application/", session("staff")),
        ]
        for _, path, cookie in pages:
            check_page(portal.url + path, cookie)
        measure = {"seconds": args.seconds, "connections": args.connections}
        bare_url = bare.url + "/"
        for name, path, cookie in pages:
            print(f"  {LABELS[name]}…", flush=True)
            results[name] = interleaved(bare_url, portal.url + path, args.rounds,
                                        cookie=cookie, expect=200, **measure)
        print(f"  {LABELS['drafts']}…", flush=True)
        draft_url = portal.url + f"/applications/{ids['draft']}/edit/city/"
        results["drafts"] = interleaved(
            bare_url, draft_url, args.rounds, cookie=session("drafter"), method="POST",
            body=draft_body(csrf), expect=302, referer=draft_url, **measure)
        print(f"  {LABELS['admin-1000']}…", flush=True)
        portal.stop()
        run([PY, str(BENCH / "web_data.py"), "--applications", "1000"], env)
        portal = Server("iuc_portal.wsgi:application", env, cpu=0)
        check_page(portal.url + "/admin/applications/application/", session("staff"))
        results["admin-1000"] = interleaved(
            bare_url, portal.url + "/admin/applications/application/", args.rounds,
            cookie=session("staff"), expect=200, **measure)
    finally:
        bare.stop()
        portal.stop()

    database = "SQLite (embedded default)" if sqlite else "PostgreSQL" + (
        " + Redis cache" if os.environ.get("REDIS_URL") else "")
    load = os.getloadavg()
    bare_all = [r["bare_rps"] for r in results.values()]
    header = (f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC · {database} · gunicorn 2 workers"
              f"{' on CPU 0' if pin(0) else ''} · wrk {args.connections} connections, "
              f"{args.rounds} × {args.seconds} s per page interleaved with the bare view · "
              f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} · bare view "
              f"{min(bare_all):.0f}–{max(bare_all):.0f} req/s")
    rows = [("bare Django view", f"{sum(bare_all) / len(bare_all):.1f}", "", "", "", "1×",
             "—", "")]
    failed_goal = False
    for name, goal in GOALS.items():
        r = results[name]
        ratio = r["rps"] / r["bare_rps"]
        if goal is None:
            goal_text, ok = "0 % errors", r["error_pct"] == 0 and r["requests"] > 0
        elif goal == 0:
            goal_text, ok = "—", r["error_pct"] == 0
        else:
            goal_text, ok = f"≥ {goal}×", ratio >= goal and r["error_pct"] == 0
        failed_goal |= not ok
        rows.append((LABELS[name], f"{r['rps']:.1f}", f"{r['p50_ms']:.0f}", f"{r['p95_ms']:.0f}",
                     f"{r['error_pct']:.1f}", f"{ratio:.3f}×", goal_text,
                     "yes" if ok else "NO"))
    titles = ("page", "req/s", "p50 ms", "p95 ms", "error %", "ratio to bare", "goal", "met")
    widths = [max(len(str(row[i])) for row in [titles, *rows]) for i in range(len(titles))]
    print()
    print(header)
    for row in [titles, *rows]:
        print("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)))
    if args.markdown:
        print()
        print(header)
        print()
        print("| " + " | ".join(titles) + " |")
        print("|" + "---|" * len(titles))
        for row in rows:
            print("| " + " | ".join(row) + " |")
    sys.exit(1 if failed_goal else 0)


if __name__ == "__main__":
    main()
