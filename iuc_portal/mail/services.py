"""The e-mail outbox: queue in the caller's transaction, deliver after commit.

Delivery guarantee: **at least once**, with a stable Message-ID.

- A row is claimed ("sending", with a timestamp) in a short transaction of its own
  before the SMTP exchange, and marked "sent" once the server accepted it (in
  groups: within MARK_SENT_EVERY messages or MARK_SENT_AFTER seconds).
  Claims use SELECT ... FOR UPDATE SKIP LOCKED, so workers never send the same row
  at the same time.
- A worker that dies after the server accepted the message and before the row is
  marked sent leaves it "sending"; after SENDING_STALE_AFTER the next sweep sends
  it again, with the same Message-ID (so receiving servers may drop the copy). That
  window is at most MARK_SENT_EVERY messages or MARK_SENT_AFTER seconds wide.
- Temporary failures (connection refused, timeouts, 4xx) are retried with
  exponential backoff (1 minute doubling to 1 hour) until `retry_until`
  (MAIL_RETRY_WINDOW after queueing, 24 hours by default), then the row is
  "failed". Permanent failures (5xx for the recipient or the message) fail at once.
  Staff see failed rows in the admin and can re-send them (`resend_emails`).
- Pending rows go out in batches over one SMTP connection (BATCH_SIZE).
"""

import enum
import logging
import smtplib
import time
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from iuc_portal.publish import publish

from .models import OutboundEmail

logger = logging.getLogger(__name__)

#: Rows claimed and sent over one SMTP connection.
BATCH_SIZE = 100
#: A batch stops claiming/sending after this long, so a slow server cannot keep rows
#: "sending" anywhere near SENDING_STALE_AFTER.
BATCH_TIME_BUDGET = 60.0
#: Accepted messages are marked sent in groups of this many, or after this long.
MARK_SENT_EVERY = 25
MARK_SENT_AFTER = 0.5
#: A row left "sending" this long belongs to a worker that died: send it again.
SENDING_STALE_AFTER = timedelta(minutes=5)
FIRST_BACKOFF = timedelta(minutes=1)
MAX_BACKOFF = timedelta(hours=1)


def retry_window() -> timedelta:
    return timedelta(hours=getattr(settings, "MAIL_RETRY_WINDOW_HOURS", 24))


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
            "retry_until": timezone.now() + retry_window(),
            "sensitive": sensitive,
        },
    )
    if created:
        transaction.on_commit(partial(_publish, email.pk), robust=True)
    return email


def _publish(email_id: int) -> None:
    from .tasks import send_email  # tasks import services: import here to avoid a cycle

    publish(send_email, email_id)  # never blocks long; on failure the sweeper sends it


def resend_emails(*, emails, by) -> int:
    """Give failed e-mails a new retry window and send them again. Returns how many."""
    now = timezone.now()
    with transaction.atomic():
        ids = list(
            emails.select_for_update()
            # A failed e-mail that carried a secret link has been erased, and its link is
            # stale anyway: the person asks for a new one.
            .filter(state=OutboundEmail.State.FAILED, sensitive=False)
            .values_list("pk", flat=True)
        )
        OutboundEmail.objects.filter(pk__in=ids).update(
            state=OutboundEmail.State.PENDING, next_attempt_at=None, sending_since=None,
            retry_until=now + retry_window(),
        )
        logger.info("%s re-sends e-mails %s", by, ids)
        if ids:
            transaction.on_commit(partial(_publish_sweep), robust=True)
    return len(ids)


def _publish_sweep() -> None:
    from .tasks import send_pending_emails

    publish(send_pending_emails)


# --- Delivery ---------------------------------------------------------------------


def _due() -> Q:
    now = timezone.now()
    pending = Q(state=OutboundEmail.State.PENDING) & (
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )
    abandoned = Q(state=OutboundEmail.State.SENDING, sending_since__lt=now - SENDING_STALE_AFTER)
    return pending | abandoned


