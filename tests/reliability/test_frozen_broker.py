"""A broker that is down or frozen never holds up a request: the change is saved,
its e-mail row waits in the outbox and the PDF job for the sweepers."""

import time

import pytest
from django.urls import reverse

from applications.models import ApplicationStatus
from iuc_portal.mail.models import OutboundEmail
from tests.applications.helpers import ready_draft
from tests.factories import CallFactory, UserFactory

from .faults import broker_at, closed_port, frozen_server


@pytest.fixture
def official(client, db):
    user = UserFactory()
    client.force_login(user)
    return user


def _submit_timed(client, official, django_capture_on_commit_callbacks):
    application = ready_draft(call=CallFactory(slug="demo"), owner=official)
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(reverse("applications:submit", args=[application.pk]))
    # What commit adds to the request: publishing the e-mail and the PDF job.
    started = time.monotonic()
    for callback in callbacks:
        callback()
    elapsed = time.monotonic() - started
    print(f"\npublishing after commit took {elapsed:.2f} s")
    application.refresh_from_db()
    return response, application, elapsed


def test_a_frozen_broker_delays_a_submit_by_about_a_second_at_most(
    client, official, django_capture_on_commit_callbacks
):
    with frozen_server() as port, broker_at(f"redis://127.0.0.1:{port}/0"):
        response, application, elapsed = _submit_timed(
            client, official, django_capture_on_commit_callbacks
        )
    assert response.status_code == 302
    assert application.status == ApplicationStatus.SUBMITTED
    assert elapsed < 1.5, f"publishing took {elapsed:.2f} s"
    email = OutboundEmail.objects.get()
    assert email.state == OutboundEmail.State.PENDING  # left for the sweeper


def test_a_stopped_broker_delays_a_submit_by_about_a_second_at_most(
    client, official, django_capture_on_commit_callbacks
):
    with broker_at(f"redis://127.0.0.1:{closed_port()}/0"):
        response, application, elapsed = _submit_timed(
            client, official, django_capture_on_commit_callbacks
        )
    assert response.status_code == 302
    assert application.status == ApplicationStatus.SUBMITTED
    assert elapsed < 1.5, f"publishing took {elapsed:.2f} s"
    assert OutboundEmail.objects.get().state == OutboundEmail.State.PENDING
