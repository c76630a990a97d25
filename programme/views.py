"""Public pages: the catalogue of published partnerships, one page per partnership, the
map, and the home page's figures. All read selectors.public_programme()."""

import uuid
from datetime import date
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from action_plans.models import FundingStatus
from applications import selectors as call_selectors
from iuc_portal.geography import REGION_NAMES
from pairings.models import PairingStatus

from . import selectors, worldmap
from .page_cache import share

PAGE_SIZE = 20
SORT_CHOICES = [
    ("newest", gettext_lazy("Newest first")),
    ("eu-city", gettext_lazy("EU city, A–Z")),
    ("partner-city", gettext_lazy("Partner city, A–Z")),
]
# One colour per partner region on the map (classes in portal.css).
REGION_CLASSES = {
    "asia": "region-asia",
    "north-america": "region-north-america",
    "latin-america-caribbean": "region-latin-america",
}


def _day(iso: str | None) -> date | None:
    return date.fromisoformat(iso) if iso else None


def _present(item: dict, theme_names: dict[str, str]) -> dict:
    """A public item with its labels in the visitor's language, and its dates as dates
    (the bundle keeps ISO text, which the API serves as is; pages show them localised)."""
    return {
        **item,
        "start_day": _day(item["start_date"]),
        "status_label": PairingStatus(item["status"]).label,
        "theme_labels": [_(theme_names.get(slug, slug)) for slug in item["themes"]],
        "plans": [
            {
                **plan,
                "pilot_projects": [
                    {**pilot, "funding_label": FundingStatus(pilot["funding_status"]).label}
                    for pilot in plan["pilot_projects"]
                ],
                "mous": [{**mou, "signed_day": _day(mou["signed_on"])} for mou in plan["mous"]],
            }
            for plan in item["plans"]
        ],
    }


def _filter_options(programme: selectors.Programme) -> dict:
    from django_countries import countries

    codes = {item[side]["country"] for item in programme.partnerships for side in ("eu", "partner")}
    return {
        "regions": [(slug, name) for slug, name in REGION_NAMES.items()],
        "countries": sorted(((c, countries.name(c)) for c in codes), key=lambda c: str(c[1])),
        "themes": [(slug, _(name)) for slug, name in programme.themes],
        "calls": programme.calls,
        "statuses": [(s, PairingStatus(s).label) for s in selectors.PUBLIC_STATUSES],
        "sorts": SORT_CHOICES,
    }


def _fragment_key(filters: selectors.Filters, sort: str, page: int) -> str:
    """What the cached results depend on: known filter values only, so made-up query
    strings cannot fill the cache with copies. A search or a mistake is never cached, and
    must not read a cached fragment either (its warning would go missing)."""
    if _fragment_seconds(filters) == 0:
        return f"uncached:{uuid.uuid4().hex}"
    return urlencode(sorted({**filters.as_params(), "sort": sort, "page": str(page)}.items()))


def _fragment_seconds(filters: selectors.Filters) -> int:
    """Cache the usual views for a day; free-text searches and mistakes are not kept."""
    return 0 if (filters.q or filters.errors) else 24 * 3600


def _page_url(filters: selectors.Filters, sort: str, page: int) -> str:
    params = {**filters.as_params(), "page": str(page)}
    if sort != "newest":
        params["sort"] = sort
    return "?" + urlencode(params)


def _read(request):
    programme = selectors.public_programme()
    filters = selectors.parse_filters(request.GET, programme, strict=False)
    sort = request.GET.get("sort", "newest")
    if sort not in selectors.SORTS:
        sort = "newest"
    return programme, filters, sort, selectors.filtered(programme, filters, sort=sort)


def _canonical(request, filters: selectors.Filters, sort: str, page: int = 1) -> bool:
    """Whether this URL is one the pages link to (known filters, no search, no mistake):
    only those are shared from the cache, so made-up query strings cannot fill it."""
    params = request.GET
    return (
        _fragment_seconds(filters) > 0
        and set(params) <= {*selectors.FILTER_NAMES, "sort", "page"}
        and params.get("sort", sort) == sort
        and params.get("page", "1") == str(page)
    )


