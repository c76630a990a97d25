"""A refusing, failing or silent mail server: temporary failures are retried for a
day, permanent ones fail at once for staff to see, and nothing is lost or blocks."""

import email as email_parser
import time
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from iuc_portal.mail import services
from iuc_portal.mail.models import OutboundEmail
from iuc_portal.mail.tasks import send_pending_emails

from .faults import closed_port, frozen_server, smtp_sink, use_smtp

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _queue(key="k-1", to="mayor@rotterdam.example.nl"):
    return services.queue_rendered_email(
        to=to, subject="Your application", body_text="Thanks", body_html="<p>Thanks</p>",
        language="en", template="test", idempotency_key=key,
    )


def _sweep_every_minute(traveller, minutes):
    for _ in range(minutes):
        traveller.shift(timedelta(minutes=1))
        send_pending_emails()


def test_a_refusing_server_keeps_the_email_for_a_day_and_it_goes_out_when_back(settings):
    port = closed_port()
    use_smtp(settings, port)
    with time_machine.travel(START, tick=False) as traveller:
        email = _queue()
        assert services.deliver_email(email_id=email.pk) is services.Delivery.RETRY_LATER
        email.refresh_from_db()
        assert email.state == OutboundEmail.State.PENDING
        assert email.next_attempt_at == START + timedelta(minutes=1)
        assert "ConnectionRefusedError" in email.last_error

        _sweep_every_minute(traveller, 60 * 20)  # twenty hours of outage, swept each minute
        email.refresh_from_db()
        assert email.state == OutboundEmail.State.PENDING
        assert 20 <= email.attempts <= 40  # backoff: tries become hourly

        with smtp_sink(port) as (sink, _port):
            _sweep_every_minute(traveller, 61)
        email.refresh_from_db()
        assert email.state == OutboundEmail.State.SENT
        assert len(sink.messages) == 1


def test_an_email_still_failing_after_the_retry_window_fails_for_staff_to_see(settings):
    use_smtp(settings, closed_port())
    with time_machine.travel(START, tick=False) as traveller:
        email = _queue()
        services.deliver_email(email_id=email.pk)
        traveller.shift(timedelta(hours=24, minutes=1))
        send_pending_emails()
    email.refresh_from_db()
    assert email.state == OutboundEmail.State.FAILED
    assert "after the retry window" in email.last_error


def test_a_4xx_answer_is_temporary(settings):
    with smtp_sink() as (sink, port):
        use_smtp(settings, port)
        sink.rcpt_reply = "450 4.2.1 Mailbox busy, try later"
        email = _queue()
        assert services.deliver_email(email_id=email.pk) is services.Delivery.RETRY_LATER
        email.refresh_from_db()
        assert email.state == OutboundEmail.State.PENDING
        assert "450" in email.last_error
        sink.rcpt_reply = None
        with time_machine.travel(timedelta(minutes=2)):
            assert send_pending_emails() == 1
    assert len(sink.messages) == 1


def test_a_5xx_for_the_recipient_fails_at_once_and_shows_in_the_admin(settings, admin_client):
    with smtp_sink() as (sink, port):
        use_smtp(settings, port)
        sink.rcpt_reply = "550 5.1.1 No such user here"
        email = _queue()
        assert services.deliver_email(email_id=email.pk) is services.Delivery.GAVE_UP
    email.refresh_from_db()
    assert email.state == OutboundEmail.State.FAILED
    assert "550" in email.last_error and "permanent" in email.last_error
    assert sink.messages == []
    page = admin_client.get(reverse("admin:mail_outboundemail_changelist")).content.decode()
    assert "1 e-mail failed" in page
    assert "No such user here" in page


def test_staff_resend_a_failed_email_from_the_admin(settings, admin_client):
    email = _queue()
    OutboundEmail.objects.filter(pk=email.pk).update(
        state=OutboundEmail.State.FAILED, last_error="550 gone", attempts=3
    )
    with smtp_sink() as (sink, port):
        use_smtp(settings, port)
        response = admin_client.post(
            reverse("admin:mail_outboundemail_changelist"),
            {"action": "resend", "_selected_action": [email.pk]}, follow=True,
        )
        assert "1 e-mail will be sent again." in response.content.decode()
        email.refresh_from_db()
        assert email.state == OutboundEmail.State.PENDING
        assert email.retry_until > datetime.now(UTC) + timedelta(hours=23)
        assert send_pending_emails() == 1
    assert len(sink.messages) == 1


def test_a_silent_server_holds_a_worker_for_the_email_timeout_only(settings):
    with frozen_server() as port:
        use_smtp(settings, port, timeout=1)
        email = _queue()
        started = time.monotonic()
        assert services.deliver_email(email_id=email.pk) is services.Delivery.RETRY_LATER
        elapsed = time.monotonic() - started
    assert elapsed < 2.5
    email.refresh_from_db()
    assert email.state == OutboundEmail.State.PENDING
    assert "timed out" in email.last_error.lower()


def test_pending_emails_go_out_in_one_batch_over_one_connection(settings):
    for n in range(30):
        _queue(key=f"batch-{n}", to=f"city{n}@example.eu")
    with smtp_sink() as (sink, port):
        use_smtp(settings, port)
        assert send_pending_emails() == 30
    assert sink.connections == 1
    assert len(sink.messages) == 30
    assert not OutboundEmail.objects.exclude(state=OutboundEmail.State.SENT).exists()


def test_one_refused_recipient_does_not_stop_the_rest_of_the_batch(settings):
    with smtp_sink() as (sink, port):
        use_smtp(settings, port)
        bad = _queue(key="bad", to="nobody@example.eu")
        good = _queue(key="good", to="mayor@example.eu")

        async def refuse_one(server, session, envelope, address, options):
            if address.startswith("nobody"):
                return "550 No such user"
            envelope.rcpt_tos.append(address)
            return "250 OK"

        sink.handle_RCPT = refuse_one
        send_pending_emails()
    bad.refresh_from_db()
    good.refresh_from_db()
    assert (bad.state, good.state) == (OutboundEmail.State.FAILED, OutboundEmail.State.SENT)


def test_a_row_left_sending_by_a_dead_worker_goes_out_again_with_the_same_message_id(settings):
    """At least once: the worker died after claiming (maybe after the server took it)."""
    with smtp_sink() as (sink, port):
        use_smtp(settings, port)
        with time_machine.travel(START, tick=False) as traveller:
            email = _queue()
            assert [e.pk for e in services.claim_batch()] == [email.pk]  # ...and dies
            email.refresh_from_db()
            assert email.state == OutboundEmail.State.SENDING
            traveller.shift(timedelta(minutes=4))
            assert send_pending_emails() == 0  # maybe still being sent: leave it
            traveller.shift(timedelta(minutes=2))
            assert send_pending_emails() == 1
    email.refresh_from_db()
    assert email.state == OutboundEmail.State.SENT
    sent = email_parser.message_from_bytes(sink.messages[0])
    assert sent["Message-ID"] == services.message_id(email)


def test_healthz_shows_the_mail_backlog(client):
    with time_machine.travel(START, tick=False) as traveller:
        _queue(key="a")
        failed = _queue(key="b")
        OutboundEmail.objects.filter(pk=failed.pk).update(state=OutboundEmail.State.FAILED)
        traveller.shift(timedelta(minutes=10))
        body = client.get("/healthz").json()
    assert body["mail"] == {
        "pending": 1, "sending": 0, "failed": 1, "oldest_pending_seconds": 600,
    }
