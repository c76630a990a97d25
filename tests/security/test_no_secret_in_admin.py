"""No admin page, export, history or log line shows a password-reset or verification
secret, even to a superuser."""

import logging
import re

import pytest
from django.core import mail
from django.urls import NoReverseMatch, reverse

from iuc_portal.mail.models import OutboundEmail
from tests.factories import UserFactory
from tests.security.test_access_walk import ADMIN, classify, url_patterns

RESET_KEY = re.compile(r"/accounts/password/reset/key/([^\s\"<]+)/")


def _admin_url(route, name, object_ids):
    if not name:
        return None
    model = re.match(r"admin:(\w+?)_(\w+?)_(change|delete|history)$", name)
    object_id = object_ids.get(f"{model.group(1)}.{model.group(2)}", 1) if model else 1
    try:
        if "object_id" in route:
            return reverse(name, kwargs={"object_id": object_id})
        if "app_label" in route:
            return reverse(name, kwargs={"app_label": "mail"})
        return reverse(name)
    except NoReverseMatch:
        return None  # needs arguments that are not an object of ours: not a data page


@pytest.mark.django_db
def test_no_admin_page_shows_a_reset_or_verification_secret(client, caplog):
    caplog.set_level(logging.DEBUG)
    victim = UserFactory(email="victim@iuc.example.eu", is_staff=True, is_superuser=True)
    client.post(reverse("account_reset_password"), {"email": victim.email})  # stays pending
    client.post(reverse("account_signup"), {"email": "new@city.example.eu",
                                            "password1": "a-long-city-passphrase",
                                            "password2": "a-long-city-passphrase"})
    pending = OutboundEmail.objects.get(to_email=victim.email)
    secrets = set(RESET_KEY.findall(pending.body_text))
    verification = OutboundEmail.objects.get(to_email="new@city.example.eu")
    secrets |= set(re.findall(r"/accounts/confirm-email/([^/\s]+)/", verification.body_text))
    assert len(secrets) == 2

    client.logout()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    object_ids = {"mail.outboundemail": pending.pk, "accounts.user": victim.pk}
    seen = 0
    for route, name in url_patterns():
        if classify(route, name) != ADMIN:
            continue
        url = _admin_url(route, name, object_ids)
        if url is None:
            continue
        response = client.get(url)
        assert response.status_code < 500, url
        body = response.content.decode(errors="replace")
        for secret in secrets:
            assert secret not in body, url
        seen += 1
    assert seen > 60
    for secret in secrets:
        assert secret not in caplog.text


@pytest.mark.django_db
def test_the_outbox_offers_no_export():
    with pytest.raises(NoReverseMatch):
        reverse("admin:mail_outboundemail_export")


@pytest.mark.django_db
def test_sending_a_reset_email_logs_no_secret(client, caplog, django_capture_on_commit_callbacks):
    caplog.set_level(logging.DEBUG)
    victim = UserFactory(email="victim@iuc.example.eu")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_reset_password"), {"email": victim.email})
    key = RESET_KEY.search(mail.outbox[0].body).group(1)
    assert key not in caplog.text
    row = OutboundEmail.objects.get(to_email=victim.email)
    assert key not in row.body_text + row.body_html + row.last_error + str(row.context)
