"""Requests any client can send are answered by the rules: a HEAD has no body, and a
NUL character in the query string is a clear 400, never a server error
(iuc_portal.core.middleware)."""

import io
import sys

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def served(method: str, path: str, query: str = "", **headers) -> tuple[str, bytes]:
    """The status and body the portal hands to the WSGI server (gunicorn sends both as
    they are; the test client would drop a HEAD body by itself)."""
    environ = {
        "REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": query,
        "SERVER_NAME": "testserver", "SERVER_PORT": "80", "HTTP_HOST": "testserver",
        "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1", "wsgi.input": io.BytesIO(),
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr, "wsgi.version": (1, 0), "wsgi.multithread": False,
        "wsgi.multiprocess": True, "wsgi.run_once": False, **headers,
    }
    status = []
    # As Django's test client: the test's database connection (its transaction) stays
    # open across the request's start and finish.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        response = WSGIHandler()(environ, lambda s, headers, exc_info=None: status.append(s))
        try:
            return status[0], b"".join(response)
        finally:
            response.close()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.mark.parametrize("path", ["/", "/programme/", "/accounts/login/", "/no-such-page/"])
def test_a_head_request_gets_the_status_of_its_get_and_no_body(path):
    get_status, get_body = served("GET", path)
    head_status, head_body = served("HEAD", path)
    assert head_status == get_status and get_body
    assert head_body == b""


def test_the_page_cache_keeps_the_whole_page_after_a_head_request():
    served("HEAD", "/programme/")
    status, body = served("GET", "/programme/")
    assert status.startswith("200") and b"</html>" in body


@pytest.mark.parametrize("query", ["q=%00", "region=asia%00", "%00=1"])
def test_a_nul_in_a_public_query_is_a_bad_request_with_the_portal_page(client, query):
    response = client.get(f"/programme/?{query}")
    assert response.status_code == 400
    assert "NUL" in response.content.decode() and 'lang="en"' in response.content.decode()


@pytest.mark.parametrize("url", [
    "/admin/applications/application/?status__exact=%00",
    "/admin/pairings/pairing/?status__exact=%00",
    "/admin/accounts/user/?language__exact=%00",
])
def test_a_nul_in_an_admin_filter_is_a_bad_request_not_a_server_error(admin_client, url):
    assert admin_client.get(url).status_code == 400


def test_the_bad_request_page_speaks_each_visitors_language():
    """As a worker serves them: the language of the request before must not stay."""
    for language, before in (("fr", "es"), ("es", "pt"), ("pt", "fr"), ("en", "fr")):
        served("GET", "/programme/", HTTP_ACCEPT_LANGUAGE=before)
        status, body = served("GET", "/programme/", "q=%00", HTTP_ACCEPT_LANGUAGE=language)
        assert status.startswith("400") and f'lang="{language}"'.encode() in body


@pytest.mark.parametrize("section", ["city", "contact", "themes"])
@pytest.mark.parametrize("number", ["99999999999999999999", "9223372036854775808"])
def test_an_application_number_no_row_can_have_is_not_found(client, section, number):
    client.force_login(UserFactory())
    assert client.get(f"/applications/{number}/edit/{section}/").status_code == 404


@pytest.mark.parametrize("number", ["99999999999999999999", "9223372036854775808"])
def test_a_plan_number_no_row_can_have_is_not_found(client, number):
    client.force_login(UserFactory())
    assert client.get(f"/plans/{number}/").status_code == 404
