from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Job(models.Model):
    """One piece of asynchronous work (a PDF to render), recorded before it is queued.

    The row, not the broker message, is the source of truth: the sweeper in beat
    re-queues a job that was never started (the broker was down, the message was
    lost) or whose worker died mid-task. Tasks run by a job must be idempotent.
    """

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    LIVE = (State.QUEUED, State.RUNNING)

    key = models.CharField(_("key"), max_length=200, help_text=_("What the job is for."))
    task = models.CharField(_("task"), max_length=200)
    args = models.JSONField(_("arguments"), default=list, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.QUEUED, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    queued_at = models.DateTimeField(_("queued"))
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["key"], condition=Q(state__in=["queued", "running"]),
                name="one_live_job_per_key",
            )
        ]

    def __str__(self):
        return f"{self.key} ({self.state})"
