"""Secret-bearing e-mails (password reset, e-mail verification, login code): sent once
after commit like every e-mail, but their body is shown to no one and erased once sent."""

import re
import smtplib

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.urls import reverse

from iuc_portal.accounts.roles import STAFF_GROUP
from iuc_portal.mail import services
from iuc_portal.mail.models import OutboundEmail
from tests.factories import UserFactory

RESET_LINK = re.compile(r"/accounts/password/reset/key/[^\s\"<]+")


def _request_reset(client, email):
    return client.post(reverse("account_reset_password"), {"email": email})


@pytest.mark.django_db
def test_password_reset_email_is_marked_sensitive_sent_once_and_its_body_erased(
    client, django_capture_on_commit_callbacks
):
    victim = UserFactory(email="victim@city.example.eu")
    with django_capture_on_commit_callbacks(execute=True):
        _request_reset(client, victim.email)

    assert len(mail.outbox) == 1
    assert RESET_LINK.search(mail.outbox[0].body)  # the person still gets the link
    row = OutboundEmail.objects.get(to_email=victim.email)
    assert row.sensitive
    assert row.state == OutboundEmail.State.SENT
    assert not RESET_LINK.search(row.body_text + row.body_html + str(row.context))
    assert services.deliver_email(email_id=row.pk) is services.Delivery.NOTHING_TO_DO
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_signup_verification_email_is_sensitive(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_signup"), {
            "email": "new@city.example.eu",
            "password1": "a-long-city-passphrase",
            "password2": "a-long-city-passphrase",
        })
    row = OutboundEmail.objects.get(to_email="new@city.example.eu")
    assert row.sensitive
    assert "/accounts/confirm-email/" in mail.outbox[0].body
    assert "/accounts/confirm-email/" not in row.body_text + row.body_html


@pytest.mark.django_db
def test_a_sensitive_email_given_up_keeps_no_body(monkeypatch, django_capture_on_commit_callbacks):
    def refuse(self, *args, **kwargs):
        # A permanent refusal for the recipient: the e-mail is given up at once.
        raise smtplib.SMTPRecipientsRefused({"a@city.example.eu": (550, b"no such user")})

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", refuse)
    email = services.queue_rendered_email(
        to="a@city.example.eu", subject="Reset", body_text="secret /reset/key/abc",
        body_html="<a href='/reset/key/abc'>x</a>", language="en", template="account/x",
        idempotency_key="sensitive-1", sensitive=True,
    )
    assert services.deliver_email(email_id=email.pk) is services.Delivery.GAVE_UP
    email.refresh_from_db()
    assert email.state == OutboundEmail.State.FAILED
    assert "abc" not in email.body_text + email.body_html


@pytest.mark.django_db
def test_an_ordinary_email_keeps_its_body_for_audit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        email = services.queue_rendered_email(
            to="a@city.example.eu", subject="Submitted", body_text="Thanks", language="en",
            template="applications/email/submitted", idempotency_key="plain-1",
        )
    email.refresh_from_db()
    assert email.state == OutboundEmail.State.SENT
    assert email.body_text == "Thanks"
    assert not email.sensitive


def _staff():
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name=STAFF_GROUP))
    return user


@pytest.fixture
def pending_reset(client):
    """A reset e-mail not yet sent (the broker is down): its body still holds the link."""
    victim = UserFactory(email="victim@city.example.eu", is_superuser=True, is_staff=True)
    _request_reset(client, victim.email)
    client.logout()
    row = OutboundEmail.objects.get(to_email=victim.email)
    link = RESET_LINK.search(row.body_text).group(0)
    return row, link


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["staff", "superuser"])
def test_no_admin_page_shows_the_body_of_a_pending_reset_email(client, pending_reset, who):
    row, link = pending_reset
    key = link.rstrip("/").rsplit("/", 1)[-1]
    user = _staff() if who == "staff" else UserFactory(is_staff=True, is_superuser=True)
    client.force_login(user)
    for url in (
        reverse("admin:mail_outboundemail_changelist"),
        reverse("admin:mail_outboundemail_change", args=[row.pk]),
        reverse("admin:mail_outboundemail_history", args=[row.pk]),
        reverse("admin:mail_outboundemail_changelist") + "?q=reset",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert key not in response.content.decode(), url
    response = client.get(reverse("admin:mail_outboundemail_change", args=[row.pk]))
    assert "Withheld" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["body_text", "body_html", "context"])
def test_the_outbox_admin_refuses_filters_on_a_body_so_it_is_no_oracle(
    client, pending_reset, field
):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    url = reverse("admin:mail_outboundemail_changelist")
    response = client.get(url, {f"{field}__contains": "reset"})
    assert response.status_code == 400


@pytest.mark.django_db
def test_the_migration_marks_existing_account_emails_and_erases_sent_bodies():
    import importlib

    from django.apps import apps

    migration = importlib.import_module("iuc_portal.mail.migrations.0002_sensitive")
    common = {"language": "en", "subject": "s", "template": "account/email/x"}
    sent = OutboundEmail.objects.create(idempotency_key="account:a:1", to_email="a@x.eu",
                                        body_text="/reset/key/sent", state="sent", **common)
    pending = OutboundEmail.objects.create(idempotency_key="account:a:2", to_email="a@x.eu",
                                           body_text="/reset/key/pending", **common)
    other = OutboundEmail.objects.create(idempotency_key="submitted:1", to_email="a@x.eu",
                                         body_text="Thanks", state="sent", **common)
    migration.mark_account_emails_sensitive(apps, None)
    for row in (sent, pending, other):
        row.refresh_from_db()
    assert sent.sensitive and "/reset/key/" not in sent.body_text
    assert pending.sensitive and pending.body_text == "/reset/key/pending"  # still to send
    assert not other.sensitive and other.body_text == "Thanks"


@pytest.mark.django_db
def test_a_failed_sensitive_email_is_not_re_sent_from_the_admin():
    email = services.queue_rendered_email(
        to="a@city.example.eu", subject="Reset", body_text="secret", language="en",
        template="account/x", idempotency_key="sensitive-2", sensitive=True,
    )
    OutboundEmail.objects.filter(pk=email.pk).update(state=OutboundEmail.State.FAILED)
    assert services.resend_emails(emails=OutboundEmail.objects.all(), by=None) == 0
