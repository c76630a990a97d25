"""The e-mail outbox: queue in the caller's transaction, deliver after commit."""

import enum
import logging
from functools import partial

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from .models import OutboundEmail

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8


class Delivery(enum.Enum):
    SENT = "sent"
    NOTHING_TO_DO = "nothing to do"
    RETRY_LATER = "retry later"
    GAVE_UP = "gave up"


def queue_email(
    *, to: str, template: str, context: dict, language: str, idempotency_key: str
) -> OutboundEmail:
    """Render `template` in `language` and queue it once per idempotency key.

    `template` names three files: `<template>_subject.txt`, `<template>.txt` and
    `<template>.html`. `context` must be JSON-serialisable: it is kept for audit.
    """
    with translation.override(language):
        # Plain text is not HTML: no escaping (`&#x27;`) in the subject or text body.
        subject = " ".join(
            render_to_string(f"{template}_subject.txt", context, using="text").split()
        )
        body_text = render_to_string(f"{template}.txt", context, using="text")
        body_html = render_to_string(f"{template}.html", context)
    return queue_rendered_email(
        to=to,
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        language=language,
        template=template,
        context=context,
        idempotency_key=idempotency_key,
    )


def queue_rendered_email(
    *,
    to: str,
    subject: str,
    body_text: str,
    body_html: str = "",
    language: str,
    template: str,
    idempotency_key: str,
    context: dict | None = None,
    sensitive: bool = False,
) -> OutboundEmail:
    """Queue an already rendered e-mail once per idempotency key.

    `sensitive=True` marks an e-mail whose body carries a secret (a password-reset
    or verification link, a login code): no page shows its body, and the body is
    erased as soon as the e-mail is sent or given up.
    """
    email, created = OutboundEmail.objects.get_or_create(
        idempotency_key=idempotency_key,
        defaults={
            "to_email": to,
            "subject": subject[:300],
            "body_text": body_text,
            "body_html": body_html,
            "language": language,
            "template": template,
            "context": context or {},
            "sensitive": sensitive,
        },
    )
    if created:
        transaction.on_commit(partial(_publish, email.pk), robust=True)
    return email


def _publish(email_id: int) -> None:
    from .tasks import send_email  # tasks import services: import here to avoid a cycle

    try:
        send_email.delay(email_id)
    except Exception:  # the broker is down: the sweeper delivers it later
        logger.warning("Could not queue e-mail %s; the outbox sweeper will retry.", email_id)


def deliver_email(*, email_id: int) -> Delivery:
    """Send one pending e-mail, at most once.

    The row stays locked while the message is handed to the mail server, so two
    workers (a retry and the sweeper, say) never both send it.
    """
    with transaction.atomic():
        email = (
            OutboundEmail.objects.select_for_update()
            .filter(pk=email_id, state=OutboundEmail.State.PENDING)
            .first()
        )
        if email is None:
            return Delivery.NOTHING_TO_DO
        email.attempts += 1
        try:
            _build_message(email).send(fail_silently=False)
        except Exception as exc:
            email.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            gave_up = email.attempts >= MAX_ATTEMPTS
            fields = ["attempts", "last_error", "state"]
            if gave_up:
                email.state = OutboundEmail.State.FAILED
                fields += erase_sensitive_body(email)
            email.save(update_fields=fields)
            logger.warning("E-mail %s not sent (attempt %s): %s", email.pk, email.attempts, exc)
            return Delivery.GAVE_UP if gave_up else Delivery.RETRY_LATER
        email.state = OutboundEmail.State.SENT
        email.sent_at = timezone.now()
        email.last_error = ""
        fields = ["attempts", "last_error", "state", "sent_at"]
        email.save(update_fields=fields + erase_sensitive_body(email))
        return Delivery.SENT


ERASED_BODY = "[erased: this e-mail carried a secret]"


def erase_sensitive_body(email: OutboundEmail) -> list[str]:
    """Drop the body of a sensitive e-mail (in memory); return the fields to save.

    Called once the e-mail is sent or given up: after that no one needs the secret,
    so it is not kept anywhere. A non-sensitive e-mail is left as it is.
    """
    if not email.sensitive:
        return []
    email.body_text = ERASED_BODY
    email.body_html = ""
    email.context = {}
    return ["body_text", "body_html", "context"]


def absolute_url(path: str) -> str:
    """Links in e-mails point at the portal's public address (SITE_URL)."""
    return settings.SITE_URL.rstrip("/") + path


def pending_email_ids(*, older_than_seconds: int = 60) -> list[int]:
    cutoff = timezone.now() - timezone.timedelta(seconds=older_than_seconds)
    return list(
        OutboundEmail.objects.filter(
            state=OutboundEmail.State.PENDING, created_at__lte=cutoff
        ).values_list("pk", flat=True)[:500]
    )


def _build_message(email: OutboundEmail) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[email.to_email],
        headers={
            # A stable Message-ID lets receiving servers drop a duplicate delivery.
            "Message-ID": f"<outbox-{email.pk}-{email.idempotency_key[:60]}@iuc-portal>",
            "Content-Language": email.language,
        },
    )
    if email.body_html:
        message.attach_alternative(email.body_html, "text/html")
    return message
