"""Browser tests: Playwright drives Debian's Chromium (no browser download here)."""

import os
import shutil

import pytest

# Playwright's sync API runs an event loop in the test thread; the Django ORM calls
# the tests make around it are still synchronous, one at a time.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    from tests.conftest import require

    require(os.path.exists(CHROMIUM), f"Chromium not found at {CHROMIUM}")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture
def site(live_server, transactional_db, django_db_serialized_rollback):
    """The live server's base URL, on a database holding just the migrations' rows
    (restored by tests/conftest.py when a previous test emptied it)."""
    return live_server.url


@pytest.fixture
def page(page):
    """Fail in seconds, not half a minute, when an element does not show up."""
    page.set_default_timeout(10_000)
    return page
