from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from action_plans.demo import seed_plan_progress
from applications.demo import seed_applications, seed_calls
from assessments.demo import seed_assessment
from iuc_portal.accounts.services import ensure_user
from pairings.demo import publish_demo_pairs, seed_pairings, seed_proposal

DEMO_PASSWORD = "iuc-demo-2019"  # noqa: S105 - demo accounts on a developer's machine only

DEMO_ACCOUNTS = [
    # (email, full name, staff, language)
    ("staff@iuc.example.eu", "Paula Programme (staff)", True, "en"),
    ("rotterdam@city.example.eu", "Rotterdam city official", False, "en"),
    ("almada@city.example.eu", "Almada city official", False, "pt"),
    ("buenosaires@city.example.eu", "Buenos Aires city official", False, "es"),
    ("belohorizonte@city.example.eu", "Belo Horizonte city official", False, "pt"),
]


class Command(BaseCommand):
    help = "Create the demo calls and accounts (idempotent: safe to run again)."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Allow seeding when DEBUG is off.")

    def handle(self, *args, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError("Refusing to seed demo accounts with DEBUG off; use --force.")
        with transaction.atomic():
            calls = seed_calls()
            users = {
                email: ensure_user(
                    email=email,
                    password=DEMO_PASSWORD,
                    full_name=name,
                    staff=staff,
                    language=language,
                )[0]
                for email, name, staff, language in DEMO_ACCOUNTS
            }
            seed_applications(calls)
            staff = users["staff@iuc.example.eu"]
            pairings = seed_pairings(calls["demo-2025"], by=staff)
            seed_plan_progress(pairings, by=staff)
            assessment_accounts = seed_assessment(calls["demo"], password=DEMO_PASSWORD)
            seed_proposal(calls["demo-2025"], by=staff)
            publish_demo_pairs(pairings, by=staff)
        self.stdout.write(self.style.SUCCESS(f"Demo calls: {', '.join(sorted(calls))}"))
        self.stdout.write(f"Demo accounts (password for all: {DEMO_PASSWORD}):")
        for email, _name, staff, _language in DEMO_ACCOUNTS:
            role = (
                "staff, /admin/ (first visit: set up an authenticator app, see README)"
                if staff else "city official"
            )
            self.stdout.write(f"  {email:32} {role}")
        for email, role in assessment_accounts:
            self.stdout.write(f"  {email:32} {role}")
