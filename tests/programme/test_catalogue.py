"""The public catalogue, a page per partnership, the map and the home page figures."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from action_plans import services as plan_services
from applications.models import Application, ApplicationStatus, Side
from pairings.models import Pairing, PairingStatus, Publication
from tests.factories import CallFactory

pytestmark = pytest.mark.django_db


def test_the_catalogue_shows_published_pairs_with_their_public_facts(client, programme):
    page = client.get("/programme/").content.decode()
    assert "Rotterdam" in page and "Surat" in page
    assert "/static/flags/nl.gif" in page and "/static/flags/in.gif" in page  # served here
    assert "651,446" in page or "651446" in page
    assert "Climate adaptation" in page and "Demo 2025" in page
    assert '<time datetime="2025-06-01">June 1, 2025</time>' in page
    assert "1 pilot project" in page


@pytest.mark.parametrize("language, day", [("es", "1 de junio de 2025"), ("fr", "1 juin 2025"),
                                           ("pt", "1 de junho de 2025")])
def test_public_dates_are_written_in_the_readers_language(client, programme, language, day):
    catalogue = client.get("/programme/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert day in catalogue.lower()  # Django writes "Junho" in Portuguese
    page = client.get(f"/programme/{programme['published'].pk}/",
                      HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert day in page.lower()


def test_filters_are_get_parameters_and_unknown_values_are_named(client, programme):
    both = client.get("/programme/?region=asia&theme=climate-adaptation")
    assert "Rotterdam" in both.content.decode()
    empty = client.get("/programme/?country=US").content.decode()
    assert "No published partnership matches these filters." in empty
    unknown = client.get("/programme/?region=atlantis")
    assert unknown.status_code == 200
    assert "Unknown region “atlantis”" in unknown.content.decode()
    assert "Rotterdam" in client.get("/programme/?q=rotter").content.decode()
    assert "Rotterdam" not in client.get("/programme/?q=lisbon").content.decode()


@pytest.mark.parametrize("language, theme", [("es", "Adaptación al cambio climático"),
                                              ("pt", "Adaptação às alterações climáticas")])
def test_theme_names_are_translated(client, programme, language, theme):
    from django.utils import translation

    with translation.override(language):
        expected = translation.gettext("Climate adaptation")
    page = client.get("/programme/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert expected in page and expected != "Climate adaptation"


def test_a_partnership_page_shows_the_plan_summary_the_city_agreed_to(client, programme):
    published = programme["published"]
    page = client.get(f"/programme/{published.pk}/").content.decode()
    assert "Learn flood-risk management together." in page
    assert "Water square" in page and "Application in preparation" in page
    assert "Local Action Plan of Rotterdam" in page


def test_without_the_plan_choice_only_the_pairing_is_public(client, programme):
    from pairings import services as pairing_services

    published = programme["published"]
    pairing_services.set_publication_consent(
        pairing=published, application_id=published.eu_application_id,
        choice=Publication.PAIRING, by=published.eu_application.owner,
    )
    page = client.get(f"/programme/{published.pk}/").content.decode()
    assert "Rotterdam" in page
    assert "Learn flood-risk management together." not in page
    assert "Water square" not in page


def test_an_unknown_or_unpublished_partnership_is_not_found(client, programme):
    assert client.get(f"/programme/{programme['hidden'].pk}/").status_code == 404
    assert client.get("/programme/999999/").status_code == 404


def test_a_plan_change_shows_at_once(client, programme):
    published = programme["published"]
    client.get(f"/programme/{published.pk}/")  # fills the cache
    plan_services.update_sections(plan=programme["plan"], by=programme["owners"]["rotterdam"],
                                  objectives="Brand-new objectives.")
    assert "Brand-new objectives." in client.get(f"/programme/{published.pk}/").content.decode()


def test_the_home_page_shows_the_programme_in_figures(client, programme):
    response = client.get("/")
    figures = response.context["figures"]
    assert (figures.cities, figures.countries, figures.partnerships,
            figures.pilot_projects) == (2, 2, 1, 1)
    assert 'data-figure="partnerships">1<' in response.content.decode()


def test_the_map_draws_a_line_per_pair_linked_to_its_page(client, programme):
    published = programme["published"]
    page = client.get("/programme/map/").content.decode()
    assert f'href="/programme/{published.pk}/"' in page
    assert page.count('class="pair-line"') == 1
    assert page.count("<circle") >= 2
    assert 'class="land"' in page
    assert "region-asia" in page
    # The list view says the same for screen readers and keyboards.
    assert "Rotterdam (Netherlands) – Surat (India)" in page
    filtered = client.get("/programme/map/?region=north-america").content.decode()
    assert 'class="pair-line"' not in filtered


def test_public_pages_keep_the_strict_csp(client, programme):
    for url in ("/programme/", "/programme/map/"):
        response = client.get(url)
        policy = response.get("Content-Security-Policy", "")
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy
        assert "<script>" not in response.content.decode()
        assert "style=" not in response.content.decode()


def _many_partnerships(n: int) -> None:
    call = CallFactory(slug="big", partner_countries=["IN", "BR", "US"])
    eu = Application.objects.bulk_create(
        Application(call=call, side=Side.EU, city_name=f"EU city {i}", country="NL",
                    population=200_000 + i, status=ApplicationStatus.PAIRED)
        for i in range(n)
    )
    partner = Application.objects.bulk_create(
        Application(call=call, side=Side.PARTNER, city_name=f"Partner city {i}",
                    country=["IN", "BR", "US"][i % 3], population=300_000 + i,
                    latitude=10.0, longitude=float(i % 180),
                    status=ApplicationStatus.PAIRED)
        for i in range(n)
    )
    Pairing.objects.bulk_create(
        Pairing(call=call, eu_application=e, partner_application=p,
                status=PairingStatus.ACTIVE, start_date=date(2025, 1, 1),
                shared_themes=["housing"], eu_publication=Publication.WITH_PLAN,
                partner_publication=Publication.PAIRING)
        for e, p in zip(eu, partner, strict=True)
    )


@pytest.mark.parametrize("url", [
    "/programme/", "/programme/?region=asia&sort=eu-city&page=3", "/programme/map/",
    "/api/v1/partnerships/", "/api/v1/partnerships.csv", "/",
])
def test_queries_stay_constant_for_1000_partnerships(client, programme, url):
    client.get(url)  # warm: sessions, content types, the bundle
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    _many_partnerships(1000)
    with CaptureQueriesContext(connection) as cold:
        response = client.get(url)
    assert response.status_code == 200
    with CaptureQueriesContext(connection) as warm:
        client.get(url)
    # Building the bundle costs a fixed number of queries, whatever the size...
    assert len(cold) <= 20, [q["sql"][:80] for q in cold]
    # ...and once cached, the page is as cheap with 1,000 partnerships as with one.
    # (A page that exists only with 1,000 comes from the page cache: fewer still.)
    assert len(warm) <= len(few) <= 6, [q["sql"][:80] for q in warm]


def test_the_world_outline_has_no_line_across_the_map():
    """Rings that cross the antimeridian are kept east of it, never drawn across the world."""
    import re

    from programme.worldmap import WIDTH, land_path

    for subpath in land_path().split("M")[1:]:
        xs = [float(x) for x in re.findall(r"(-?[\d.]+),", subpath)]
        steps = [abs(b - a) for a, b in zip(xs, xs[1:], strict=False)]
        assert max(steps, default=0) < WIDTH / 2


def test_pages_link_to_each_other_with_the_same_filters(client, programme):
    from tests.programme.conftest import publish

    publish(programme["hidden"])
    import programme.views as views

    original = views.PAGE_SIZE
    views.PAGE_SIZE = 1
    try:
        first = client.get("/programme/?region=eu&utm_source=x")
        page = first.content.decode()
        import re

        (next_link,) = re.findall(r'href="([^"]*)" rel="next"', page)
        assert next_link == "?region=eu&amp;page=2"  # only the known filters travel on
        assert 'href="/programme/map/?region=eu"' in page
        second = client.get("/programme/?region=eu&page=2").content.decode()
        assert 'href="?region=eu&amp;page=1"' in second
        assert client.get("/programme/?page=abc").status_code == 200
        assert client.get("/programme/?page=99").status_code == 200
    finally:
        views.PAGE_SIZE = original


def test_made_up_queries_are_answered_but_not_cached(client, programme, settings):
    """Free text and unknown values cannot fill the cache with a copy per address."""
    import time

    from django.core.cache import caches

    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                    "LOCATION": "made-up-queries-default"},
        "pages": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                  "LOCATION": "made-up-queries-pages"},
    }
    pages = caches["pages"]
    pages.clear()
    caches["default"].clear()
    for i in range(5):
        assert client.get(f"/programme/?q=nothing{i}&region=nowhere{i}").status_code == 200
    live = [key for key, expiry in pages._expire_info.items()
            if "programme-catalogue" in key and (expiry is None or expiry > time.time())]
    assert live == []
    client.get("/programme/?region=eu")
    live = [key for key, expiry in pages._expire_info.items()
            if "programme-catalogue" in key and (expiry is None or expiry > time.time())]
    assert len(live) == 1
    # The rendered parts live apart from the default cache (the sign-in rate limits).
    assert not [key for key in caches["default"]._cache if "programme-catalogue" in key]


def test_the_filter_form_lands_on_the_short_address_of_its_choice(client, programme):
    response = client.get("/programme/?q=&region=asia&country=&theme=&call=&status=&sort=newest")
    assert response.status_code == 302
    assert response["Location"] == "/programme/?region=asia&sort=newest"
    assert client.get("/programme/map/?q=&region=")["Location"] == "/programme/map/"


@pytest.mark.parametrize("number", ["0", "-1", "abc"])
def test_a_page_number_below_one_or_not_a_number_shows_the_first_page(client, programme, number):
    _many_partnerships(45)
    html = client.get(f"/programme/?page={number}").content.decode()
    assert "Page 1 of 3" in html


@pytest.mark.parametrize("query", ["surat", "SÛRAT", "pays-bas", "Netherlands"])
def test_search_ignores_accents_and_knows_english_country_names(client, programme, query):
    Application.objects.filter(pk=programme["published"].partner_application_id).update(
        city_name="Sûrat")
    found = client.get("/programme/", {"q": query}, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Rotterdam" in found


def test_map_lines_leave_the_keyboard_to_the_list_beside_them(client, programme):
    html = client.get("/programme/map/").content.decode()
    assert 'class="pair region-asia" data-pair' in html and 'tabindex="-1"' in html
