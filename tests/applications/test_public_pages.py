"""Public pages come from the cache for anonymous visitors, per language, never stale
after a call changes, and set no session or CSRF cookie."""

import pytest
from django.urls import reverse

from applications.models import Call
from tests.factories import CallFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_home_sets_no_session_or_csrf_cookie_for_an_anonymous_visitor(client):
    CallFactory()
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert not response.cookies
    assert b"csrfmiddlewaretoken" not in response.content


def test_home_shows_a_changed_call_at_once_even_when_cached(client):
    call = CallFactory(name="Call before")
    assert b"Call before" in client.get(reverse("home")).content
    call.name = "Call renamed"
    call.save()
    assert b"Call renamed" in client.get(reverse("home")).content
    Call.objects.filter(pk=call.pk).update(name="Call updated in bulk")
    assert b"Call updated in bulk" in client.get(reverse("home")).content
    CallFactory(name="A second call")
    assert b"A second call" in client.get(reverse("home")).content


def test_home_is_cached_per_language(client):
    CallFactory()
    assert b"Open calls" in client.get(reverse("home")).content
    client.cookies["django_language"] = "es"
    assert "Convocatorias abiertas" in client.get(reverse("home")).content.decode()
    client.cookies["django_language"] = "en"
    assert b"Open calls" in client.get(reverse("home")).content


def test_signed_in_official_gets_their_own_page_not_the_cached_one(client):
    CallFactory()
    client.get(reverse("home"))  # fills the cache
    official = UserFactory()
    client.force_login(official)
    content = client.get(reverse("home")).content.decode()
    assert reverse("account_preferences") in content  # their own navigation
    assert "csrfmiddlewaretoken" in content  # sign-out and language forms


def test_anonymous_visitor_switches_language_without_a_csrf_token():
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("set_language"), {"language": "pt", "next": "/"})
    assert response.status_code == 302
    assert response.cookies["django_language"].value == "pt"


def test_signed_in_user_still_needs_a_csrf_token_to_switch_language():
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(UserFactory())
    response = client.post(reverse("set_language"), {"language": "pt", "next": "/"})
    assert response.status_code == 403
