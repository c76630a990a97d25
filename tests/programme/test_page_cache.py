"""Anonymous readers of the public pages are answered from the cache (programme.page_cache):
the same page for everyone of one language, and a change shows at once."""

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from applications.models import Call
from tests.factories import CallFactory, UserFactory

pytestmark = pytest.mark.django_db



def stamp_queries() -> int:
    """The latest history rows, the calls and the themes: one query on PostgreSQL, three
    on the embedded SQLite (programme.selectors.data_stamp)."""
    return 1 if connection.vendor == "postgresql" else 3


def queries_of_second_visit(client, url, **headers):
    client.get(url, **headers)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, **headers)
    assert response.status_code == 200, url
    return response, len(captured)


@pytest.mark.parametrize("url", ["/", "/programme/", "/programme/map/",
                                 "/programme/?region=asia&sort=eu-city"])
def test_a_public_page_costs_an_anonymous_reader_only_the_stamp(client, programme, url):
    response, count = queries_of_second_visit(client, url)
    assert count == stamp_queries()
    assert not response.cookies  # no session, no CSRF cookie: nothing personal in it


def test_a_partnership_page_comes_from_the_cache_too(client, programme):
    _, count = queries_of_second_visit(client, f"/programme/{programme['published'].pk}/")
    assert count == stamp_queries()


@pytest.mark.parametrize("url", ["/programme/?q=rotter", "/programme/?region=atlantis",
                                 "/programme/?page=99", "/programme/?utm_source=x"])
def test_searches_mistakes_and_unknown_urls_are_never_stored(client, programme, url):
    _, count = queries_of_second_visit(client, url)
    assert count > stamp_queries()


def test_a_renamed_call_shows_at_once_on_a_cached_page(client, programme):
    assert "Demo 2025" in client.get("/programme/").content.decode()
    Call.objects.filter(pk=programme["call"].pk).update(name="Call of 2025")  # no history row
    page = client.get("/programme/").content.decode()
    assert "Call of 2025" in page and "Demo 2025" not in page


def test_a_call_that_closes_leaves_the_open_calls_at_once(client):
    now = timezone.now()
    CallFactory(name="Closing call", opens_at=now - timedelta(days=30),
                closes_at=now + timedelta(seconds=5))
    with time_machine.travel(now, tick=False):
        page = client.get("/").content.decode()
        assert "Closing call" in page.split('id="open-calls-heading"')[1].split("</section>")[0]
    with time_machine.travel(now + timedelta(seconds=6), tick=False):
        page = client.get("/").content.decode()
        open_section = page.split('id="open-calls-heading"')[1].split("</section>")[0]
        assert "Closing call" not in open_section


def test_each_language_has_its_own_page(client, programme):
    english = client.get("/programme/").content.decode()
    spanish = client.get("/programme/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert 'lang="en"' in english and 'lang="es"' in spanish
    client.cookies["django_language"] = "fr"
    assert 'lang="fr"' in client.get("/programme/").content.decode()


def test_a_signed_in_visitor_never_gets_the_shared_page(client, programme):
    client.get("/")  # an anonymous visit stores the page
    client.force_login(UserFactory())
    page = client.get("/").content.decode()
    assert "Sign out" in page and "csrfmiddlewaretoken" in page


@pytest.mark.parametrize("url", ["/?flood=1", "/?utm_source=x", "/programme/{pk}/?f=1"])
def test_made_up_query_strings_on_home_and_partnership_pages_are_never_stored(
        client, programme, url):
    _, count = queries_of_second_visit(client, url.format(pk=programme["published"].pk))
    assert count > stamp_queries()


def test_no_number_of_public_pages_pushes_the_sign_in_rate_limit_out(client, programme):
    """Rendered pages live in a cache of their own ("pages"); the default cache, where
    allauth counts failed sign-ins, keeps its counters however many pages are stored."""
    from django.core.cache import cache

    cache.set("rate-limit-counter", 5, 600)
    for page in range(1, 40):
        client.get(f"/programme/?page={page}")
        client.get(f"/programme/?region=asia&page={page}")
    for code in ("NL", "DE", "FR", "JP", "BR", "US", "IN", "CN"):
        client.get(f"/programme/?country={code}")
    assert cache.get("rate-limit-counter") == 5
    stored = getattr(cache, "_cache", None)
    if isinstance(stored, dict):  # the embedded default: local memory
        assert not [key for key in stored if "public-page" in key]


def test_no_number_of_catalogue_searches_pushes_the_sign_in_rate_limit_out(client, programme):
    """A search or a mistake renders the results afresh; what the cache tag keeps of it
    (even for no time) goes to the cache of rendered pages, never the default cache."""
    from django.core.cache import cache

    cache.set("rate-limit-counter", 5, 600)
    for i in range(350):
        client.get(f"/programme/?q=a{i}")
    assert cache.get("rate-limit-counter") == 5
