"""Public pages: the catalogue of published partnerships, one page per partnership, the
map, and the home page's figures. All read selectors.public_programme()."""

import uuid
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from action_plans.models import FundingStatus
from applications import selectors as call_selectors
from iuc_portal.core import public_page
from iuc_portal.geography import REGION_NAMES
from pairings.models import PairingStatus

from . import selectors, worldmap

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


def _present(item: dict, theme_names: dict[str, str]) -> dict:
    """A public item with its labels in the visitor's language."""
    return {
        **item,
        "status_label": PairingStatus(item["status"]).label,
        "theme_labels": [_(theme_names.get(slug, slug)) for slug in item["themes"]],
        "plans": [
            {
                **plan,
                "pilot_projects": [
                    {**pilot, "funding_label": FundingStatus(pilot["funding_status"]).label}
                    for pilot in plan["pilot_projects"]
                ],
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


def catalogue(request):
    programme, filters, sort, items = _read(request)
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    theme_names = programme.theme_names
    return render(request, "programme/catalogue.html", {
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


def partnership(request, pk):
    programme = selectors.public_programme()
    item = selectors.partnership(programme, pk)
    if item is None:
        raise Http404(_("No published partnership has this number."))
    return render(request, "programme/partnership.html", {
        "p": _present(item, programme.theme_names),
    })


def world_map(request):
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
    return render(request, "programme/map.html", {
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


def home(request):
    """The calls and the programme in figures (published partnerships only). A first-time
    anonymous visitor gets the page from the cache (per language, per state of the calls
    and of the public data, so a change shows at once), and it sets no cookie."""
    now = timezone.now()

    def page():
        programme = selectors.public_programme()
        return {"now": now, **call_selectors.calls_by_state(now=now),
                "figures": selectors.figures(programme)}

    if not public_page.cacheable(request):
        return render(request, "applications/home.html", page())
    data = (call_selectors.calls_fingerprint(now=now), selectors.data_stamp())
    key = public_page.key("home", request, data)
    return public_page.cached_response(
        key, lambda: render_to_string("applications/home.html", page(), request)
    )