def claim_batch(*, first_id: int | None = None, limit: int = BATCH_SIZE) -> list[OutboundEmail]:
    """Mark up to `limit` due rows "sending" in one short transaction and return them.

    Rows another worker holds are skipped (SKIP LOCKED), never waited for.
    `first_id`, when due, is part of the batch.
    """
    with transaction.atomic():
        due = OutboundEmail.objects.filter(_due()).select_for_update(skip_locked=True)
        ids = []
        if first_id is not None:
            ids = list(due.filter(pk=first_id).values_list("pk", flat=True))
        ids += list(
            due.exclude(pk__in=ids).order_by("created_at", "pk").values_list("pk", flat=True)[
                : limit - len(ids)
            ]
        )
        if not ids:
            return []
        OutboundEmail.objects.filter(pk__in=ids).update(
            state=OutboundEmail.State.SENDING, sending_since=timezone.now()
        )
    return list(OutboundEmail.objects.filter(pk__in=ids).order_by("created_at", "pk"))


def is_permanent(exc: Exception) -> bool:
    """5xx for the recipient or the message: retrying cannot help."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _message in exc.recipients.values()]
        return bool(codes) and all(code >= 500 for code in codes)
    if isinstance(exc, smtplib.SMTPDataError):
        return exc.smtp_code >= 500
    return False


def _per_message(exc: Exception) -> bool:
    """The server refused this message but the connection is still good."""
    return isinstance(exc, smtplib.SMTPRecipientsRefused | smtplib.SMTPDataError) and (
        getattr(exc, "smtp_code", 0) != 421
    )


def send_batch(batch: list[OutboundEmail]) -> dict[int, Delivery]:
    """Send claimed rows over one SMTP connection and record the outcomes.

    Accepted messages are marked sent in groups (MARK_SENT_EVERY messages or
    MARK_SENT_AFTER seconds, whichever comes first): one commit per group instead
    of one per message. A worker dying in between leaves at most that group
    "sending", to be sent again (at least once).
    """
    outcomes: dict[int, Delivery] = {}
    started = time.monotonic()
    connection = get_connection(fail_silently=False)
    try:
        connection.open()
    except Exception as exc:  # the server is down: every row waits for the next try
        for email in batch:
            outcomes[email.pk] = _record_failure(email, exc)
        return outcomes
    accepted: list[int] = []
    last_mark = time.monotonic()
    try:
        for index, email in enumerate(batch):
            if time.monotonic() - started > BATCH_TIME_BUDGET:
                _release(batch[index:])
                break
            try:
                connection.send_messages([_build_message(email)])
            except Exception as exc:
                outcomes[email.pk] = _record_failure(email, exc)
                if not _per_message(exc):  # the connection is gone or the server hangs
                    for rest in batch[index + 1 :]:
                        outcomes[rest.pk] = _record_failure(rest, exc)
                    break
            else:
                accepted.append(email.pk)
                outcomes[email.pk] = Delivery.SENT
                due = time.monotonic() - last_mark > MARK_SENT_AFTER
                if due or len(accepted) >= MARK_SENT_EVERY:
                    _record_sent(accepted)
                    accepted, last_mark = [], time.monotonic()
    finally:
        _record_sent(accepted)
        try:
            connection.close()
        except Exception:  # closing a broken connection must not hide the outcomes
            logger.debug("Closing the SMTP connection failed", exc_info=True)
    return outcomes


def _record_sent(ids: list[int]) -> None:
    if ids:
        OutboundEmail.objects.filter(pk__in=ids, state=OutboundEmail.State.SENDING).update(
            state=OutboundEmail.State.SENT, sent_at=timezone.now(), last_error="",
            attempts=F("attempts") + 1, sending_since=None, next_attempt_at=None,
        )
        # Once sent, no one needs a secret link again: it is not kept anywhere.
        OutboundEmail.objects.filter(
            pk__in=ids, state=OutboundEmail.State.SENT, sensitive=True
        ).update(**ERASED)


def _release(emails: list[OutboundEmail]) -> None:
    """Put rows claimed but not attempted back, due at once."""
    OutboundEmail.objects.filter(
        pk__in=[e.pk for e in emails], state=OutboundEmail.State.SENDING
    ).update(state=OutboundEmail.State.PENDING, sending_since=None)


def _record_failure(email: OutboundEmail, exc: Exception) -> Delivery:
    now = timezone.now()
    attempts = email.attempts + 1
    error = f"{type(exc).__name__}: {exc}"[:2000]
    retry_until = email.retry_until or email.created_at + retry_window()
    permanent = is_permanent(exc)
    if permanent or now >= retry_until:
        state, next_attempt_at, outcome = OutboundEmail.State.FAILED, None, Delivery.GAVE_UP
        reason = "permanent failure" if permanent else "still failing after the retry window"
        error = f"{error} ({reason})"
        logger.error("E-mail %s to %s failed: %s", email.pk, email.to_email, error)
    else:
        backoff = min(FIRST_BACKOFF * 2 ** (attempts - 1), MAX_BACKOFF)
        state, next_attempt_at, outcome = (
            OutboundEmail.State.PENDING, now + backoff, Delivery.RETRY_LATER,
        )
        logger.warning("E-mail %s not sent (attempt %s), next try at %s: %s",
                       email.pk, attempts, next_attempt_at, error)
    erased = ERASED if state == OutboundEmail.State.FAILED and email.sensitive else {}
    OutboundEmail.objects.filter(pk=email.pk, state=OutboundEmail.State.SENDING).update(
        state=state, attempts=attempts, last_error=error, next_attempt_at=next_attempt_at,
        sending_since=None, **erased,
    )
    return outcome


def deliver_email(*, email_id: int) -> Delivery:
    """Send this e-mail if it is due, in a batch with other due rows, then keep
    sending whatever else is due (up to BATCH_TIME_BUDGET), so a burst of e-mails
    goes out over one connection per batch while the other tasks find nothing to do.
    """
    if not OutboundEmail.objects.filter(_due(), pk=email_id).exists():
        return Delivery.NOTHING_TO_DO  # sent in an earlier batch (or not due yet)
    batch = claim_batch(first_id=email_id)
    if not batch:
        return Delivery.NOTHING_TO_DO
    outcomes = send_batch(batch)
    if Delivery.SENT in outcomes.values():
        deliver_due_emails(time_budget=BATCH_TIME_BUDGET)
    return outcomes.get(email_id, Delivery.NOTHING_TO_DO)


def deliver_due_emails(*, time_budget: float = 150.0) -> int:
    """Send every due row, batch after batch, for at most `time_budget` seconds.

    Returns how many were sent.
    """
    started = time.monotonic()
    sent = 0
    while time.monotonic() - started < time_budget:
        batch = claim_batch()
        if not batch:
            break
        outcomes = send_batch(batch)
        sent += sum(outcome is Delivery.SENT for outcome in outcomes.values())
        if Delivery.SENT not in outcomes.values():
            break  # the server is down or refusing: the next sweep tries again
    return sent


ERASED_BODY = "[erased: this e-mail carried a secret]"
ERASED = {"body_text": ERASED_BODY, "body_html": "", "context": {}}


def absolute_url(path: str) -> str:
    """Links in e-mails point at the portal's public address (SITE_URL)."""
    return settings.SITE_URL.rstrip("/") + path


def message_id(email: OutboundEmail) -> str:
    """The same for every copy of one e-mail, so a receiving server can drop a repeat."""
    return f"<outbox-{email.pk}-{email.idempotency_key[:60]}@iuc-portal>"


def _build_message(email: OutboundEmail) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[email.to_email],
        headers={"Message-ID": message_id(email), "Content-Language": email.language},
    )
    if email.body_html:
        message.attach_alternative(email.body_html, "text/html")
    return message
