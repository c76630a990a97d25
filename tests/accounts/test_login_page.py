"""The sign-in page is the portal's own plain markup (templates/account/login.html), not
allauth's element templates: it must still show every field of allauth's login form,
labelled, with its errors tied to the field, and carry `next` through."""

import re
from html.parser import HTMLParser

import pytest
from allauth.account.forms import LoginForm
from django.urls import reverse
from django.utils import translation

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


class _Page(HTMLParser):
    """The sign-in form's inputs, the page's labels, links and elements by id."""

    def __init__(self, html):
        super().__init__()
        self.inputs, self.labels, self.ids, self.links = [], {}, {}, []
        self._in_form = False
        self._label_for = None
        self._text_of = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._in_form = attrs.get("action") == reverse("account_login")
        if tag in {"input", "button", "select", "textarea"} and self._in_form:
            self.inputs.append(attrs)
        if tag == "label":
            self._label_for = attrs.get("for")
            self.labels[self._label_for] = ""
        if tag == "a":
            self.links.append(attrs.get("href"))
        if "id" in attrs:
            self._text_of.append(attrs["id"])
            self.ids[attrs["id"]] = ""

    def handle_endtag(self, tag):
        if tag == "form":
            self._in_form = False
        if tag == "label":
            self._label_for = None

    def handle_data(self, data):
        if self._label_for:
            self.labels[self._label_for] += data
        for element_id in self._text_of:
            self.ids[element_id] += data


def _login_form_inputs(page):
    return {i["name"]: i for i in page.inputs if i.get("name") and i.get("type") != "submit"}


def test_the_sign_in_page_shows_every_field_of_the_login_form_labelled(client):
    page = _Page(client.get(reverse("account_login")).content.decode())
    inputs = _login_form_inputs(page)
    assert set(inputs) == set(LoginForm().fields) | {"csrfmiddlewaretoken"}
    for name in LoginForm().fields:
        assert page.labels[inputs[name]["id"]].strip(), name
    assert inputs["login"]["type"] == "email" and inputs["login"]["autocomplete"] == "email"
    assert inputs["password"]["type"] == "password"
    assert inputs["password"]["autocomplete"] == "current-password"
    assert "value" not in inputs["password"]
    assert "required" in inputs["login"] and "required" in inputs["password"]
    # The help text under the password is the way to a new password.
    assert inputs["password"]["aria-describedby"] == "id_password_helptext"
    assert reverse("account_reset_password") in page.links
    assert reverse("account_signup") in page.links


def test_a_failed_sign_in_shows_each_error_tied_to_its_field_and_keeps_the_address(client):
    response = client.post(reverse("account_login"), {"login": "not-an-address", "password": ""})
    page = _Page(response.content.decode())
    inputs = _login_form_inputs(page)
    assert inputs["login"]["value"] == "not-an-address"
    for name in ("login", "password"):
        assert inputs[name]["aria-invalid"] == "true"
        assert "is-invalid" in inputs[name]["class"]
        error_id = f"id_{name}_error"
        assert error_id in inputs[name]["aria-describedby"].split()
        assert page.ids[error_id].strip()
    assert "value" not in inputs["password"]


def test_a_wrong_password_is_said_above_the_fields(client):
    user = UserFactory()
    response = client.post(reverse("account_login"), {"login": user.email, "password": "wrong"})
    html = response.content.decode()
    assert re.search(r'class="alert alert-block alert-danger">\s*<ul class="m-0">\s*<li>', html)
    assert "aria-invalid" not in html


def test_the_sign_in_page_carries_next_into_the_form_and_the_sign_up_link(client):
    response = client.get(reverse("account_login") + "?next=/applications/")
    page = _Page(response.content.decode())
    assert _login_form_inputs(page)["next"]["value"] == "/applications/"
    assert reverse("account_signup") + "?next=%2Fapplications%2F" in page.links


def test_signing_in_with_the_pages_own_form_goes_to_next(client):
    user = UserFactory()
    page = _Page(client.get(reverse("account_login") + "?next=/applications/").content.decode())
    data = {name: attrs.get("value", "") for name, attrs in _login_form_inputs(page).items()
            if name != "remember"}
    data.update(login=user.email, password="correct-horse-battery")
    response = client.post(reverse("account_login"), data)
    assert response.status_code == 302 and response.url == "/applications/"
    assert client.session["_auth_user_id"] == str(user.pk)


def test_the_sign_in_page_is_in_the_visitors_language(client):
    response = client.get(reverse("account_login"), HTTP_ACCEPT_LANGUAGE="es")
    html = response.content.decode()
    with translation.override("es"):
        for text in ("Sign In", "Forgot your password?", "Remember Me"):
            translated = translation.gettext(text)
            assert translated != text
            assert translated in html


@pytest.mark.django_db
def test_the_portuguese_sign_in_page_is_brazilian_throughout(client):
    """allauth's own Portuguese is European; the portal's catalogue speaks for it."""
    response = client.post(reverse("account_login"),
                           {"login": "nobody@city.example.eu", "password": "wrong-one-123"},
                           HTTP_ACCEPT_LANGUAGE="pt")
    html = response.content.decode().lower()
    assert "palavra-passe" not in html
    assert "senha" in html and "não estão corretos" in html


@pytest.mark.parametrize("message, brazilian", [
    ("You have signed out.", "Você saiu da sua conta."),
    ("Password successfully changed.", "Senha alterada com sucesso."),
])
def test_account_messages_are_in_brazilian_portuguese(message, brazilian):
    from django.utils import translation

    with translation.override("pt"):
        assert translation.gettext(message) == brazilian


def test_the_stored_unbound_form_shows_each_language_its_own_words(client):
    """The unbound form's fields are drawn once per language ({% samefor %})."""
    client.get(reverse("account_login"))  # stored in English
    french = client.get(reverse("account_login"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Mot de passe oublié" in french and "Forgot your password?" not in french


def test_a_form_sent_back_with_errors_is_never_the_stored_one(client):
    client.get(reverse("account_login"))
    page = client.post(reverse("account_login"), {"login": "not-an-address",
                                                  "password": ""}).content.decode()
    assert 'value="not-an-address"' in page and "is-invalid" in page
    again = client.get(reverse("account_login")).content.decode()
    assert 'value="not-an-address"' not in again and "is-invalid" not in again
