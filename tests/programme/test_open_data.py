"""DESIGN.md's Open data contract: shape, filters, 400s, CSV, OpenAPI, caching headers,
CORS, rate limit, and the access rule (published fields of published pairings only)."""

import csv
import io
from datetime import date

import pytest

from pairings import services as pairing_services
from pairings.models import Publication
from programme import api as api_module

from .conftest import SECRETS, publish

pytestmark = pytest.mark.django_db

LIST = "/api/v1/partnerships/"


def test_the_list_has_exactly_the_contract_shape(client, programme):
    body = client.get(LIST).json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 1 and body["next"] is None and body["previous"] is None
    (item,) = body["results"]
    assert item == {
        "id": programme["published"].pk,
        "call": "demo-2025",
        "status": "confirmed",
        "start_date": "2025-06-01",
        "eu": {"city": "Rotterdam", "country": "NL", "population": 651446,
               "latitude": 51.9225, "longitude": 4.4792},
        "partner": {"city": "Surat", "country": "IN", "population": 4467797,
                    "latitude": 21.1959, "longitude": 72.8302},
        "themes": ["climate-adaptation", "water-and-sanitation"],
    }


def test_a_staff_coordinate_override_wins_over_geonames(client, programme):
    eu = programme["published"].eu_application
    eu.latitude, eu.longitude = 51.5, 4.0
    eu.save()
    item = client.get(LIST).json()["results"][0]
    assert (item["eu"]["latitude"], item["eu"]["longitude"]) == (51.5, 4.0)


def test_a_pairing_is_absent_until_both_cities_agree(client, programme):
    hidden = programme["hidden"]
    pairing_services.set_publication_consent(
        pairing=hidden, application_id=hidden.eu_application_id,
        choice=Publication.PAIRING, by=hidden.eu_application.owner,
    )
    assert [r["eu"]["city"] for r in client.get(LIST).json()["results"]] == ["Rotterdam"]
    pairing_services.set_publication_consent(
        pairing=hidden, application_id=hidden.partner_application_id,
        choice=Publication.PAIRING, by=hidden.partner_application.owner,
    )
    # Newest first: Rome–Yantai started after Rotterdam–Surat.
    assert [r["eu"]["city"] for r in client.get(LIST).json()["results"]] == ["Rome", "Rotterdam"]


def test_withdrawing_consent_takes_the_pairing_out_at_once(client, programme):
    published = programme["published"]
    assert client.get(LIST).json()["count"] == 1
    pairing_services.set_publication_consent(
        pairing=published, application_id=published.partner_application_id,
        choice=Publication.PRIVATE, by=published.partner_application.owner,
    )
    assert client.get(LIST).json()["count"] == 0
    assert client.get(f"/programme/{published.pk}/").status_code == 404


@pytest.mark.parametrize("query, count", [
    ("region=asia", 1), ("region=eu", 1), ("region=north-america", 0),
    ("country=nl", 1), ("country=IN", 1), ("country=US", 0),
    ("theme=water-and-sanitation", 1), ("theme=housing", 0),
    ("call=demo-2025", 1), ("status=confirmed", 1), ("status=completed", 0),
    ("region=asia&theme=climate-adaptation&status=confirmed", 1),
])
def test_filters_select_the_partnerships(client, programme, query, count):
    assert client.get(f"{LIST}?{query}").json()["count"] == count


@pytest.mark.parametrize("query, words", [
    ("region=mars", ["region", "mars", "asia"]),
    ("country=XX", ["country", "XX"]),
    ("theme=nope", ["theme", "nope"]),
    ("call=nope", ["call", "nope"]),
    ("status=proposed", ["status", "proposed", "active"]),
    ("status=dissolved", ["status", "dissolved"]),
    ("page=0", ["page"]),
    ("page=abc", ["page"]),
    ("page=9", ["page 9"]),
    ("page_size=100000", ["page_size"]),
    ("q=Rotterdam", ["q", "region"]),
    ("country=XX&country=NL", ["country", "once"]),
    ("region=asia&region=eu", ["region", "once"]),
])
def test_unknown_filter_values_answer_400_with_a_message(client, programme, query, words):
    for url in (f"{LIST}?{query}", f"/api/v1/partnerships.csv?{query}"):
        if "page" in query and url.endswith(query) and ".csv" in url:
            continue  # the CSV has no pages
        response = client.get(url)
        assert response.status_code == 400, url
        detail = response.json()["detail"]
        assert all(word in detail for word in words), detail


