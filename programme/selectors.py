"""The programme in public: what anyone may read about the partnerships.

Everything public comes from `public_programme()`: the published pairings (both cities
agreed, see pairings.selectors.published_pairings) reduced to plain, public fields.
The catalogue, the map, the home page figures and the open data API all read it, so a
field that is not put here can never leak through any of them.

The bundle is built in a fixed number of queries and cached under a stamp: the latest
change recorded in the history of pairings, plans, milestones, pilots, MoUs and
applications, and the rows of calls and themes. Any write (service, admin, shell)
leaves a history row, so a change invalidates the cache at once without signals. The
API's ETag and Last-Modified follow the public content itself, not the stamp.
"""

from __future__ import annotations

import hashlib
import pickle
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache

from django.core.cache import cache
from django.db import connection
from django.db.models import Prefetch
from django.utils import timezone, translation
from django_countries import countries

from action_plans.models import LocalActionPlan, Milestone, Mou, PilotProject
from action_plans.services import progress_of
from applications.geonames import known_coordinates
from applications.models import Application, Call, Theme
from iuc_portal.geography import REGION_NAMES, region_of
from pairings.models import Pairing, Publication
from pairings.selectors import published_pairings

PUBLIC_STATUSES = ("confirmed", "active", "completed")
CACHE_SECONDS = 24 * 3600
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


# --- The stamp: when did anything public last change? ------------------------------


@lru_cache(maxsize=1)
def _stamp_sql() -> str:
    # Table names come from the models, never from a request.
    quote = connection.ops.quote_name
    latest = [f"(SELECT MAX(history_date) FROM {quote(t)})" for t in _history_tables()]  # noqa: S608
    return "SELECT " + ", ".join(latest)


@lru_cache(maxsize=1)
def _reference_sql() -> tuple[str, str]:
    """Every column of every call (and whether it has opened and closed by now) and of
    every theme: few rows, and a renamed call or theme must show at once."""
    quote = connection.ops.quote_name
    call, theme = quote(Call._meta.db_table), quote(Theme._meta.db_table)
    return (
        f"SELECT *, {quote('opens_at')} <= %s, {quote('closes_at')} <= %s "  # noqa: S608
        f"FROM {call} ORDER BY {quote('id')}",
        f"SELECT * FROM {theme} ORDER BY {quote('id')}",  # noqa: S608
    )


@lru_cache(maxsize=1)
def _postgresql_stamp_sql() -> str:
    """The same stamp in one round trip. Each call and theme row is named by its id, its
    `xmin` (the transaction that wrote its current version) and its `ctid` (where that
    version lies; a second write in one transaction moves it): any write changes them,
    and reading them does not open the long call texts. The calls that have opened
    and closed by now are counted: time only moves forward, so the counts change exactly
    when those sets do."""
    quote = connection.ops.quote_name
    call, theme = quote(Call._meta.db_table), quote(Theme._meta.db_table)
    opens, closes, id_ = quote("opens_at"), quote("closes_at"), quote("id")
    versions = (
        "(SELECT string_agg({id}::text || ':' || xmin::text || ':' || ctid::text, ','"
        " ORDER BY {id}) FROM {t})"
    )
    # Table and column names come from the models, never from a request.
    parts = [
        _stamp_sql(),
        versions.format(id=id_, t=call),
        versions.format(id=id_, t=theme),
        f"(SELECT COUNT(*) FROM {call} WHERE {opens} <= %s)",  # noqa: S608
        f"(SELECT COUNT(*) FROM {call} WHERE {closes} <= %s)",  # noqa: S608
    ]
    return ", ".join(parts)


@lru_cache(maxsize=1)
def _history_tables() -> tuple[str, ...]:
    # `Model.history` builds a manager class on each access: read the names once.
    return tuple(
        model.history.model._meta.db_table
        for model in (Pairing, Application, LocalActionPlan, Milestone, PilotProject, Mou)
    )


def data_stamp() -> tuple[datetime, str]:
    """(last change, version) of what public pages may show, read with raw SQL (no ORM:
    the public pages' cache asks on every request): the latest history row of pairings,
    applications and plans, and the calls and themes themselves. One query on
    PostgreSQL, where each is a round trip; three small ones on the embedded SQLite."""
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(_postgresql_stamp_sql(), [now, now])
            row = cursor.fetchone()
            tables = len(_history_tables())
            history, reference = row[:tables], row[tables:]
        else:
            calls_sql, themes_sql = _reference_sql()
            cursor.execute(_stamp_sql())
            history = cursor.fetchone()
            cursor.execute(calls_sql, [now, now])
            calls = cursor.fetchall()
            cursor.execute(themes_sql)
            reference = (calls, cursor.fetchall())
    moments = [_as_datetime(value) for value in history if value is not None]
    changed = max(moments, default=EPOCH)
    # pickle, not repr: six times quicker on these rows, and as faithful for plain values.
    key = hashlib.sha1(  # noqa: S324 - a cache key, not security
        pickle.dumps((history, reference), protocol=5)
    ).hexdigest()[:16]
    return changed, key


