"""Data the web benchmark needs beyond the demo (``seed_demo``): an official with a
draft (for the draft-save and `city` section pages) and, on request, many submitted
applications in a call of their own (for the admin list at 1,000 applications).

Idempotent; run as ``python bench/web_data.py [--applications N]`` with the portal's
environment. Prints the ids the benchmark needs as ``key=value`` lines.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "iuc_portal.settings")

import django  # noqa: E402

django.setup()

from allauth.account.models import EmailAddress  # noqa: E402
from django.utils import timezone  # noqa: E402

from action_plans.models import LocalActionPlan  # noqa: E402
from applications import services  # noqa: E402
from applications.models import (  # noqa: E402
    Application,
    ApplicationStatus,
    ApplicationTheme,
    Call,
    Side,
    Theme,
)
from iuc_portal.accounts.models import User  # noqa: E402

PASSWORD = "iuc-bench-2019"  # noqa: S105 - a throwaway benchmark account
OFFICIAL = "bench-official@city.example.eu"


def official(email: str = OFFICIAL) -> User:
    user, created = User.objects.get_or_create(email=email)
    if created or not user.check_password(PASSWORD):
        user.set_password(PASSWORD)
        user.save()
    EmailAddress.objects.get_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user


def bench_draft() -> Application:
    user = official()
    existing = Application.objects.filter(owner=user, status=ApplicationStatus.DRAFT).first()
    if existing:
        return existing
    call = Call.objects.get(slug="demo")
    return services.start_application(
        call=call,
        by=user,
        country="NL",
        city_name="Eindhoven",
        changes={"population": 238_326, "population_source": "CBS", "population_year": 2024},
        members=[],
    )


def many_applications(count: int) -> Call:
    """A closed call with `count` submitted applications (bulk, no e-mails)."""
    now = timezone.now()
    call, _ = Call.objects.get_or_create(
        slug="bench-many",
        defaults={
            "name": "Benchmark call (many applications)",
            "opens_at": now - timedelta(days=60),
            "closes_at": now - timedelta(days=1),
            "time_zone": "Europe/Brussels",
            "partner_countries": ["JP", "CN", "US", "BR"],
        },
    )
    have = call.applications.count()
    if have >= count:
        return call
    countries = ["NL", "DE", "FR", "IT", "ES", "PT", "JP", "CN", "US", "BR"]
    themes = list(Theme.objects.order_by("position")[:5])
    rows = [
        Application(
            call=call,
            status=ApplicationStatus.SUBMITTED,
            side=Side.EU if countries[i % 10] in {"NL", "DE", "FR", "IT", "ES", "PT"}
            else Side.PARTNER,
            city_name=f"Bench city {i:05d}",
            country=countries[i % 10],
            population=100_000 + i,
            contact_name=f"Contact {i}",
            contact_email=f"contact{i}@city.example.eu",
            submitted_at=now - timedelta(days=2, minutes=i),
        )
        for i in range(have, count)
    ]
    created = Application.objects.bulk_create(rows, batch_size=500)
    ApplicationTheme.objects.bulk_create(
        [
            ApplicationTheme(application=app, theme=theme, priority=p)
            for app in created
            for p, theme in enumerate(themes[:3], start=1)
        ],
        batch_size=1000,
    )
    return call


def second_factor(email: str) -> None:
    """Staff open staff pages only with an authenticator (TOTP) activated."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    user = User.objects.get(email=email)
    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, generate_totp_secret())


def session_for(email: str) -> str:
    """A signed-in session for this account, as the login form would leave it."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    user = User.objects.get(email=email)
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session.session_key


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--applications", type=int, default=0)
    args = parser.parse_args()
    draft = bench_draft()
    if args.applications:
        many_applications(args.applications)
    plan = LocalActionPlan.objects.filter(application__owner__email="rotterdam@city.example.eu")
    second_factor("staff@iuc.example.eu")
    print(f"draft={draft.pk}")
    print(f"plan={plan.values_list('pk', flat=True).first()}")
    print(f"applications={Application.objects.count()}")
    print(f"call={draft.call_id}")
    for role, email in [("official", "rotterdam@city.example.eu"), ("drafter", OFFICIAL),
                        ("staff", "staff@iuc.example.eu")]:
        print(f"session_{role}={session_for(email)}")


if __name__ == "__main__":
    main()
