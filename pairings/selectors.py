"""Reads of pairings, scoped to who is asking."""

from functools import cache
from typing import NamedTuple

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from applications.models import Application
from iuc_portal.core import sql

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


class ProposalTitle(NamedTuple):
    pk: int
    eu_city_name: str
    partner_city_name: str


@cache
def _proposal_titles_sql() -> str:
    return sql.written(
        "SELECT p.id, eu.city_name, partner.city_name FROM {pairing} p"
        " JOIN {application} eu ON eu.id = p.eu_application_id"
        " JOIN {application} partner ON partner.id = p.partner_application_id"
        " WHERE (eu.owner_id = %s OR partner.owner_id = %s) AND p.status = %s"
        " AND (p.respond_by > %s OR p.respond_by IS NULL)"
        " ORDER BY p.respond_by, p.id",
        pairing=Pairing, application=Application,
    )


def proposal_titles_for(user) -> list[ProposalTitle]:
    """The dashboard's list of `proposals_for(user, answerable=True)`: the two cities of
    each, in one narrow query (see iuc_portal.core.sql)."""
    if not getattr(user, "is_authenticated", False):
        return []
    params = [user.pk, user.pk, PairingStatus.PROPOSED.value, sql.moment(timezone.now())]
    return [ProposalTitle(*row) for row in sql.rows(_proposal_titles_sql(), params)]


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
