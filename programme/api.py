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
from functools import wraps
from typing import Annotated
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date, quote_etag
from django.utils.translation import gettext as _
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

# Each read answers GET, described in the OpenAPI document, and HEAD (the same answer
# without its body, for link checkers and caches), not described twice: operation ids
# must be unique.
def read(path: str, **options):
    def register(view):
        api.get(path, **options)(view)
        api.api_operation(["HEAD"], path, include_in_schema=False, **options)(view)
        return view

    return register


NOT_MODIFIED_OR_LIMITED = {
    304: {"description": "Not modified (If-None-Match or If-Modified-Since matched)"},
    429: {"description": "Too many requests; see Retry-After"},
}
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


def _conditional(view):
    """Validators and caching of a public answer.

    The ETag digests the answer's own bytes, so it changes only when this answer does
    (not with private activity, nor with plan summaries the API never returns);
    Last-Modified is when the public content last changed. `no-cache`: a browser or
    proxy may keep a copy but must ask again before using it, so a city that withdraws
    its consent leaves every client at once. Only a 200 carries validators."""

    @wraps(view)
    def answer(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if response.status_code != 200:
            return response
        etag = quote_etag(hashlib.sha256(response.content).hexdigest()[:32])
        changed = int(_programme(request).changed.timestamp())
        response["ETag"] = etag
        response["Last-Modified"] = http_date(changed)
        patch_cache_control(response, public=True, no_cache=True)
        return get_conditional_response(
            request, etag=etag, last_modified=changed, response=response
        )

    return answer


conditional = decorate_view(_conditional)


def _known_parameters(request, allowed: set[str]) -> None:
    """A parameter the endpoint does not know, or one given twice, would be silently
    ignored: the client would believe it filtered."""
    for name in request.GET:
        if name not in allowed:
            raise selectors.FilterError(
                _("Unknown parameter “%(name)s”; this address takes: %(known)s.")
                % {"name": name[:40], "known": ", ".join(sorted(allowed)) or "—"}
            )
        if len(request.GET.getlist(name)) > 1:
            raise selectors.FilterError(
                _("“%(name)s” is given more than once; give it once.") % {"name": name}
            )


def _filtered(request, filters: PartnershipFilters, *, paged: bool = False):
    _known_parameters(request, {*selectors.FILTER_NAMES, *(("page", "page_size") if paged else ())})
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


@read(
    "/partnerships/",
    response={200: PartnershipPage, 400: Problem},
    summary="Published partnerships, newest first",
    tags=["partnerships"],
    openapi_extra={"responses": NOT_MODIFIED_OR_LIMITED},
)
@conditional
def list_partnerships(
    request, filters: Query[PartnershipFilters], paging: Query[PageParams]
):
    """Filters: `region` (eu, asia, north-america, latin-america-caribbean) and `country`
    (ISO alpha-2) match either city; `theme` (a theme slug), `call` (a call slug) and
    `status` (confirmed, active, completed). Unknown values answer 400 with a message."""
    try:
        items = _filtered(request, filters, paged=True)
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


@read(
    "/partnerships.csv",
    response={400: Problem},
    summary="The same list as CSV (every matching row, no pages)",
    tags=["partnerships"],
    openapi_extra={"responses": {
        200: {"description": "CSV, one row per partnership, with a header row",
              "content": {"text/csv": {"schema": {"type": "string"}}}},
        **NOT_MODIFIED_OR_LIMITED,
    }},
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


@read(
    "/themes/",
    response={200: list[ThemeOut], 400: Problem},
    summary="Theme slugs and names",
    tags=["lists"],
    openapi_extra={"responses": NOT_MODIFIED_OR_LIMITED},
)
@conditional
def list_themes(request):
    try:
        _known_parameters(request, set())
    except selectors.FilterError as error:
        return Status(400, {"detail": str(error)})
    return [{"slug": slug, "name": _(name)} for slug, name in _programme(request).themes]


@read(
    "/calls/",
    response={200: list[CallOut], 400: Problem},
    openapi_extra={"responses": NOT_MODIFIED_OR_LIMITED},
    summary="Calls, with the number of published partnerships of each",
    tags=["lists"],
)
@conditional
def list_calls(request):
    try:
        _known_parameters(request, set())
    except selectors.FilterError as error:
        return Status(400, {"detail": str(error)})
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
