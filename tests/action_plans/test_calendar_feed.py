"""A private iCalendar feed of the official's own plan milestones, at a secret address
the official can reset."""

from datetime import date

import pytest
from icalendar import Calendar

from action_plans import services
from pairings import services as pairing_services
from tests.factories import CallFactory, UserFactory
from tests.pairings.helpers import accepted

pytestmark = pytest.mark.django_db


@pytest.fixture
def officials(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call = CallFactory(partner_countries=["IN"])
    owners = {"rotterdam": UserFactory(), "surat": UserFactory()}
    eu = accepted(call, "Rotterdam", "NL", ["climate-adaptation"], owner=owners["rotterdam"])
    partner = accepted(call, "Surat", "IN", ["climate-adaptation"], owner=owners["surat"])
    pairing = pairing_services.confirm_pairing(
        call=call, eu_application_id=eu.pk, partner_application_id=partner.pk,
        by=UserFactory(is_staff=True), start_date=date(2025, 1, 31),
    )
    return owners, pairing


def _feed_url(client, user):
    client.force_login(user)
    page = client.get("/plans/")
    return page.context["feed_url"].replace("http://testserver", "")


def test_the_feed_lists_the_officials_own_milestones_with_due_dates(client, officials):
    owners, _pairing = officials
    url = _feed_url(client, owners["rotterdam"])
    client.logout()  # a calendar app has no session: the address is the key
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    events = [c for c in calendar.walk("VEVENT")]
    assert len(events) == 9
    assert all("Rotterdam" in str(e["summary"]) for e in events)
    first = min(events, key=lambda e: e.decoded("dtstart"))
    assert first.decoded("dtstart") == date(2025, 1, 31)


def test_resetting_the_address_stops_the_old_one(client, officials):
    owners, _pairing = officials
    old = _feed_url(client, owners["rotterdam"])
    client.post("/plans/calendar/reset/")
    new = _feed_url(client, owners["rotterdam"])
    assert new != old
    client.logout()
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200


def test_a_guessed_address_reveals_nothing(client, officials):
    assert client.get("/plans/calendar/not-a-token.ics").status_code == 404
    assert client.get("/plans/calendar/" + "x" * 200 + ".ics").status_code == 404


def test_a_dissolved_partnership_leaves_the_feed(client, officials):
    owners, pairing = officials
    url = _feed_url(client, owners["rotterdam"])
    pairing_services.dissolve_pairing(pairing=pairing, by=UserFactory(is_staff=True),
                                      reason="Stopped.")
    calendar = Calendar.from_ical(client.get(url).content)
    assert list(calendar.walk("VEVENT")) == []


def test_reset_needs_a_post_from_the_official(client, officials):
    owners, _pairing = officials
    assert client.post("/plans/calendar/reset/").status_code == 302  # to the login page
    client.force_login(owners["rotterdam"])
    assert client.get("/plans/calendar/reset/").status_code == 405


def test_each_official_has_an_own_address(officials):
    owners, _pairing = officials
    a = services.ensure_calendar_feed(user=owners["rotterdam"])
    b = services.ensure_calendar_feed(user=owners["surat"])
    assert a.token != b.token and len(a.token) >= 40
    assert services.ensure_calendar_feed(user=owners["rotterdam"]).token == a.token


def test_the_feed_is_written_in_the_officials_language(client, officials):
    """A calendar app asks in no language: the official's own is used, not the server's."""
    owners, _pairing = officials
    owners["rotterdam"].language = "pt"
    owners["rotterdam"].save(update_fields=["language"])
    url = _feed_url(client, owners["rotterdam"])
    client.logout()
    calendar = Calendar.from_ical(client.get(url, HTTP_ACCEPT_LANGUAGE="en").content)
    summaries = " ".join(str(e["summary"]) for e in calendar.walk("VEVENT"))
    assert "Acordo de parceria" in summaries and "Partnership agreement" not in summaries
