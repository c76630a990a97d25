"""Reads of pairings, scoped to who is asking."""

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from .models import HOLDING_STATUSES, PUBLISHING_CHOICES, Pairing, PairingStatus


def partnerships_for(user) -> QuerySet[Pairing]:
    """The live pairings of the cities this official applied for."""
    if not getattr(user, "is_authenticated", False):
        return Pairing.objects.none()
    return (
        Pairing.objects.filter(
            Q(eu_application__owner=user) | Q(partner_application__owner=user),
            status__in=HOLDING_STATUSES,
        )
        .select_related("call", "eu_application", "partner_application")
        .prefetch_related(
            "eu_application__theme_choices__theme", "partner_application__theme_choices__theme"
        )
        .order_by("-confirmed_at")
    )


def own_and_partner(pairing: Pairing, user):
    """(the user's city, the partner city) of a pairing the user belongs to."""
    if pairing.eu_application.owner_id == user.pk:
        return pairing.eu_application, pairing.partner_application
    return pairing.partner_application, pairing.eu_application


def proposals_for(user, *, answerable: bool = False) -> QuerySet[Pairing]:
    """Open proposals to the cities this official applied for (a declined or dropped
    one is gone for both cities); ``answerable``: only those whose deadline has not
    passed (the ones a city is invited to answer)."""
    if not getattr(user, "is_authenticated", False):
        return Pairing.objects.none()
    deadline = Q(respond_by__gt=timezone.now()) | Q(respond_by__isnull=True)
    return (
        Pairing.objects.filter(
            Q(eu_application__owner=user) | Q(partner_application__owner=user),
            deadline if answerable else Q(),
            status=PairingStatus.PROPOSED,
        )
        .select_related("call", "eu_application", "partner_application")
        .prefetch_related(
            "answers",
            "eu_application__theme_choices__theme",
            "partner_application__theme_choices__theme",
        )
        .order_by("respond_by", "pk")
    )


def proposal_for(user, pk) -> Pairing:
    """One open proposal to the user's city, else 404 (whoever else asks)."""
    pairing = proposals_for(user).filter(pk=pk).first()
    if pairing is None:
        raise Http404
    return pairing


def waiting_for_cities() -> QuerySet[Pairing]:
    """Staff: proposals whose response deadline passed without both answers."""
    return (
        Pairing.objects.filter(status=PairingStatus.PROPOSED, respond_by__lte=timezone.now())
        .select_related("call", "eu_application", "partner_application")
        .prefetch_related("answers")
        .order_by("respond_by", "pk")
    )


def published_pairings() -> QuerySet[Pairing]:
    """What the public may see: live pairings both cities agreed to publish."""
    return Pairing.objects.filter(
        status__in=HOLDING_STATUSES,
        eu_publication__in=PUBLISHING_CHOICES,
        partner_publication__in=PUBLISHING_CHOICES,
    )
