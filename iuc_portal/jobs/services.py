"""Recoverable background jobs: a row first, then a broker message; a sweeper in
beat re-queues what the broker or a dead worker lost.

Recovery times (with the beat schedule in settings, a sweep every 30 s):
- a job never published or whose message was lost: re-queued NEVER_STARTED_AFTER
  (3 minutes) after it was queued, within one sweep;
- a job whose worker died mid-task: re-queued RUNNING_STALE_AFTER (the task's hard
  time limit plus 30 s, 150 s for PDFs) after it started, within one sweep.
A job fails for good after MAX_ATTEMPTS starts; the page then offers "try again".
"""

import logging
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from iuc_portal.publish import publish

from .models import Job

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
NEVER_STARTED_AFTER = timedelta(minutes=3)
#: PDF tasks have a hard time limit of 120 s: a job running longer lost its worker.
RUNNING_STALE_AFTER = timedelta(seconds=150)
#: After this long without a result the page says it takes longer than usual.
SLOW_AFTER = timedelta(minutes=1)


def queue_job(*, key: str, task: str, args: list) -> Job:
    """Record a job for `key` (or reuse the live one) and publish it after commit.

    A live job whose worker is presumed dead is queued again; a failed or finished
    one is followed by a new job.
    """
    now = timezone.now()
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(key=key, state__in=Job.LIVE).first()
        if job is None:
            try:
                with transaction.atomic():
                    job = Job.objects.create(key=key, task=task, args=args, queued_at=now)
            except IntegrityError:  # another request created it just now
                return Job.objects.get(key=key, state__in=Job.LIVE)
        elif job.state == Job.State.RUNNING and job.started_at > now - RUNNING_STALE_AFTER:
            return job  # a worker is on it
        else:
            job.state, job.queued_at = Job.State.QUEUED, now
            job.save(update_fields=["state", "queued_at"])
        _publish_after_commit(job)
    return job


def _publish(job_id: int, task_name: str, args: list) -> None:
    publish(import_string(task_name), *args, job_id=job_id)


def _publish_after_commit(job: Job) -> None:
    transaction.on_commit(
        lambda job_id=job.pk, task=job.task, args=job.args: _publish(job_id, task, args),
        robust=True,
    )


def run_job(*, job_id: int | None, work):
    """Run `work()` for job `job_id`, recording start, end and failure.

    Returns None without running when the job is finished, failed or being run by a
    live worker: a duplicate message (a re-queue that crossed a slow worker) is a
    no-op. Without a job id (a direct call) it just runs `work()`.
    """
    if job_id is None:
        return work()
    now = timezone.now()
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.state not in Job.LIVE:
            return None
        if job.state == Job.State.RUNNING and job.started_at > now - RUNNING_STALE_AFTER:
            return None
        job.state, job.started_at, job.attempts = Job.State.RUNNING, now, job.attempts + 1
        job.save(update_fields=["state", "started_at", "attempts"])
    try:
        result = work()
    except Exception as exc:
        failed = job.attempts >= MAX_ATTEMPTS
        Job.objects.filter(pk=job_id, state=Job.State.RUNNING).update(
            state=Job.State.FAILED if failed else Job.State.QUEUED,
            queued_at=timezone.now(), last_error=f"{type(exc).__name__}: {exc}"[:2000],
            finished_at=timezone.now() if failed else None,
        )
        logger.warning("Job %s (%s) failed on attempt %s: %s", job_id, job.key, job.attempts, exc)
        raise
    Job.objects.filter(pk=job_id, state=Job.State.RUNNING).update(
        state=Job.State.DONE, finished_at=timezone.now(), last_error=""
    )
    return result


def requeue_stuck_jobs() -> int:
    """Beat sweeper: publish again jobs never started or whose worker died."""
    now = timezone.now()
    requeued = 0
    with transaction.atomic():
        stuck = Job.objects.select_for_update(skip_locked=True).filter(
            state=Job.State.QUEUED, queued_at__lt=now - NEVER_STARTED_AFTER
        ) | Job.objects.select_for_update(skip_locked=True).filter(
            state=Job.State.RUNNING, started_at__lt=now - RUNNING_STALE_AFTER
        )
        for job in stuck[:500]:
            if job.attempts >= MAX_ATTEMPTS:
                job.state, job.finished_at = Job.State.FAILED, now
                job.last_error = job.last_error or "The worker was lost on every attempt."
                job.save(update_fields=["state", "finished_at", "last_error"])
                continue
            job.state, job.queued_at = Job.State.QUEUED, now
            job.save(update_fields=["state", "queued_at"])
            _publish_after_commit(job)
            requeued += 1
    if requeued:
        logger.warning("Re-queued %s stuck background jobs", requeued)
    return requeued


def progress(key: str) -> str | None:
    """What a page may say about the latest job for `key`: None (no job), "preparing",
    "slow" (longer than usual: offer to try again), "failed" or "done"."""
    job = Job.objects.filter(key=key).order_by("-created_at", "-pk").first()
    if job is None:
        return None
    if job.state in Job.LIVE:
        return "slow" if job.created_at < timezone.now() - SLOW_AFTER else "preparing"
    return job.state
