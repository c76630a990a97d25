"""Helper process for test_sqlite_concurrency: not a test module.

`setup`: creates a call, an official and a draft on the SQLite file of DATABASE_URL.
`save N`: saves that draft N times through `services.update_draft`, printing one line
per failure, so several of these running at once show whether SQLite waits or fails.
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "iuc_portal.settings")

import django  # noqa: E402

django.setup()

from applications import services  # noqa: E402
from applications.models import Application  # noqa: E402


def setup() -> None:
    from tests.factories import CallFactory, UserFactory

    call = CallFactory(slug="concurrency")
    official = UserFactory(email="official@city.example.eu")
    services.start_application(
        call=call, by=official, country="NL", city_name="Rotterdam",
        changes={"population": 651_446}, members=[],
    )


def save(times: int) -> int:
    failures = 0
    for number in range(times):
        application = Application.objects.select_related("call", "owner").get()
        try:
            services.update_draft(
                application=application,
                by=application.owner,
                changes={"contact_name": f"Process {os.getpid()} save {number}"},
                members=[],
            )
        except Exception as error:  # noqa: BLE001 - every failure is reported
            failures += 1
            print(f"{type(error).__name__}: {error}", flush=True)
    return failures


if __name__ == "__main__":
    if sys.argv[1] == "setup":
        setup()
    else:
        sys.exit(1 if save(int(sys.argv[2])) else 0)
