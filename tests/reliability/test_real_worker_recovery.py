"""Fault drills on a real Celery worker: killed mid-render, killed mid-send."""

import time
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from applications import services
from iuc_portal.jobs import services as jobs
from iuc_portal.jobs.models import Job
from iuc_portal.mail import services as mail_services
from iuc_portal.mail.models import OutboundEmail
from tests.applications.helpers import ready_draft
from tests.factories import CallFactory, UserFactory

from .faults import frozen_server, smtp_sink, use_smtp
from .worker import Worker, purge, require_real_stack

pytestmark = [pytest.mark.integration,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _wait_for(condition, seconds, step=0.02):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return False


def test_a_pdf_whose_worker_is_killed_mid_render_is_rendered_after_the_sweep(tmp_path):
    require_real_stack()
    purge("pdf")
    owner = UserFactory()
    application = ready_draft(call=CallFactory(slug="demo"), owner=owner)
    first = Worker(tmp_path, "pdf", "pdf-a").start()
    second = None
    try:
        with transaction.atomic():
            services.submit_application(application=application, by=owner)
        job = Job.objects.get(key=services.pdf_job_key(application.pk))
        assert _wait_for(
            lambda: Job.objects.filter(pk=job.pk, state=Job.State.RUNNING).exists(), 90
        ), first.log()
        first.kill()  # mid-render: the message stays unacknowledged in Redis
        job.refresh_from_db()
        assert job.state == Job.State.RUNNING, "the render finished before the kill"
        application.refresh_from_db()
        assert not application.pdf

        second = Worker(tmp_path, "pdf", "pdf-b").start()
        # RUNNING_STALE_AFTER later (moved here, not waited for), the sweeper re-queues it.
        Job.objects.filter(pk=job.pk).update(
            started_at=timezone.now() - jobs.RUNNING_STALE_AFTER - timedelta(seconds=1)
        )
        started = time.monotonic()
        with transaction.atomic():
            assert jobs.requeue_stuck_jobs() == 1
        assert _wait_for(
            lambda: Job.objects.filter(pk=job.pk, state=Job.State.DONE).exists(), 90, 0.1
        ), second.log()
        print(f"\nPDF rendered {time.monotonic() - started:.1f} s after the sweep")
    finally:
        first.stop()
        if second:
            second.stop()
    application.refresh_from_db()
    assert application.pdf
    job.refresh_from_db()
    assert job.attempts == 2


def test_an_email_whose_worker_is_killed_mid_send_goes_out_again_with_its_message_id(
    tmp_path, settings
):
    require_real_stack()
    purge("mail")
    import asyncio

    with smtp_sink() as (sink, port):
        accepted = []

        async def slow_data(server, session, envelope):  # takes it, answers late
            accepted.append(envelope.content)
            await asyncio.sleep(30)
            return "250 OK"

        sink.handle_DATA = slow_data
        worker = Worker(tmp_path, "mail", "mail-a", extra_env={
            "EMAIL_URL": f"smtp://127.0.0.1:{port}"}).start()
        try:
            with transaction.atomic():
                email = mail_services.queue_rendered_email(
                    to="mayor@surat.example.in", subject="Killed mid-send", body_text="Hi",
                    language="en", template="test", idempotency_key="drill:killed-mid-send",
                )
            assert _wait_for(lambda: bool(accepted), 90, 0.05), worker.log()
            worker.kill()
        finally:
            worker.stop()
        email.refresh_from_db()
        assert email.state == OutboundEmail.State.SENDING

        sink.handle_DATA = type(sink).handle_DATA.__get__(sink)
        use_smtp(settings, port)
        OutboundEmail.objects.filter(pk=email.pk).update(
            sending_since=timezone.now() - mail_services.SENDING_STALE_AFTER - timedelta(seconds=1)
        )
        assert mail_services.deliver_due_emails() == 1
    email.refresh_from_db()
    assert email.state == OutboundEmail.State.SENT
    ids = {part.split(b"\r\n")[0] for message in accepted + sink.messages
           for part in message.split(b"Message-ID: ")[1:]}
    assert len(accepted + sink.messages) == 2  # at least once: here, twice
    assert ids == {mail_services.message_id(email).encode()}


def test_a_hung_mail_server_does_not_delay_a_pdf(tmp_path):
    """E-mails and PDFs have queues and workers of their own."""
    require_real_stack()
    purge("mail", "pdf")
    owner = UserFactory()
    application = ready_draft(call=CallFactory(slug="demo"), owner=owner)
    with frozen_server() as smtp_port:
        mail_worker = Worker(tmp_path, "mail", "mail-hung", extra_env={
            "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}", "EMAIL_TIMEOUT": "5"}).start()
        pdf_worker = Worker(tmp_path, "pdf", "pdf-ok").start()
        try:
            with transaction.atomic():
                for n in range(4):
                    mail_services.queue_rendered_email(
                        to=f"city{n}@example.eu", subject="Before the PDF", body_text="Hi",
                        language="en", template="test", idempotency_key=f"drill:hung:{n}",
                    )
            with transaction.atomic():
                services.submit_application(application=application, by=owner)
            job = Job.objects.get(key=services.pdf_job_key(application.pk))
            assert _wait_for(
                lambda: Job.objects.filter(pk=job.pk, state=Job.State.DONE).exists(), 90, 0.1
            ), pdf_worker.log()
            assert _wait_for(
                lambda: not OutboundEmail.objects.filter(attempts=0).exists(), 90, 0.1
            ), mail_worker.log()
        finally:
            mail_worker.stop()
            pdf_worker.stop()
    assert not OutboundEmail.objects.filter(state=OutboundEmail.State.SENT).exists()
    # The hung server cost the mail worker one timeout for the whole batch, not one each.
    pending = OutboundEmail.objects.filter(state=OutboundEmail.State.PENDING)
    assert pending.count() == 5
    assert {e.attempts for e in pending} == {1}
