from celery import shared_task

from iuc_portal.jobs.services import run_job

from . import services


# No Celery retries: a failed or lost render stays a job, which the jobs sweeper
# queues again (iuc_portal/jobs/services.py). The visibility timeout (300 s) exceeds
# the hard time limit, so Redis never hands a running render to a second worker.
@shared_task(ignore_result=True, soft_time_limit=90, time_limit=120)
def render_application_pdf(application_id: int, job_id: int | None = None) -> bool:
    """Idempotent: an unchanged application is not rendered twice."""
    return run_job(
        job_id=job_id,
        work=lambda: services.render_application_pdf(application_id=application_id),
    )
