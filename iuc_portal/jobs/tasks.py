from celery import shared_task

from . import services


@shared_task(ignore_result=True)
def requeue_stuck_jobs() -> int:
    """Beat sweeper: re-queues jobs the broker or a dead worker lost."""
    return services.requeue_stuck_jobs()
