from celery import shared_task

from . import services


@shared_task(bind=True, max_retries=services.MAX_ATTEMPTS, ignore_result=True)
def send_email(self, email_id: int) -> str:
    outcome = services.deliver_email(email_id=email_id)
    if outcome is services.Delivery.RETRY_LATER and not self.request.is_eager:
        raise self.retry(countdown=min(30 * 2**self.request.retries, 3600))
    return outcome.value


@shared_task(ignore_result=True)
def send_pending_emails() -> int:
    """Beat sweeper: delivers whatever a broker outage left in the outbox."""
    sent = 0
    for email_id in services.pending_email_ids():
        if services.deliver_email(email_id=email_id) is services.Delivery.SENT:
            sent += 1
    return sent
