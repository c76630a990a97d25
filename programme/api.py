"""Open data, read-only: DESIGN.md's **Open data** contract, described by OpenAPI.

Every answer is built from selectors.public_programme(), the public fields of published
pairings only. Responses carry ETag and Last-Modified (conditional GETs answer 304),
CORS allows any origin to GET (django-cors-headers, settings CORS_URLS_REGEX), and
anonymous clients are rate limited (API_RATE_LIMIT, 429 beyond it).
"""

import csv
import hashlib
import io
from datetime import date
from typing import Annotated
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import condition
from ninja import NinjaAPI, Query, Schema, Status
from ninja.decorators import decorate_view
from ninja.throttling import AnonRateThrottle
from pydantic import WithJsonSchema

from iuc_portal.geography import REGION_NAMES

from . import selectors

THROTTLE = AnonRateThrottle(settings.API_RATE_LIMIT)

api = NinjaAPI(
    title="IUC programme open data",
    version="1",
    description=(
        "The published partnerships of the EU's International Urban Cooperation programme: "
        "pairs of cities both of which agreed to publish. Read-only; no contact data, "
        "letters, evidence, scores or private plan fields."
    ),
    urls_namespace="api-v1",
    openapi_url="/openapi.json",
    docs_url=None,  # the Swagger page needs inline script; the OpenAPI JSON is enough
    throttle=[THROTTLE],
)

# HEAD too: link checkers and caches ask it (the server sends the headers of the GET).
READ = ["GET", "HEAD"]
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500


# --- Schemas ---------------------------------------------------------------------


class CityOut(Schema):
    city: str
    country: str
    population: int | None
    latitude: float | None
    longitude: float | None


class PartnershipOut(Schema):
    id: int
    call: str
    status: str
    start_date: date | None
    eu: CityOut
    partner: CityOut
    themes: list[str]


class PartnershipPage(Schema):
    count: int
    next: str | None
    previous: str | None
    results: list[PartnershipOut]


class ThemeOut(Schema):
    slug: str
    name: str


class CallOut(Schema):
    slug: str
    name: str
    partnerships: int


class Problem(Schema):
    detail: str


class PartnershipFilters(Schema):
    region: Annotated[
        str | None, WithJsonSchema({"type": "string", "enum": list(REGION_NAMES)})
    ] = None
    country: Annotated[
        str | None, WithJsonSchema({"type": "string", "pattern": "^[A-Za-z]{2}$"})
    ] = None
    theme: str | None = None
    call: str | None = None
    status: Annotated[
        str | None, WithJsonSchema({"type": "string", "enum": list(selectors.PUBLIC_STATUSES)})
    ] = None


# Read as text so a bad value gets the API's own 400 message, described as what it is.
PageNumber = Annotated[str | None, WithJsonSchema({"type": "integer", "minimum": 1})]
PageSize = Annotated[
    str | None,
    WithJsonSchema({"type": "integer", "minimum": 1, "maximum": 500, "default": 50}),
]


class PageParams(Schema):
    page: PageNumber = None
    page_size: PageSize = None


# --- Conditional GET ---------------------------------------------------------------


def _programme(request: HttpRequest) -> selectors.Programme:
    """One stamp query per request, shared by the ETag, Last-Modified and the body."""
    if not hasattr(request, "_public_programme"):
        request._public_programme = selectors.public_programme()
    return request._public_programme


def _etag(request, *args, **kwargs) -> str:
    """The public content, the language and the query: not the stamp, which moves with
    private activity too (a draft saved, a private plan note)."""
    language = getattr(request, "LANGUAGE_CODE", "")
    path = hashlib.sha1(request.get_full_path().encode()).hexdigest()[:12]  # noqa: S324
    return f"{_programme(request).content_key}-{language}-{path}"


def _last_modified(request, *args, **kwargs):
    return _programme(request).changed


conditional = decorate_view(condition(etag_func=_etag, last_modified_func=_last_modified))


def _filtered(request, filters: PartnershipFilters):
    programme = _programme(request)
    parsed = selectors.parse_filters(filters.dict(), programme, strict=True)
    return selectors.filtered(programme, parsed)


