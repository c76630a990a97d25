"""Each signed-in request reads its session and its user in plain SQL
(iuc_portal.core.sessions, iuc_portal.accounts.backends): the answers must be Django's."""

from datetime import timedelta

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.models import Session
from django.utils import timezone

from iuc_portal.accounts.backends import ModelBackend, user_by_id
from iuc_portal.core.sessions import SessionStore
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def signed_in_session(user, backend="iuc_portal.accounts.backends.ModelBackend") -> str:
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = backend
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session.session_key


def test_a_session_reads_back_what_was_stored():
    key = signed_in_session(UserFactory())
    assert SessionStore(key).load()[SESSION_KEY]


def test_an_expired_session_reads_as_empty_and_forgets_its_key():
    key = signed_in_session(UserFactory())
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - timedelta(1))
    store = SessionStore(key)
    assert store.load() == {}
    assert store.session_key is None


@pytest.mark.parametrize("key", ["", "nonexistent0000000000000000000000", "x'; DROP TABLE x;--",
                                 "abcdefghij\x00klmnop", "ABCDEFGHIJKLMNOP", "ação-sessão-0000"])
def test_an_unknown_or_malformed_session_key_reads_as_empty(key):
    store = SessionStore(key)
    assert store.load() == {}
    assert store.session_key is None


def test_a_session_cookie_with_a_nul_opens_the_page_as_for_a_new_visitor(client):
    client.cookies["sessionid"] = "abcdefghij\x00klmnop"
    assert client.get("/applications/").status_code == 302


def test_the_user_is_read_with_every_column_as_the_orm_gives_it():
    user = UserFactory()
    user.last_login = timezone.now()
    user.save()
    read = user_by_id(user.pk)
    assert read == user and read.email == user.email
    assert read.last_login == user.last_login and timezone.is_aware(read.last_login)


@pytest.mark.parametrize("user_id", ["not-a-number", "", None, "999999"])
def test_a_tampered_or_unknown_user_id_gives_no_user(user_id):
    assert user_by_id(user_id) is None


def test_an_inactive_user_is_not_signed_in():
    user = UserFactory(is_active=False)
    assert ModelBackend().get_user(user.pk) is None


def test_a_signed_in_session_opens_the_dashboard(client):
    user = UserFactory()
    client.cookies["sessionid"] = signed_in_session(user)
    response = client.get("/applications/")
    assert response.status_code == 200 and response.wsgi_request.user == user


def test_a_session_whose_password_changed_is_signed_out(client):
    user = UserFactory()
    client.cookies["sessionid"] = signed_in_session(user)
    user.set_password("a new password 2026")
    user.save()
    response = client.get("/applications/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_session_of_a_backend_no_longer_configured_signs_out_cleanly(client):
    """Sessions stored with allauth's own backend path (before the portal's subclasses)
    end: the official signs in again, and nothing fails."""
    user = UserFactory()
    client.cookies["sessionid"] = signed_in_session(
        user, backend="allauth.account.auth_backends.AuthenticationBackend")
    response = client.get("/applications/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
