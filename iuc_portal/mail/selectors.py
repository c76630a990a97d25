"""Reads about the outbox, for staff and /healthz."""

from django.db.models import Count, Min
from django.utils import timezone

from .models import OutboundEmail


def backlog() -> dict:
    """How many e-mails wait, are being sent or failed, and how old the oldest waiting is."""
    counts = dict(
        OutboundEmail.objects.exclude(state=OutboundEmail.State.SENT)
        .values_list("state")
        .annotate(n=Count("pk"))
        .order_by()
    )
    oldest = OutboundEmail.objects.filter(
        state__in=[OutboundEmail.State.PENDING, OutboundEmail.State.SENDING]
    ).aggregate(oldest=Min("created_at"))["oldest"]
    return {
        "pending": counts.get(OutboundEmail.State.PENDING, 0),
        "sending": counts.get(OutboundEmail.State.SENDING, 0),
        "failed": counts.get(OutboundEmail.State.FAILED, 0),
        "oldest_pending_seconds": (
            int((timezone.now() - oldest).total_seconds()) if oldest else None
        ),
    }