def _positive(value: str | None, default: int, name: str, *, maximum: int | None = None) -> int:
    if value in (None, ""):
        return default
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1 or (maximum and number > maximum):
        bound = f"1–{maximum}" if maximum else _("a whole number from 1")
        raise selectors.FilterError(
            _("“%(name)s” must be %(bound)s, not “%(value)s”.")
            % {"name": name, "bound": bound, "value": value[:20]}
        )
    return number


def _page_url(request, page: int) -> str:
    params = request.GET.copy()
    params["page"] = str(page)
    return request.build_absolute_uri(f"{request.path}?{urlencode(sorted(params.items()))}")


# --- Endpoints -----------------------------------------------------------------------


@api.api_operation(
    READ,
    "/partnerships/",
    response={200: PartnershipPage, 400: Problem},
    summary="Published partnerships, newest first",
    tags=["partnerships"],
)
@conditional
def list_partnerships(
    request, filters: Query[PartnershipFilters], paging: Query[PageParams]
):
    """Filters: `region` (eu, asia, north-america, latin-america-caribbean) and `country`
    (ISO alpha-2) match either city; `theme` (a theme slug), `call` (a call slug) and
    `status` (confirmed, active, completed). Unknown values answer 400 with a message."""
    try:
        items = _filtered(request, filters)
        size = _positive(paging.page_size, DEFAULT_PAGE_SIZE, "page_size", maximum=MAX_PAGE_SIZE)
        page = _positive(paging.page, 1, "page")
    except selectors.FilterError as error:
        return Status(400, {"detail": str(error)})
    pages = max(1, -(-len(items) // size))
    if page > pages:
        return Status(400, {"detail": _("There is no page %(page)s; the last is %(pages)s.")
                            % {"page": page, "pages": pages}})
    return {
        "count": len(items),
        "next": _page_url(request, page + 1) if page < pages else None,
        "previous": _page_url(request, page - 1) if page > 1 else None,
        "results": items[(page - 1) * size : page * size],
    }


CSV_COLUMNS = [
    "id", "call", "status", "start_date",
    "eu_city", "eu_country", "eu_population", "eu_latitude", "eu_longitude",
    "partner_city", "partner_country", "partner_population", "partner_latitude",
    "partner_longitude", "themes",
]


@api.api_operation(
    READ,
    "/partnerships.csv",
    response={200: str, 400: Problem},
    summary="The same list as CSV (every matching row, no pages)",
    tags=["partnerships"],
    openapi_extra={"responses": {200: {"content": {"text/csv": {}}}}},
)
@conditional
def partnerships_csv(request, filters: Query[PartnershipFilters]):
    try:
        items = _filtered(request, filters)
    except selectors.FilterError as error:
        return Status(400, {"detail": str(error)})
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for item in items:
        row = [item["id"], item["call"], item["status"], item["start_date"] or ""]
        for side in ("eu", "partner"):
            city = item[side]
            row += [city["city"], city["country"], city["population"] or "",
                    _blank(city["latitude"]), _blank(city["longitude"])]
        row.append("|".join(item["themes"]))
        writer.writerow([_inert(value) for value in row])
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="iuc-partnerships.csv"'
    return response


def _blank(value):
    return "" if value is None else value


@api.api_operation(
    READ, "/themes/", response=list[ThemeOut], summary="Theme slugs and names", tags=["lists"]
)
@conditional
def list_themes(request):
    return [{"slug": slug, "name": _(name)} for slug, name in _programme(request).themes]


@api.api_operation(
    READ,
    "/calls/",
    response=list[CallOut],
    summary="Calls, with the number of published partnerships of each",
    tags=["lists"],
)
@conditional
def list_calls(request):
    programme = _programme(request)
    counts: dict[str, int] = {}
    for item in programme.partnerships:
        counts[item["call"]] = counts.get(item["call"], 0) + 1
    return [
        {"slug": slug, "name": name, "partnerships": counts.get(slug, 0)}
        for slug, name in programme.calls
    ]


def _inert(value):
    """A cell a spreadsheet will not run as a formula (city names are typed by applicants)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
