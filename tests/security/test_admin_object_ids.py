"""No admin page fails on an object id that is not a number (or not an object)."""

import pytest
from django.contrib import admin
from django.urls import NoReverseMatch, reverse

from tests.factories import UserFactory


def _admin_pages():
    for model in admin.site._registry:
        opts = model._meta
        for view in ("change", "delete", "history"):
            yield f"admin:{opts.app_label}_{opts.model_name}_{view}"


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(_admin_pages()))
@pytest.mark.parametrize("object_id", ["abc", "9" * 30])
def test_every_admin_object_page_answers_a_bad_id_without_a_server_error(client, name, object_id):
    client.raise_request_exception = False
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    try:
        url = reverse(name, args=[object_id])
    except NoReverseMatch:  # the pattern itself refuses it: nothing to serve
        return
    response = client.get(url)
    assert response.status_code in {200, 302, 403, 404}, (url, response.status_code)


@pytest.mark.django_db
def test_the_pairing_admin_answers_a_non_numeric_id_with_not_found(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    for url in ("/admin/pairings/pairing/abc/change/", "/admin/pairings/pairing/abc/history/"):
        assert client.get(url).status_code == 404
