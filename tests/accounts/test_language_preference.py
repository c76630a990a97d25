"""Each person's language is kept: saved when they switch, changed on the account page,
and used for every e-mail they get, whatever request caused it."""

import pytest
from django.conf import settings
from django.urls import reverse

from iuc_portal.mail.models import OutboundEmail
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_switching_the_language_while_signed_in_saves_it_as_the_preference(client):
    user = UserFactory(language="en")
    client.force_login(user)
    response = client.post(reverse("set_language"), {"language": "fr", "next": "/"})
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fr"
    user.refresh_from_db()
    assert user.language == "fr"


def test_switching_to_an_unknown_language_changes_nothing_and_does_not_fail(client):
    user = UserFactory(language="es")
    client.force_login(user)
    response = client.post(reverse("set_language"), {"language": "xx", "next": "/"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.language == "es"


def test_anonymous_visitors_switch_language_without_an_account(client):
    response = client.post(reverse("set_language"), {"language": "pt", "next": "/"})
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "pt"


def test_the_account_page_changes_the_preferred_language(client):
    user = UserFactory(language="en")
    client.force_login(user)
    page = client.get(reverse("account_preferences"))
    assert page.status_code == 200
    assert 'value="fr"' in page.content.decode()
    response = client.post(reverse("account_preferences"), {"language": "pt"}, follow=True)
    user.refresh_from_db()
    assert user.language == "pt"
    assert "Português" in response.content.decode() or "idioma" in response.content.decode()


def test_the_account_page_refuses_an_unknown_language_with_a_message(client):
    client.force_login(UserFactory())
    response = client.post(reverse("account_preferences"), {"language": "klingon"})
    assert response.status_code == 200
    assert "is-invalid" in response.content.decode()


def test_the_account_page_needs_a_signed_in_person(client):
    response = client.get(reverse("account_preferences"))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_signing_in_opens_the_portal_in_the_preferred_language(client):
    UserFactory(email="lisboa@city.example.eu", language="pt", password="a-long-passphrase-1")
    response = client.post(
        reverse("account_login"),
        {"login": "lisboa@city.example.eu", "password": "a-long-passphrase-1"},
    )
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "pt"


def test_a_password_reset_email_is_written_in_the_owners_language_not_the_requests(client):
    UserFactory(email="lyon@city.example.eu", language="fr")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.post(reverse("account_reset_password"), {"email": "lyon@city.example.eu"})
    email = OutboundEmail.objects.get(to_email="lyon@city.example.eu")
    assert email.language == "fr"
    assert "mot de passe" in (email.subject + email.body_text).lower()



def test_account_emails_name_the_site_not_an_empty_name(client):
    UserFactory(email="porto@city.example.eu", language="en")
    client.post(reverse("account_reset_password"), {"email": "porto@city.example.eu"})
    body = OutboundEmail.objects.get(to_email="porto@city.example.eu").body_text
    assert "from !" not in body
    assert "IUC city-to-city portal" in body


def test_the_signed_in_message_is_written_in_the_preferred_language(client):
    UserFactory(email="lyon@city.example.eu", language="fr", password="a-long-passphrase-1")
    response = client.post(
        reverse("account_login"),
        {"login": "lyon@city.example.eu", "password": "a-long-passphrase-1"},
        HTTP_ACCEPT_LANGUAGE="en", follow=True,
    )
    shown = [str(message) for message in response.context["messages"]]
    assert shown and all("Successfully signed in" not in text for text in shown), shown
    assert any("Connexion" in text or "connecté" in text for text in shown), shown