def _without_empty_fields(request):
    """The filter form sends every field, empty or not; the address it lands on keeps
    only the chosen ones, so it is short to share and the same as the links'."""
    if any(value == "" for value in request.GET.values()):
        kept = [(name, value) for name, value in request.GET.items() if value != ""]
        return redirect(request.path + ("?" + urlencode(kept) if kept else ""))
    return None


def _page_number(request) -> int:
    """A page number from the address; anything else (0, -1, text) is the first page."""
    try:
        return max(1, int(request.GET.get("page", 1)))
    except ValueError:
        return 1


def catalogue(request):
    if shorter := _without_empty_fields(request):
        return shorter
    programme, filters, sort, items = _read(request)
    page = Paginator(items, PAGE_SIZE).get_page(_page_number(request))
    theme_names = programme.theme_names
    response = render(request, "programme/catalogue.html", {
        "page": page,
        "partnerships": [_present(item, theme_names) for item in page.object_list],
        "filters": filters,
        "sort": sort,
        "options": _filter_options(programme),
        "total": len(programme.partnerships),
        "programme_key": programme.key,
        "fragment_key": _fragment_key(filters, sort, page.number),
        "fragment_seconds": _fragment_seconds(filters),
        "filter_query": urlencode(filters.as_params()),
        "previous_url": _page_url(filters, sort, page.previous_page_number())
        if page.has_previous() else None,
        "next_url": _page_url(filters, sort, page.next_page_number())
        if page.has_next() else None,
    })
    return share(response) if _canonical(request, filters, sort, page.number) else response


def partnership(request, pk):
    programme = selectors.public_programme()
    item = selectors.partnership(programme, pk)
    if item is None:
        raise Http404(_("No published partnership has this number."))
    response = render(request, "programme/partnership.html", {
        "p": _present(item, programme.theme_names),
    })
    # Only the address the pages link to is shared: `?anything` would store a copy each.
    return response if request.GET else share(response)


def world_map(request):
    if shorter := _without_empty_fields(request):
        return shorter
    programme, filters, sort, items = _read(request)
    theme_names = programme.theme_names
    pairs, points = [], {}
    for item in items:
        eu, partner = item["eu"], item["partner"]
        if None in (eu["latitude"], eu["longitude"], partner["latitude"], partner["longitude"]):
            pairs.append({"item": _present(item, theme_names), "drawn": False})
            continue
        x1, y1 = worldmap.project(eu["latitude"], eu["longitude"])
        x2, y2 = worldmap.project(partner["latitude"], partner["longitude"])
        css = REGION_CLASSES.get(partner["region"], "region-other")
        pairs.append({"item": _present(item, theme_names), "drawn": True, "css": css,
                      "x1": x1, "y1": y1, "x2": x2, "y2": y2})
        for city, x, y, kind in ((eu, x1, y1, "region-eu"), (partner, x2, y2, css)):
            points.setdefault((city["country"], city["city"]), {
                "city": city["city"], "country": city["country"], "x": x, "y": y, "css": kind,
            })
    response = render(request, "programme/map.html", {
        "pairs": pairs,
        "points": list(points.values()),
        "land": worldmap.land_path(),
        "viewbox": worldmap.VIEWBOX,
        "programme_key": programme.key,
        "fragment_key": _fragment_key(filters, sort, 1),
        "fragment_seconds": _fragment_seconds(filters),
        "filter_query": urlencode(filters.as_params()),
        "filters": filters,
        "sort": sort,
        "options": _filter_options(programme),
        "legend": [("region-eu", REGION_NAMES["eu"])]
        + [(css, REGION_NAMES[slug]) for slug, css in REGION_CLASSES.items()],
    })
    return share(response) if _canonical(request, filters, sort) else response


def home(request):
    """The calls and the programme in figures (published partnerships only). It sets no
    cookie, so a first-time visitor gets it from the cache (page_cache)."""
    now = timezone.now()
    programme = selectors.public_programme()
    response = render(request, "applications/home.html", {
        "now": now, **call_selectors.calls_by_state(now=now),
        "figures": selectors.figures(programme),
    })
    # Only the address the pages link to is shared: `/?anything` would store a copy each.
    return response if request.GET else share(response)
