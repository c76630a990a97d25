"""Demo calls for `seed_demo` (DESIGN.md contract): idempotent, keyed by slug."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from .models import Call

BRUSSELS = ZoneInfo("Europe/Brussels")
PARTNERS_2019 = ["JP", "CN", "US", "CA", "MX", "BR", "AR", "PE", "CL", "CO"]


def seed_calls() -> dict[str, Call]:
    now = timezone.now()
    specs = {
        "iuc-2019": {
            "name": "IUC call for cities 2019",
            "description": (
                "The International Urban Cooperation call for cities of 2019: EU cities "
                "paired with cities in Asia, North America and Latin America."
            ),
            "opens_at": datetime(2019, 1, 15, 9, 0, tzinfo=BRUSSELS),
            # On time through 8 March 2019, 23:59:59 Brussels; late from 00:00 on 9 March.
            "closes_at": datetime(2019, 3, 9, 0, 0, tzinfo=BRUSSELS),
            "partner_countries": PARTNERS_2019,
        },
        "demo": {
            "name": "Demo call (open)",
            "description": "An open call to try the portal: apply for your city.",
            "opens_at": (now - timedelta(days=30)).replace(microsecond=0),
            "closes_at": _midnight_brussels(now + timedelta(days=120)),
            "partner_countries": PARTNERS_2019 + ["IN", "KR"],
        },
        "demo-2025": {
            "name": "Demo call 2025 (closed, pairs at work)",
            "description": (
                "A closed call whose cities are paired and run their Local Action Plans."
            ),
            "opens_at": datetime(2025, 1, 10, 9, 0, tzinfo=BRUSSELS),
            "closes_at": datetime(2025, 3, 9, 0, 0, tzinfo=BRUSSELS),
            "partner_countries": PARTNERS_2019 + ["IN"],
        },
    }
    calls = {}
    for slug, fields in specs.items():
        # Only create: a re-run must not undo what staff changed in the admin.
        call, _ = Call.objects.get_or_create(
            slug=slug, defaults={**fields, "time_zone": "Europe/Brussels"}
        )
        calls[slug] = call
    return calls


def _midnight_brussels(moment: datetime) -> datetime:
    local = moment.astimezone(BRUSSELS)
    return datetime(local.year, local.month, local.day, tzinfo=BRUSSELS) + timedelta(days=1)
