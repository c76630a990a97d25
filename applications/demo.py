"""Demo calls for `seed_demo` (DESIGN.md contract): idempotent, keyed by slug."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext_noop
from modeltranslation.utils import build_localized_fieldname

from .models import Call

BRUSSELS = ZoneInfo("Europe/Brussels")
PARTNERS_2019 = ["JP", "CN", "US", "CA", "MX", "BR", "AR", "PE", "CL", "CO"]


def seed_calls() -> dict[str, Call]:
    now = timezone.now()
    specs = {
        "iuc-2019": {
            "name": gettext_noop("IUC call for cities 2019"),
            "description": gettext_noop(
                "The International Urban Cooperation call for cities of 2019: EU cities "
                "paired with cities in Asia, North America and Latin America."
            ),
            "opens_at": datetime(2019, 1, 15, 9, 0, tzinfo=BRUSSELS),
            # On time through 8 March 2019, 23:59:59 Brussels; late from 00:00 on 9 March.
            "closes_at": datetime(2019, 3, 9, 0, 0, tzinfo=BRUSSELS),
            "partner_countries": PARTNERS_2019,
        },
        "demo": {
            "name": gettext_noop("Demo call (open)"),
            "description": gettext_noop("An open call to try the portal: apply for your city."),
            "opens_at": (now - timedelta(days=30)).replace(microsecond=0),
            "closes_at": _midnight_brussels(now + timedelta(days=120)),
            "partner_countries": PARTNERS_2019 + ["IN", "KR"],
        },
        "demo-2025": {
            "name": gettext_noop("Demo call 2025 (closed, pairs at work)"),
            "description": gettext_noop(
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
        texts = {"name": fields["name"], "description": fields["description"]}
        _fill_missing_translations(call, texts)
        calls[slug] = call
    return calls


def _fill_missing_translations(call: Call, texts: dict[str, str]) -> None:
    """Give the demo texts every shipped language, leaving what staff already wrote."""
    changed = []
    for field, english in texts.items():
        for code, _label in settings.LANGUAGES:
            column = build_localized_fieldname(field, code)
            if not getattr(call, column):
                with translation.override(code):
                    setattr(call, column, translation.gettext(english))
                changed.append(column)
    if changed:
        call.save(update_fields=changed)


def _midnight_brussels(moment: datetime) -> datetime:
    local = moment.astimezone(BRUSSELS)
    return datetime(local.year, local.month, local.day, tzinfo=BRUSSELS) + timedelta(days=1)


# Real cities of the programme, for orientation (DESIGN.md). Columns: the import contract.
_HEADER = (
    "side,city,country,population,themes,preferred_regions,preferred_countries,languages,"
    "capacity,contact_name,contact_email,motivation,submitted_at"
)

DEMO_OPEN_ROWS = [
    "eu,Barcelona,ES,1620343,housing|urban-poverty|inclusion-of-migrants-and-refugees,"
    "north-america,US,es|en,1,Laia Puig,intl@barcelona.example.es,"
    "Affordable housing for a growing city.,",
    "eu,Parma,IT,196518,inclusion-of-migrants-and-refugees|jobs-and-skills,north-america,CA,"
    "it|en,1,Giulia Rossi,europa@parma.example.it,Equal opportunities for newcomers.,",
    "partner,Guangzhou,CN,13858700,circular-economy|smart-cities|air-quality,eu,,zh|en,1,"
    "Li Wei,ir@guangzhou.example.cn,Circular economy in a megacity.,",
]

DEMO_2025_ROWS = [
    "eu,Rotterdam,NL,651446,climate-adaptation|water-and-sanitation|circular-economy,asia,IN,"
    "nl|en,1,Ana de Vries,rotterdam@city.example.eu,Flood risk and wastewater.,"
    "2025-02-20T10:00:00+01:00",
    "eu,Rome,IT,2755309,air-quality|circular-economy|urban-mobility,asia,CN,it|en,1,"
    "Marco Bianchi,intl@roma.example.it,Cleaner air and less waste.,2025-02-21T11:00:00+01:00",
    "eu,Almada,PT,177400,urban-mobility|water-and-sanitation|energy-transition,"
    "latin-america-caribbean,BR,pt|en,1,Rita Almeida,almada@city.example.eu,"
    "Mobility and energy efficiency.,2025-02-22T09:30:00+01:00",
    "eu,Bologna,IT,390625,sustainable-consumption|climate-adaptation|circular-economy,"
    "north-america|asia,US|CN,it|en,2,Elena Neri,estero@bologna.example.it,"
    "Food systems and resilience.,2025-02-23T12:00:00+01:00",
    "eu,Gdańsk,PL,486022,energy-transition|urban-mobility|smart-cities,,,pl|en,1,"
    "Piotr Nowak,intl@gdansk.example.pl,A just energy transition.,2025-02-24T15:00:00+01:00",
    "eu,Ioannina,GR,113094,culture-and-heritage|sustainable-land-use,asia,JP,el|en,1,"
    "Eleni Papadopoulou,intl@ioannina.example.gr,Heritage and nature.,"
    "2025-02-25T16:00:00+01:00",
    "partner,Surat,IN,4467797,climate-adaptation|water-and-sanitation,eu,NL,en|hi,1,"
    "Priya Shah,ir@surat.example.in,Flood resilience of a river city.,2025-02-20T08:00:00+01:00",
    "partner,Yantai,CN,7102116,air-quality|circular-economy,eu,IT,zh|en,1,Zhang Min,"
    "ir@yantai.example.cn,Air quality in a port city.,2025-02-21T08:00:00+01:00",
    "partner,Belo Horizonte,BR,2315560,urban-mobility|water-and-sanitation|energy-transition,"
    "eu,PT,pt|en,1,Carla Souza,ri@bh.example.br,Mobility and water.,2025-02-22T08:00:00+01:00",
    "partner,Austin,US,961855,sustainable-consumption|climate-adaptation|circular-economy,eu,"
    "IT,en|es,1,Sam Taylor,intl@austin.example.us,Food systems and resilience.,"
    "2025-02-23T08:00:00+01:00",
    "partner,Buenos Aires,AR,3075646,housing|inclusion-of-migrants-and-refugees|urban-mobility,"
    "eu,ES,es|en,1,Lucía Fernández,buenosaires@city.example.eu,Inclusive neighbourhoods.,"
    "2025-02-24T08:00:00+01:00",
    "partner,Kyoto,JP,1463723,culture-and-heritage|climate-adaptation,eu,,ja|en,1,"
    "Haruto Sato,intl@kyoto.example.jp,Heritage in a changing climate.,"
    "2025-02-25T08:00:00+01:00",
]

# Which demo official owns which application (their dashboards then show it).
DEMO_OWNERS = {
    ("demo-2025", "Rotterdam"): "rotterdam@city.example.eu",
    ("demo-2025", "Almada"): "almada@city.example.eu",
    ("demo-2025", "Buenos Aires"): "buenosaires@city.example.eu",
    ("demo-2025", "Belo Horizonte"): "belohorizonte@city.example.eu",
}


def seed_applications(calls: dict[str, Call]) -> None:
    """Import the demo applications once per call (a later run leaves them as staff left them)."""
    from iuc_portal.accounts.models import User

    from .importing import import_applications_csv

    batches = [("demo", DEMO_OPEN_ROWS, False), ("demo-2025", DEMO_2025_ROWS, True)]
    for slug, rows, accept in batches:
        call = calls[slug]
        if call.applications.exists():
            continue
        report = import_applications_csv(
            "\n".join([_HEADER, *rows]), call=call, accept=accept, allow_late=True
        )
        if not report.ok:
            raise RuntimeError(f"demo data for {slug} does not import: {report.errors}")
    for (slug, city), email in DEMO_OWNERS.items():
        owner = User.objects.filter(email=email).first()
        if owner:
            calls[slug].applications.filter(city_name=city, owner=None).update(owner=owner)
