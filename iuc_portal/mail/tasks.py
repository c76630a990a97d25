from celery import shared_task

from . import services

# No Celery retries: a failed attempt sets the row's next_attempt_at and the sweeper
# (every minute, from beat) sends what is due, so the schedule lives in the database.


@shared_task(ignore_result=True, soft_time_limit=200, time_limit=240)
def send_email(email_id: int) -> str:
    """Send one e-mail just queued, with whatever else is due, over one connection."""
    return services.deliver_email(email_id=email_id).value


@shared_task(ignore_result=True, soft_time_limit=200, time_limit=240)
def send_pending_emails() -> int:
    """Beat sweeper: sends rows that are due (a retry, a broker outage, a dead worker)."""
    return services.deliver_due_emails()
