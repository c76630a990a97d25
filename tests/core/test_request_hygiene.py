"""Requests any client can send are answered by the rules: a HEAD has no body, and a
NUL character in the query string is a clear 400, never a server error
(iuc_portal.core.middleware)."""

import io
import sys

import pytest
from django.core.handlers.wsgi import WSGIHandler

pytestmark = pytest.mark.django_db


def served(method: str, path: str, query: str = "") -> tuple[str, bytes]:
    """The status and body the portal hands to the WSGI server (gunicorn sends both as
    they are; the test client would drop a HEAD body by itself)."""
    environ = {
        "REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": query,
        "SERVER_NAME": "testserver", "SERVER_PORT": "80", "HTTP_HOST": "testserver",
        "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1", "wsgi.input": io.BytesIO(),
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr, "wsgi.version": (1, 0), "wsgi.multithread": False,
        "wsgi.multiprocess": True, "wsgi.run_once": False,
    }
    status = []
    response = WSGIHandler()(environ, lambda s, headers, exc_info=None: status.append(s))
    try:
        return status[0], b"".join(response)
    finally:
        response.close()


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


def test_the_bad_request_page_speaks_the_visitors_language(client):
    response = client.get("/programme/?q=%00", HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 400 and 'lang="fr"' in response.content.decode()