def test_pages_link_to_each_other(client, programme):
    for hidden in [programme["hidden"]]:
        for city in (hidden.eu_application, hidden.partner_application):
            pairing_services.set_publication_consent(
                pairing=hidden, application_id=city.pk, choice="pairing", by=city.owner)
    first = client.get(f"{LIST}?page_size=1&region=eu").json()
    assert first["count"] == 2 and first["previous"] is None
    assert "page=2" in first["next"] and "region=eu" in first["next"]
    second = client.get(first["next"]).json()
    assert second["next"] is None and "page=1" in second["previous"]
    assert first["results"][0]["id"] != second["results"][0]["id"]


def test_the_csv_holds_the_same_partnerships(client, programme):
    response = client.get("/api/v1/partnerships.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == 1
    assert rows[0]["eu_city"] == "Rotterdam" and rows[0]["partner_country"] == "IN"
    assert rows[0]["themes"] == "climate-adaptation|water-and-sanitation"


def test_calls_and_themes_are_listed(client, programme):
    calls = client.get("/api/v1/calls/").json()
    assert {"slug": "demo-2025", "name": "Demo 2025", "partnerships": 1} in calls
    themes = client.get("/api/v1/themes/", HTTP_ACCEPT_LANGUAGE="es").json()
    assert len(themes) >= 17
    assert {t["slug"] for t in themes} >= {"housing", "air-quality", "smart-cities"}


def test_the_openapi_description_names_the_endpoints_and_filters(client):
    spec = client.get("/api/v1/openapi.json").json()
    assert spec["openapi"].startswith("3.")
    paths = spec["paths"]
    assert {"/api/v1/partnerships/", "/api/v1/partnerships.csv", "/api/v1/calls/",
            "/api/v1/themes/"} <= set(paths)
    params = {p["name"] for p in paths["/api/v1/partnerships/"]["get"]["parameters"]}
    assert {"region", "country", "theme", "call", "status", "page", "page_size"} <= params


def test_conditional_get_answers_304_until_something_changes(client, programme):
    first = client.get(LIST)
    assert first["ETag"] and first["Last-Modified"]
    again = client.get(LIST, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    since = client.get(LIST, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert since.status_code == 304
    publish(programme["hidden"])  # Rome–Yantai joins the list
    changed = client.get(LIST, HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200 and changed["ETag"] != first["ETag"]


def test_private_activity_leaves_the_etag_and_last_modified_alone(client, programme):
    """A city's private plan field changes nothing public: clients keep their copy."""
    first = client.get(LIST)
    from action_plans import services as plan_services

    plan_services.update_sections(plan=programme["plan"], by=programme["owners"]["rotterdam"],
                                  context="A private context, never published.")
    again = client.get(LIST, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    assert client.get(LIST)["Last-Modified"] == first["Last-Modified"]
    assert client.get(LIST, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]).status_code == 304


def test_an_answer_the_change_does_not_touch_keeps_its_etag(client, programme):
    """Plan summaries are on the public pages, not in the API: a new MoU changes no JSON."""
    from action_plans import services as plan_services

    before = {url: client.get(url)["ETag"] for url in (LIST, "/api/v1/themes/")}
    plan_services.add_mou(plan=programme["plan"], by=programme["owners"]["rotterdam"],
                          title="MoU on water", signed_on=date(2025, 9, 1))
    for url, etag in before.items():
        assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304, url


def test_clients_must_ask_again_before_reusing_an_answer(client, programme):
    """Consent can be withdrawn: no browser or proxy may serve a stored copy unasked."""
    cache_control = client.get(LIST)["Cache-Control"]
    assert "no-cache" in cache_control and "public" in cache_control


def test_an_error_carries_no_validators(client, programme):
    refused = client.get(f"{LIST}?region=mars")
    assert refused.status_code == 400 and not refused.has_header("ETag")
    assert client.get(f"{LIST}?region=mars", HTTP_IF_NONE_MATCH="*").status_code == 400


def test_another_site_may_ask_conditionally(client, programme):
    preflight = client.options(LIST, HTTP_ORIGIN="https://research.example.org",
                               HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
                               HTTP_ACCESS_CONTROL_REQUEST_HEADERS="if-none-match")
    assert "if-none-match" in preflight["Access-Control-Allow-Headers"]


@pytest.mark.parametrize("url", [LIST, "/api/v1/partnerships.csv", "/api/v1/calls/",
                                 "/api/v1/themes/"])
def test_head_answers_like_get_without_a_body(client, programme, url):
    got = client.get(url)
    head = client.head(url)
    assert head.status_code == 200 and head.content == b""
    assert head["Content-Type"] == got["Content-Type"] and head["ETag"] == got["ETag"]


def test_the_openapi_description_gives_the_types_of_pages_and_filters(client):
    spec = client.get("/api/v1/openapi.json").json()
    operation_ids = [op["operationId"] for ops in spec["paths"].values() for op in ops.values()]
    assert len(operation_ids) == len(set(operation_ids))  # code generators need them unique
    csv_ok = spec["paths"]["/api/v1/partnerships.csv"]["get"]["responses"]["200"]
    assert list(csv_ok["content"]) == ["text/csv"]
    params = {p["name"]: p["schema"] for p in
              spec["paths"]["/api/v1/partnerships/"]["get"]["parameters"]}
    assert params["page"]["type"] == "integer" and params["page"]["minimum"] == 1
    assert params["page_size"]["type"] == "integer"
    assert params["page_size"]["maximum"] == api_module.MAX_PAGE_SIZE
    assert params["region"]["enum"] == ["eu", "asia", "north-america", "latin-america-caribbean"]
    assert params["status"]["enum"] == ["confirmed", "active", "completed"]


def test_any_site_may_read_the_api_but_not_the_portal(client, programme):
    response = client.get(LIST, HTTP_ORIGIN="https://research.example.org")
    assert response["Access-Control-Allow-Origin"] == "*"
    preflight = client.options(LIST, HTTP_ORIGIN="https://research.example.org",
                               HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET")
    assert "GET" in preflight["Access-Control-Allow-Methods"]
    assert "POST" not in preflight["Access-Control-Allow-Methods"]
    page = client.get("/programme/", HTTP_ORIGIN="https://research.example.org")
    assert "Access-Control-Allow-Origin" not in page


def test_the_api_is_rate_limited(client, programme, monkeypatch):
    monkeypatch.setattr(api_module.THROTTLE, "num_requests", 3)
    statuses = [client.get(LIST).status_code for _ in range(5)]
    assert statuses[:3] == [200, 200, 200]
    assert statuses[3:] == [429, 429]


def test_the_api_is_read_only(client, programme):
    assert client.post(LIST, {}).status_code == 405
    assert client.delete(LIST).status_code == 405


@pytest.mark.parametrize("language", ["en", "es", "pt"])
def test_public_pages_and_data_show_only_published_fields(client, programme, language):
    """The access test: nothing private, nothing of an unpublished pairing, anywhere."""
    published, hidden = programme["published"], programme["hidden"]
    urls = [
        "/", "/programme/", "/programme/map/", f"/programme/{published.pk}/",
        LIST, "/api/v1/partnerships.csv", "/api/v1/calls/", "/api/v1/themes/",
        "/programme/?region=asia", "/programme/map/?theme=air-quality",
    ]
    for url in urls:
        response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200, url
        text = response.content.decode()
        for secret in SECRETS:
            assert secret not in text, (url, secret)
    assert "Rotterdam" in client.get("/programme/").content.decode()
    assert client.get(f"/programme/{hidden.pk}/").status_code == 404
