import re

import pytest
from django.core import mail
from django.urls import reverse

from iuc_portal.accounts.models import User
from iuc_portal.mail.models import OutboundEmail
from tests.factories import UserFactory


def _signup(client, email="new@city.example.eu"):
    return client.post(
        reverse("account_signup"),
        {
            "email": email,
            "password1": "a-long-city-passphrase",
            "password2": "a-long-city-passphrase",
        },
    )


@pytest.mark.django_db
def test_signup_queues_a_verification_email_through_the_outbox(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _signup(client)
    email = OutboundEmail.objects.get(to_email="new@city.example.eu")
    assert email.state == OutboundEmail.State.SENT
    assert "/accounts/confirm-email/" in mail.outbox[0].body


@pytest.mark.django_db
def test_unverified_official_cannot_sign_in_until_the_email_is_confirmed(client):
    _signup(client)
    client.logout()
    response = client.post(
        reverse("account_login"),
        {"login": "new@city.example.eu", "password": "a-long-city-passphrase"},
    )
    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")

    body = OutboundEmail.objects.get(to_email="new@city.example.eu").body_text
    confirm_path = re.search(r"/accounts/confirm-email/[^/\s]+/", body).group(0)
    client.post(confirm_path)
    assert User.objects.get(email="new@city.example.eu").emailaddress_set.get().verified


@pytest.mark.django_db
def test_signup_in_spanish_records_spanish_as_the_email_language(client):
    client.cookies["django_language"] = "es"
    _signup(client, "es@city.example.eu")
    user = User.objects.get(email="es@city.example.eu")
    assert user.language == "es"
    email = OutboundEmail.objects.get(to_email="es@city.example.eu")
    assert email.language == "es"
    assert "Confirm" not in email.subject


@pytest.mark.django_db
def test_repeated_failed_logins_are_rate_limited(client):
    user = UserFactory()
    for _ in range(5):
        client.post(reverse("account_login"), {"login": user.email, "password": "wrong"})
    # Even the right password is refused for a while now.
    response = client.post(
        reverse("account_login"), {"login": user.email, "password": "correct-horse-battery"}
    )
    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_password_reset_mail_goes_through_the_outbox(client):
    user = UserFactory()
    client.post(reverse("account_reset_password"), {"email": user.email})
    assert OutboundEmail.objects.filter(
        to_email=user.email, template__contains="password_reset"
    ).exists()
