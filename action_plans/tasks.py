from celery import shared_task
from django.db import OperationalError

from . import reminders, services


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5, ignore_result=True)
def render_plan_pdf(plan_id: int, language: str = "en") -> bool:
    """Idempotent: an unchanged plan is not rendered twice."""
    return services.render_plan_pdf(plan_id=plan_id, language=language)


# --- Reminders and the staff digest (daily and weekly, from Celery beat) -------------
# Both are idempotent: a reminder is recorded with its e-mail in one transaction, and
# a digest has one idempotency key per staff member and ISO week, so a retry or a
# second worker running the same job sends nothing twice.


@shared_task(autoretry_for=(OSError, OperationalError), retry_backoff=True, max_retries=5,
             ignore_result=True)
def send_milestone_reminders() -> int:
    return reminders.send_milestone_reminders()


@shared_task(autoretry_for=(OSError, OperationalError), retry_backoff=True, max_retries=5,
             ignore_result=True)
def send_staff_digest() -> int:
    return reminders.send_staff_digest()
