import smtplib
from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction

from iuc_portal.mail import services
from iuc_portal.mail.models import OutboundEmail
from iuc_portal.mail.tasks import send_pending_emails


def _queue(key="k-1", to="city@example.eu"):
    return services.queue_rendered_email(
        to=to,
        subject="Your application",
        body_text="Thanks",
        body_html="<p>Thanks</p>",
        language="en",
        template="test",
        idempotency_key=key,
    )


@pytest.mark.django_db
def test_queued_email_is_sent_after_commit_with_text_and_html(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _queue()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["city@example.eu"]
    assert message.alternatives[0][1] == "text/html"
    assert OutboundEmail.objects.get().state == OutboundEmail.State.SENT


@pytest.mark.django_db
def test_the_same_idempotency_key_queues_and_sends_one_email(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _queue()
        _queue()
    services.deliver_email(email_id=OutboundEmail.objects.get().pk)
    assert OutboundEmail.objects.count() == 1
    assert len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_rolled_back_change_sends_no_email():
    with pytest.raises(RuntimeError), transaction.atomic():
        _queue()
        raise RuntimeError("the change failed")
    assert OutboundEmail.objects.count() == 0
    assert mail.outbox == []


@pytest.mark.django_db
def test_smtp_outage_keeps_the_email_pending_and_the_sweeper_sends_it_later(
    monkeypatch, django_capture_on_commit_callbacks
):
    def refuse(self, *args, **kwargs):
        raise smtplib.SMTPServerDisconnected("mail server down")

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", refuse)
    with django_capture_on_commit_callbacks(execute=True):
        email = _queue()
    email.refresh_from_db()
    assert email.state == OutboundEmail.State.PENDING
    assert email.attempts == 1
    assert "mail server down" in email.last_error

    monkeypatch.undo()
    assert send_pending_emails() == 0  # not before the backoff
    OutboundEmail.objects.filter(pk=email.pk).update(next_attempt_at=email.created_at)
    assert send_pending_emails() == 1
    assert send_pending_emails() == 0
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_broker_outage_does_not_lose_the_email(monkeypatch, django_capture_on_commit_callbacks):
    from iuc_portal.mail import tasks

    def broker_down(*args, **kwargs):
        raise ConnectionRefusedError("broker down")

    monkeypatch.setattr(tasks.send_email, "apply_async", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        email = _queue()
    assert OutboundEmail.objects.get(pk=email.pk).state == OutboundEmail.State.PENDING
    assert mail.outbox == []


@pytest.mark.django_db
def test_delivery_gives_up_once_the_retry_window_has_passed(monkeypatch):
    monkeypatch.setattr(
        "django.core.mail.backends.locmem.EmailBackend.send_messages",
        lambda self, messages: (_ for _ in ()).throw(smtplib.SMTPException("no")),
    )
    email = _queue()
    OutboundEmail.objects.filter(pk=email.pk).update(
        retry_until=email.created_at - timedelta(seconds=1)
    )
    assert services.deliver_email(email_id=email.pk) is services.Delivery.GAVE_UP
    email.refresh_from_db()
    assert email.state == OutboundEmail.State.FAILED


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["es", "fr"])
def test_html_emails_declare_the_language_they_are_written_in(language):
    from iuc_portal.mail import services as mail_services

    email = mail_services.queue_email(
        to="city@example.eu", template="applications/email/submitted", language=language,
        idempotency_key=f"lang-{language}",
        context={"city": "Almada", "call": "Demo", "application_url": "/applications/1/"},
    )
    assert f'<html lang="{language}">' in email.body_html
