"""Error pages are the portal's own, in the reader's language, with the navigation."""

import pytest

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_page_that_does_not_exist_is_the_portals_own_page_in_the_readers_language(client):
    client.force_login(UserFactory(language="fr"))
    client.cookies["django_language"] = "fr"
    response = client.get("/applications/987654321/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Page introuvable" in html and 'lang="fr"' in html
    assert "Aller à la page d’accueil" in html and 'class="portal-header"' in html


def test_the_server_error_page_needs_nothing_that_could_fail():
    from pathlib import Path

    html = (Path(__file__).resolve().parents[2] / "templates" / "500.html").read_text()
    assert "{%" not in html and "{{" not in html and "{#" not in html


def test_a_form_refused_by_the_csrf_check_gets_the_portal_page_in_the_readers_language():
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"login": "a@b.eu", "password": "x"},
                           HTTP_ACCEPT_LANGUAGE="es")
    html = response.content.decode()
    assert response.status_code == 403
    assert 'lang="es"' in html and "No se pudo enviar el formulario" in html
