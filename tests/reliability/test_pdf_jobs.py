"""PDF jobs survive a broker outage and a dead worker: a job row, a sweeper that
re-queues it, and a page that says what is happening and offers to try again."""

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from applications import services
from iuc_portal.jobs import services as jobs
from iuc_portal.jobs.models import Job
from tests.applications.helpers import ready_draft
from tests.factories import CallFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def official(client, db):
    user = UserFactory()
    client.force_login(user)
    return user


@pytest.fixture
def submitted(official):
    application = ready_draft(call=CallFactory(slug="demo"), owner=official)
    return services.submit_application(application=application, by=official)


def _broker_down(monkeypatch):
    from applications import tasks

    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("broker down")

    monkeypatch.setattr(tasks.render_application_pdf, "apply_async", refuse)
    return monkeypatch.undo


def test_a_pdf_job_the_broker_never_got_is_requeued_by_the_sweeper(
    official, monkeypatch, django_capture_on_commit_callbacks
):
    application = ready_draft(call=CallFactory(slug="demo"), owner=official)
    broker_back = _broker_down(monkeypatch)
    with django_capture_on_commit_callbacks(execute=True):
        services.submit_application(application=application, by=official)
    job = Job.objects.get(key=services.pdf_job_key(application.pk))
    assert job.state == Job.State.QUEUED
    application.refresh_from_db()
    assert not application.pdf

    broker_back()
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.requeue_stuck_jobs() == 0  # it may still be in the queue
    later = timezone.now() + jobs.NEVER_STARTED_AFTER + timedelta(seconds=1)
    with time_machine.travel(later), django_capture_on_commit_callbacks(execute=True):
        assert jobs.requeue_stuck_jobs() == 1
    job.refresh_from_db()
    application.refresh_from_db()
    assert job.state == Job.State.DONE and job.attempts == 1
    assert application.pdf


def test_a_pdf_job_whose_worker_died_is_requeued_and_a_late_duplicate_does_nothing(
    submitted, django_capture_on_commit_callbacks
):
    from applications.tasks import render_application_pdf

    job = Job.objects.get(key=services.pdf_job_key(submitted.pk))
    Job.objects.filter(pk=job.pk).update(state=Job.State.RUNNING, started_at=timezone.now(),
                                         attempts=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.requeue_stuck_jobs() == 0  # a live worker may still be rendering
    later = timezone.now() + jobs.RUNNING_STALE_AFTER + timedelta(seconds=1)
    with time_machine.travel(later), django_capture_on_commit_callbacks(execute=True):
        assert jobs.requeue_stuck_jobs() == 1
    job.refresh_from_db()
    assert (job.state, job.attempts) == (Job.State.DONE, 2)
    # The lost worker's message, delivered again by Redis: nothing to do.
    assert render_application_pdf(submitted.pk, job_id=job.pk) is None


def test_a_job_lost_on_every_attempt_fails_and_the_page_offers_to_try_again(
    client, submitted, django_capture_on_commit_callbacks
):
    job = Job.objects.get(key=services.pdf_job_key(submitted.pk))
    Job.objects.filter(pk=job.pk).update(
        state=Job.State.RUNNING, attempts=jobs.MAX_ATTEMPTS,
        started_at=timezone.now() - jobs.RUNNING_STALE_AFTER - timedelta(seconds=1),
        created_at=timezone.now() - timedelta(minutes=10),
    )
    assert jobs.requeue_stuck_jobs() == 0
    job.refresh_from_db()
    assert job.state == Job.State.FAILED

    page = client.get(reverse("applications:detail", args=[submitted.pk])).content.decode()
    assert "taking longer than usual" in page
    status = client.get(reverse("applications:pdf_status", args=[submitted.pk])).json()
    assert status == {"ready": False, "url": None, "progress": "failed"}

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("applications:prepare_pdf", args=[submitted.pk]))
    status = client.get(reverse("applications:pdf_status", args=[submitted.pk])).json()
    assert status["ready"] is True
    assert Job.objects.filter(key=job.key, state=Job.State.DONE).count() == 1


def test_the_page_says_preparing_first_and_longer_than_usual_after_a_minute(
    client, submitted, monkeypatch
):
    url = reverse("applications:pdf_status", args=[submitted.pk])
    assert client.get(url).json()["progress"] == "preparing"
    with time_machine.travel(timezone.now() + jobs.SLOW_AFTER + timedelta(seconds=1)):
        assert client.get(url).json()["progress"] == "slow"


def test_two_requests_for_one_pdf_share_one_live_job(submitted):
    services.request_application_pdf(application=submitted)
    services.request_application_pdf(application=submitted)
    assert Job.objects.filter(key=services.pdf_job_key(submitted.pk)).count() == 1


def test_redis_never_redelivers_a_task_that_is_still_within_its_time_limit():
    """The visibility timeout must exceed every task's hard time limit."""
    from iuc_portal.celery import app

    app.loader.import_default_modules()
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    limits = [task.time_limit or settings.CELERY_TASK_TIME_LIMIT
              for name, task in app.tasks.items() if not name.startswith("celery.")]
    assert max(limits) < visibility
    assert jobs.RUNNING_STALE_AFTER.total_seconds() > app.tasks[
        "applications.tasks.render_application_pdf"].time_limit
