from celery import shared_task
from django.db import OperationalError

from . import services


@shared_task(autoretry_for=(OSError, OperationalError), retry_backoff=True, max_retries=5,
             ignore_result=True)
def send_proposal_reminders() -> int:
    """Daily (beat): idempotent, a proposal's reminder is recorded with its e-mails."""
    return services.send_proposal_reminders()
