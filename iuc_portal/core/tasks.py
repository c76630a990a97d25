from celery import shared_task


@shared_task
def ping() -> str:
    """Answers "pong": lets health checks and tests see a worker at work."""
    return "pong"
