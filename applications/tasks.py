from celery import shared_task

from . import services


@shared_task(
    autoretry_for=(OSError,), retry_backoff=True, retry_backoff_max=600, max_retries=5,
    ignore_result=True,
)
def render_application_pdf(application_id: int) -> bool:
    """Idempotent: an unchanged application is not rendered twice."""
    return services.render_application_pdf(application_id=application_id)
