from django.db import models
from django.utils.translation import gettext_lazy as _


class OutboundEmail(models.Model):
    """One e-mail, written in the same transaction as the change that causes it.

    The row is the source of truth: Celery only delivers what is here, so a broker
    or SMTP outage delays mail but loses none, and the unique idempotency key means
    a repeated action never queues the same e-mail twice. Delivery is at least once
    (see services.py): a worker that dies between the mail server's "250 OK" and
    marking the row sent leaves it "sending", and it goes out again with the same
    Message-ID.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    idempotency_key = models.CharField(_("idempotency key"), max_length=200, unique=True)
    to_email = models.EmailField(_("recipient"))
    language = models.CharField(_("language"), max_length=8)
    template = models.CharField(_("template"), max_length=200)
    context = models.JSONField(_("context"), default=dict, blank=True)
    subject = models.CharField(_("subject"), max_length=300)
    body_text = models.TextField(_("plain-text body"))
    body_html = models.TextField(_("HTML body"), blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.PENDING, db_index=True
    )
    # A secret-bearing e-mail (password reset, e-mail verification, login code): its
    # body is shown to no one (admin, export, logs) and erased once sent or given up.
    sensitive = models.BooleanField(
        _("contains a secret"),
        default=False,
        help_text=_("The body carries a secret link or code: never shown, erased once sent."),
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    next_attempt_at = models.DateTimeField(
        _("next attempt"), null=True, blank=True,
        help_text=_("After a temporary failure, not before this moment."),
    )
    retry_until = models.DateTimeField(
        _("retry until"), null=True, blank=True,
        help_text=_("Temporary failures are retried until this moment, then it fails."),
    )
    sending_since = models.DateTimeField(_("sending since"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("outbound e-mail")
        verbose_name_plural = _("outbound e-mails")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["state", "created_at"]),
            models.Index(fields=["state", "next_attempt_at"]),
        ]

    def __str__(self):
        return f"{self.subject} → {self.to_email}"