def _as_datetime(value) -> datetime:
    if isinstance(value, str):  # SQLite returns the text of the column from a raw MAX()
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


# --- The bundle ------------------------------------------------------------------


def _population(application: Application) -> int | None:
    if application.population:
        return application.population
    total = sum(m.population for m in application.municipalities.all())
    return total or None


def _city(application: Application) -> dict:
    latitude, longitude = application.latitude, application.longitude
    if latitude is None or longitude is None:
        found = known_coordinates(application.city_name, application.country.code)
        latitude, longitude = found if found else (None, None)
    return {
        "city": application.city_name,
        "country": application.country.code,
        "population": _population(application),
        "latitude": None if latitude is None else round(latitude, 4),
        "longitude": None if longitude is None else round(longitude, 4),
        "region": region_of(application.country.code) or "",
    }


def _themes(pairing: Pairing) -> list[str]:
    if pairing.shared_themes:
        return list(pairing.shared_themes)
    partner = {c.theme.slug for c in pairing.partner_application.theme_choices.all()}
    return [c.theme.slug for c in pairing.eu_application.theme_choices.all()
            if c.theme.slug in partner]


def _plan_summary(plan: LocalActionPlan) -> dict:
    """The public part of a plan: never its context, stakeholders, notes or evidence."""
    return {
        "city": plan.application.city_name,
        "objectives": plan.objectives,
        "progress": progress_of(plan.milestones.all()),
        "pilot_projects": [
            {"title": p.title, "funding_status": p.funding_status}
            for p in plan.pilot_projects.all()
        ],
        "mous": [
            {"title": m.title, "signed_on": m.signed_on.isoformat()} for m in plan.mous.all()
        ],
    }


def _build() -> dict:
    city_prefetch = ["municipalities", "theme_choices__theme"]
    pairings = (
        published_pairings()
        .select_related("call", "eu_application", "partner_application")
        .prefetch_related(
            *[f"{side}_application__{p}" for side in ("eu", "partner") for p in city_prefetch],
            Prefetch(
                "plans",
                queryset=LocalActionPlan.objects.select_related("application").prefetch_related(
                    "milestones", "pilot_projects", "mous"
                ),
            ),
        )
        .order_by("-start_date", "-id")
    )
    partnerships = []
    for pairing in pairings:
        sharing = {
            app_id
            for app_id, choice in (
                (pairing.eu_application_id, pairing.eu_publication),
                (pairing.partner_application_id, pairing.partner_publication),
            )
            if choice == Publication.WITH_PLAN
        }
        partnerships.append({
            "id": pairing.pk,
            "call": pairing.call.slug,
            "call_name": pairing.call.name,
            "status": pairing.status,
            "start_date": pairing.start_date.isoformat() if pairing.start_date else None,
            "eu": _city(pairing.eu_application),
            "partner": _city(pairing.partner_application),
            "themes": _themes(pairing),
            "plans": [
                _plan_summary(plan)
                for plan in sorted(pairing.plans.all(), key=lambda p: p.application.side)
                if plan.application_id in sharing
            ],
        })
    return {
        "partnerships": partnerships,
        "themes": [(t.slug, t.name) for t in Theme.objects.order_by("position", "name")],
        "calls": [(c.slug, c.name) for c in Call.objects.order_by("-closes_at")],
    }


@dataclass
class Programme:
    """The public programme. `key` changes with any recorded change (the cache's version);
    `content_key` and `changed` only when what the public sees changes (the API's ETag and
    Last-Modified: a city editing its draft must not make every client download again)."""

    changed: datetime
    key: str
    content_key: str
    partnerships: list[dict]
    themes: list[tuple[str, str]]
    calls: list[tuple[str, str]]

    @property
    def theme_names(self) -> dict[str, str]:
        return dict(self.themes)


# The last bundle this process read, so a warm worker skips even the shared cache.
_last_bundle: tuple[str, dict] | None = None


def _content_changed(language: str, content_key: str, stamp: datetime) -> datetime:
    """When the public content last changed: the stamp of the first build that produced
    it (a later build from a private change finds the same content and keeps the time)."""
    memo = f"programme:public:content:{connection.settings_dict['NAME']}:{language}"
    seen = cache.get(memo)
    if seen is not None and seen[0] == content_key:
        return seen[1]
    cache.set(memo, (content_key, stamp), None)
    return stamp


