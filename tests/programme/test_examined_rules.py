"""Rules an independent examination of the public side found missing."""

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import translation

from programme import selectors

pytestmark = pytest.mark.django_db


def test_public_theme_names_follow_the_visitors_language_whoever_built_the_cache():
    cache.clear()
    with translation.override("pt"):
        selectors.public_programme()
    with translation.override("en"):
        names = dict(selectors.public_programme().themes)
    assert names.get("air-quality") == "Air quality"


def test_a_made_up_filter_value_is_warned_about_every_time(client):
    cache.clear()
    client.get("/programme/?status=confirmed")
    html = client.get("/programme/?region=mars&status=confirmed").content.decode()
    assert "mars" in html


def test_a_forged_forwarded_for_header_does_not_reset_the_rate_limit(settings):
    from django.test import RequestFactory
    from ninja.throttling import AnonRateThrottle

    request = RequestFactory().get("/api/v1/partnerships/", HTTP_X_FORWARDED_FOR="1.2.3.4",
                                   REMOTE_ADDR="10.0.0.9")
    assert AnonRateThrottle("1/m").get_ident(request) == "10.0.0.9"


def test_csv_cells_cannot_start_a_spreadsheet_formula():
    from programme.api import _inert

    assert _inert('=HYPERLINK("http://evil.example")').startswith("'=")
    assert _inert("Almada") == "Almada"
    assert _inert(651446) == 651446


def test_the_plan_list_shows_the_calendar_address_to_an_official_with_a_plan(client, pair):
    owners, plan, *_rest = pair
    client.force_login(owners["rotterdam"])
    html = client.get(reverse("action_plans:list")).content.decode()
    assert html.count("Milestones in your calendar") == 1
    assert ".ics" in html
    title = html.split("<title>")[1].split("</title>")[0]
    assert "<" not in title and "calendar" not in title  # the page's title stays a title
