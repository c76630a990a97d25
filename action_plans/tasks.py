from celery import shared_task
from django.db import OperationalError

from iuc_portal.jobs.services import run_job

from . import reminders, services


# No Celery retries: a failed or lost render stays a job, which the jobs sweeper
# queues again (iuc_portal/jobs/services.py).
@shared_task(ignore_result=True, soft_time_limit=90, time_limit=120)
def render_plan_pdf(plan_id: int, language: str = "en", job_id: int | None = None) -> bool:
    """Idempotent: an unchanged plan is not rendered twice."""
    return run_job(
        job_id=job_id,
        work=lambda: services.render_plan_pdf(plan_id=plan_id, language=language),
    )


# --- Reminders and the staff digest (daily and weekly, from Celery beat) -------------
# Both are idempotent: a reminder is recorded with its e-mail in one transaction, and
# a digest has one idempotency key per staff member and ISO week, so a retry or a
# second worker running the same job sends nothing twice.


@shared_task(autoretry_for=(OSError, OperationalError), retry_backoff=True, retry_backoff_max=240,
             max_retries=5, ignore_result=True)
def send_milestone_reminders() -> int:
    return reminders.send_milestone_reminders()


@shared_task(autoretry_for=(OSError, OperationalError), retry_backoff=True, retry_backoff_max=240,
             max_retries=5, ignore_result=True)
def send_staff_digest() -> int:
    return reminders.send_staff_digest()