def public_programme() -> Programme:
    """The whole public programme: three small queries when cached, a fixed number
    otherwise."""
    global _last_bundle
    stamp, key = data_stamp()
    # Per language: the bundle holds translated theme and call names.
    language = translation.get_language() or "en"
    cache_key = f"programme:public:v3:{connection.settings_dict['NAME']}:{language}:{key}"
    if _last_bundle is not None and _last_bundle[0] == cache_key:
        bundle = _last_bundle[1]
    else:
        bundle = cache.get(cache_key)
        if bundle is None:
            bundle = _build()
            content_key = hashlib.sha1(repr(bundle).encode()).hexdigest()[:16]  # noqa: S324
            bundle["content_key"] = content_key
            bundle["changed"] = _content_changed(language, content_key, stamp)
            cache.set(cache_key, bundle, CACHE_SECONDS)
        _last_bundle = (cache_key, bundle)
    return Programme(key=key, **bundle)


# --- Filters (shared by the catalogue, the map and the API) --------------------------


class FilterError(ValueError):
    pass


FILTER_NAMES = ("region", "country", "theme", "call", "status")


@dataclass
class Filters:
    region: str = ""
    country: str = ""
    theme: str = ""
    call: str = ""
    status: str = ""
    q: str = ""
    errors: list[str] = field(default_factory=list)

    def as_params(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in (*FILTER_NAMES, "q") if getattr(self, name)}


def parse_filters(params, programme: Programme, *, strict: bool) -> Filters:
    """Read the filters from query parameters; unknown values are named in `errors`.

    With strict=True (the API) the first unknown value raises FilterError.
    """
    from django.utils.translation import gettext as _

    filters = Filters(q=(params.get("q") or "").strip()[:100])
    known = {
        "region": (set(REGION_NAMES), _("Unknown region “%(value)s”; use one of: %(known)s.")),
        "country": (
            {code for code, _name in countries},
            _("Unknown country “%(value)s”; use an ISO 3166-1 alpha-2 code such as NL."),
        ),
        "theme": (
            {slug for slug, _name in programme.themes},
            _("Unknown theme “%(value)s”; see /api/v1/themes/ for the theme slugs."),
        ),
        "call": (
            {slug for slug, _name in programme.calls},
            _("Unknown call “%(value)s”; see /api/v1/calls/ for the call slugs."),
        ),
        "status": (set(PUBLIC_STATUSES), _("Unknown status “%(value)s”; use one of: %(known)s.")),
    }
    for name in FILTER_NAMES:
        value = (params.get(name) or "").strip()
        if not value:
            continue
        if name == "country":
            value = value.upper()
        allowed, message = known[name]
        if value not in allowed:
            error = message % {"value": value[:60], "known": ", ".join(sorted(allowed))}
            if strict:
                raise FilterError(error)
            filters.errors.append(error)
            continue
        setattr(filters, name, value)
    return filters


def _matches(item: dict, filters: Filters) -> bool:
    cities = (item["eu"], item["partner"])
    if filters.region and filters.region not in (c["region"] for c in cities):
        return False
    if filters.country and filters.country not in (c["country"] for c in cities):
        return False
    if filters.theme and filters.theme not in item["themes"]:
        return False
    if filters.call and item["call"] != filters.call:
        return False
    if filters.status and item["status"] != filters.status:
        return False
    if filters.q:
        haystack = " ".join(
            [c["city"] for c in cities]
            + [str(countries.name(c["country"])) for c in cities]
            + [_english_country(c["country"]) for c in cities]
            + [item["call_name"]]
        )
        if _folded(filters.q) not in _folded(haystack):
            return False
    return True


def _folded(text: str) -> str:
    """Text compared without case or accents: "sao" finds São Paulo."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


@lru_cache(maxsize=512)
def _english_country(code: str) -> str:
    """The English name too, so a search in English finds a country on any page."""
    with translation.override("en"):
        return str(countries.name(code))


SORTS = {
    "newest": lambda item: (item["start_date"] or "", item["id"]),
    "eu-city": lambda item: (item["eu"]["city"].casefold(), item["partner"]["city"].casefold()),
    "partner-city": lambda item: (
        item["partner"]["city"].casefold(), item["eu"]["city"].casefold()
    ),
}


def filtered(programme: Programme, filters: Filters, *, sort: str = "newest") -> list[dict]:
    items = [item for item in programme.partnerships if _matches(item, filters)]
    if sort != "newest" and sort in SORTS:
        items.sort(key=SORTS[sort])
    return items  # the bundle is already newest first


def partnership(programme: Programme, pk: int) -> dict | None:
    return next((item for item in programme.partnerships if item["id"] == pk), None)


# --- Figures for the home page ---------------------------------------------------------


@dataclass
class Figures:
    cities: int
    countries: int
    partnerships: int
    pilot_projects: int


def figures(programme: Programme) -> Figures:
    cities, country_codes, pilots = set(), set(), 0
    for item in programme.partnerships:
        for side in ("eu", "partner"):
            cities.add((item[side]["country"], item[side]["city"]))
            country_codes.add(item[side]["country"])
        pilots += sum(len(plan["pilot_projects"]) for plan in item["plans"])
    return Figures(
        cities=len(cities),
        countries=len(country_codes),
        partnerships=len(programme.partnerships),
        pilot_projects=pilots,
    )
