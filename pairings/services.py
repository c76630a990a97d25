"""Pairing workflow: run the engine, lock/forbid, confirm, dissolve.

Capacity is the rule that matters most: a city is never in more live pairings than
it asked for, nor twice with one partner. `confirm_pairing` locks both applications'
rows before it counts, so two staff confirming overlapping pairs at the same moment
are served one after the other: one succeeds, the other gets a clear refusal.
"""

import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import Count, Prefetch, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from applications import services as application_services
from applications.models import Application, ApplicationStatus, ApplicationTheme, Call, Side
from iuc_portal.mail.services import absolute_url, queue_email

from . import matching
from .models import (
    HOLDING_STATUSES,
    MatchingSettings,
    MatchRun,
    PairDecision,
    Pairing,
    PairingStatus,
    PairingTransition,
    Publication,
)
from .signals import pairing_confirmed

MATCHABLE = [ApplicationStatus.ACCEPTED, ApplicationStatus.PAIRED]


@dataclass
class RunOutcome:
    run: MatchRun
    document: dict  # the DESIGN.md JSON, with candidates when they were asked for


class PairingError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# --- Candidates and runs -------------------------------------------------------


def settings_for(call: Call) -> MatchingSettings:
    return MatchingSettings.objects.get_or_create(call=call)[0]


def candidate_applications(call: Call, *, include_submitted: bool = False):
    statuses = MATCHABLE + ([ApplicationStatus.SUBMITTED] if include_submitted else [])
    return (
        Application.objects.filter(call=call, status__in=statuses, has_eligibility_problems=False)
        .annotate(
            holding=Count(
                "pairings_as_eu",
                filter=Q(pairings_as_eu__status__in=HOLDING_STATUSES),
                distinct=True,
            )
            + Count(
                "pairings_as_partner",
                filter=Q(pairings_as_partner__status__in=HOLDING_STATUSES),
                distinct=True,
            )
        )
        .prefetch_related(
            Prefetch("theme_choices", queryset=ApplicationTheme.objects.select_related("theme")),
            "preferred_regions",
            "municipalities",
        )
    )


def to_city(application: Application, *, capacity: int) -> matching.City:
    population = application.population or sum(
        m.population for m in application.municipalities.all()
    )
    return matching.City(
        key=application.pk,
        side=application.side,
        name=application.city_name,
        country=application.country.code,
        region=application.region or "",
        themes=tuple(choice.theme.slug for choice in application.theme_choices.all()),
        preferred_regions=frozenset(r.slug for r in application.preferred_regions.all()),
        preferred_countries=frozenset(c.code for c in application.preferred_countries),
        languages=frozenset(application.languages or []),
        population=population or 0,
        capacity=capacity,
    )


def candidate_cities(call: Call, *, include_submitted: bool = False):
    """The cities with free capacity, as the engine sees them, per side."""
    eu, partners = [], []
    for application in candidate_applications(call, include_submitted=include_submitted):
        free = application.partners_wanted - application.holding
        if free <= 0:
            continue
        city = to_city(application, capacity=free)
        (eu if application.side == Side.EU else partners).append(city)
    return eu, partners


def decisions(call: Call) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    locks, forbids = [], []
    for decision in PairDecision.objects.filter(call=call):
        pair = (decision.eu_application_id, decision.partner_application_id)
        (locks if decision.kind == PairDecision.Kind.LOCK else forbids).append(pair)
    return locks, forbids


def run_matching(
    *,
    call: Call,
    by=None,
    objective: str = "max-total",
    min_score: float | None = None,
    locks: Iterable[tuple[int, int]] = (),
    forbids: Iterable[tuple[int, int]] = (),
    include_submitted: bool = False,
    with_candidates: bool = False,
    use_saved_decisions: bool = True,
) -> "RunOutcome":
    """Suggest the best pairing of the call's free cities, and keep the run for audit.

    Raises matching.MatchingConflict when locks and forbids cannot all hold.
    """
    if objective not in matching.OBJECTIVES:
        raise PairingError(_("Unknown objective: %(o)s") % {"o": objective})
    config = settings_for(call)
    min_score = config.min_score if min_score is None else min_score
    eu, partners = candidate_cities(call, include_submitted=include_submitted)
    locks, forbids = list(locks), list(forbids)
    if use_saved_decisions:
        saved_locks, saved_forbids = decisions(call)
        live = {c.key for c in eu} | {c.key for c in partners}
        # A saved lock whose cities are already paired has done its work.
        locks += [pair for pair in saved_locks if set(pair) <= live]
        forbids += saved_forbids
    started = time.perf_counter()
    suggestion = matching.suggest(
        eu,
        partners,
        objective=objective,
        locks=sorted(set(locks)),
        forbids=sorted(set(forbids)),
        min_score=min_score,
        weights=config.engine_weights,
        with_candidates=with_candidates,
    )
    document = suggestion.to_dict(call.slug)
    run = MatchRun.objects.create(
        call=call,
        created_by=by if getattr(by, "pk", None) else None,
        objective=objective,
        parameters={
            "objective": objective,
            "min_score": min_score,
            "locks": [list(p) for p in sorted(set(locks))],
            "forbids": [list(p) for p in sorted(set(forbids))],
            "include_submitted": include_submitted,
            "weights": config.weights,
            "eu_candidates": len(eu),
            "partner_candidates": len(partners),
        },
        # Candidates grow as EU × partner: the audit keeps the answer, not every score.
        result={key: value for key, value in document.items() if key != "candidates"},
        duration_ms=int((time.perf_counter() - started) * 1000),
    )
    return RunOutcome(run=run, document=document)


# --- Locks and forbids -----------------------------------------------------------


def decide_pair(
    *, call: Call, eu_application_id: int, partner_application_id: int, kind: str, by
) -> PairDecision:
    eu, partner = _pair_of(call, eu_application_id, partner_application_id)
    decision, _created = PairDecision.objects.update_or_create(
        eu_application=eu,
        partner_application=partner,
        defaults={"call": call, "kind": kind, "decided_by": by, "decided_at": timezone.now()},
    )
    return decision


def clear_decision(*, call: Call, eu_application_id: int, partner_application_id: int) -> None:
    PairDecision.objects.filter(
        call=call,
        eu_application_id=eu_application_id,
        partner_application_id=partner_application_id,
    ).delete()


# --- Pairings --------------------------------------------------------------------


def confirm_pairing(
    *,
    call: Call,
    eu_application_id: int,
    partner_application_id: int,
    by,
    match_run: MatchRun | None = None,
    start_date: date | None = None,
) -> Pairing:
    """Confirm a pair (from a suggestion or chosen by hand), holding the capacity rule."""
    with transaction.atomic():
        # Lock both cities, always in the same order, before counting their pairings.
        locked = {
            a.pk: a
            for a in Application.objects.select_for_update()
            .filter(pk__in=[eu_application_id, partner_application_id], call=call)
            .order_by("pk")
        }
        eu, partner = locked.get(eu_application_id), locked.get(partner_application_id)
        _check_pair(eu, partner)
        if PairDecision.objects.filter(
            eu_application=eu, partner_application=partner, kind=PairDecision.Kind.FORBID
        ).exists():
            raise PairingError(
                _("%(eu)s and %(partner)s are forbidden as a pair; lift the forbid first.")
                % {"eu": eu, "partner": partner}
            )
        for application in (eu, partner):
            held = _holding_count(application)
            if held >= application.partners_wanted:
                raise PairingError(
                    _("%(city)s already has the %(n)s partner(s) it asked for.")
                    % {"city": application, "n": application.partners_wanted}
                )
        pairing = (
            Pairing.objects.filter(eu_application=eu, partner_application=partner)
            .exclude(status=PairingStatus.DISSOLVED)
            .first()
        )
        if pairing and pairing.status != PairingStatus.PROPOSED:
            raise PairingError(
                _("%(eu)s and %(partner)s are already paired.") % {"eu": eu, "partner": partner}
            )
        if pairing is None:
            pairing = Pairing(call=call, eu_application=eu, partner_application=partner)
        _fill_score(pairing, match_run)
        pairing.confirmed_by = by
        pairing.confirmed_at = timezone.now()
        pairing.start_date = start_date or timezone.localdate()
        previous = pairing.status if pairing.pk else ""
        pairing.status = PairingStatus.CONFIRMED
        try:
            with transaction.atomic():
                pairing.save()
        except IntegrityError as error:  # a concurrent confirm of the very same pair
            raise PairingError(
                _("%(eu)s and %(partner)s are already paired.") % {"eu": eu, "partner": partner}
            ) from error
        _record(pairing, previous, PairingStatus.CONFIRMED, by)
        for application in (eu, partner):
            application_services.mark_paired(application=application, by=by)
        _notify_confirmed(pairing)
        # Higher layers (Local Action Plans) start their work in this same transaction.
        pairing_confirmed.send(sender=Pairing, pairing=pairing, by=by)
    return pairing


def propose_pairing(
    *,
    call: Call,
    eu_application_id: int,
    partner_application_id: int,
    by,
    match_run: MatchRun | None = None,
) -> Pairing:
    eu, partner = _pair_of(call, eu_application_id, partner_application_id)
    _check_pair(eu, partner)
    pairing = Pairing(call=call, eu_application=eu, partner_application=partner)
    _fill_score(pairing, match_run)
    try:
        with transaction.atomic():
            pairing.save()
            _record(pairing, "", PairingStatus.PROPOSED, by)
    except IntegrityError as error:
        raise PairingError(
            _("%(eu)s and %(partner)s are already paired or proposed.")
            % {"eu": eu, "partner": partner}
        ) from error
    return pairing


TRANSITIONS = {
    PairingStatus.ACTIVE: {PairingStatus.CONFIRMED},
    PairingStatus.COMPLETED: {PairingStatus.ACTIVE},
    PairingStatus.DISSOLVED: {
        PairingStatus.PROPOSED,
        PairingStatus.CONFIRMED,
        PairingStatus.ACTIVE,
    },
}


def change_pairing_status(*, pairing: Pairing, to: str, by, note: str = "") -> Pairing:
    with transaction.atomic():
        pairing = Pairing.objects.select_for_update().get(pk=pairing.pk)
        if pairing.status not in TRANSITIONS.get(to, set()):
            raise PairingError(
                _("A %(from)s pairing cannot become %(to)s.")
                % {
                    "from": pairing.get_status_display().lower(),
                    "to": PairingStatus(to).label.lower(),
                }
            )
        if to == PairingStatus.DISSOLVED and not note.strip():
            raise PairingError(_("Give the reason for dissolving the pairing."))
        previous = pairing.status
        pairing.status = to
        pairing.save(update_fields=["status"])
        _record(pairing, previous, to, by, note)
        if to == PairingStatus.DISSOLVED:
            # Dissolving frees both cities for a new pairing.
            for application in (pairing.eu_application, pairing.partner_application):
                if _holding_count(application) == 0:
                    application_services.mark_unpaired(application=application, by=by)
    return pairing


def dissolve_pairing(*, pairing: Pairing, by, reason: str) -> Pairing:
    return change_pairing_status(pairing=pairing, to=PairingStatus.DISSOLVED, by=by, note=reason)


# --- Publication consent ---------------------------------------------------------


def set_publication_consent(*, pairing: Pairing, application_id: int, choice: str, by) -> Pairing:
    """One city says what may be public about its pairing; published once both agree.

    Only the city's own official (or staff) decides for a city; the choice can be changed
    at any time, and withdrawing it takes the pairing out of the catalogue at once.
    """
    if choice not in Publication.values or choice == Publication.UNDECIDED:
        raise PairingError(_("Choose what may be published."))
    with transaction.atomic():
        pairing = (
            Pairing.objects.select_for_update()
            .select_related("eu_application", "partner_application")
            .get(pk=pairing.pk)
        )
        if application_id == pairing.eu_application_id:
            city, field = pairing.eu_application, "eu_publication"
        elif application_id == pairing.partner_application_id:
            city, field = pairing.partner_application, "partner_publication"
        else:
            raise PairingError(_("This city is not part of the pairing."))
        if not (getattr(by, "is_staff", False) or (by and city.owner_id == by.pk)):
            raise PairingError(_("Only the city's own official decides what it publishes."))
        if pairing.status not in HOLDING_STATUSES:
            raise PairingError(
                _("A %(status)s pairing is not published.")
                % {"status": pairing.get_status_display().lower()}
            )
        setattr(pairing, field, choice)
        if pairing.is_published and pairing.published_at is None:
            pairing.published_at = timezone.now()
        elif not pairing.is_published:
            pairing.published_at = None
        pairing._history_user = by if getattr(by, "pk", None) else None
        pairing.save(update_fields=[field, "published_at"])
    return pairing


# --- Helpers ---------------------------------------------------------------------


def _pair_of(call, eu_id, partner_id):
    found = {a.pk: a for a in Application.objects.filter(call=call, pk__in=[eu_id, partner_id])}
    return found.get(eu_id), found.get(partner_id)


def _check_pair(eu, partner) -> None:
    if eu is None or partner is None:
        raise PairingError(_("Both cities must have applied to this call."))
    if eu.side != Side.EU or partner.side != Side.PARTNER:
        raise PairingError(
            _(
                "A pairing joins an EU city with a partner city: %(eu)s is %(eu_side)s and "
                "%(partner)s is %(partner_side)s."
            )
            % {
                "eu": eu,
                "eu_side": eu.get_side_display().lower(),
                "partner": partner,
                "partner_side": partner.get_side_display().lower(),
            }
        )
    for application in (eu, partner):
        if application.status not in MATCHABLE:
            raise PairingError(
                _("%(city)s is %(status)s: only accepted applications can be paired.")
                % {"city": application, "status": application.get_status_display().lower()}
            )


def _holding_count(application: Application) -> int:
    return Pairing.objects.filter(
        Q(eu_application=application) | Q(partner_application=application),
        status__in=HOLDING_STATUSES,
    ).count()


def _fill_score(pairing: Pairing, match_run: MatchRun | None) -> None:
    """Copy the score and its explanation from the run that suggested the pair."""
    if match_run is None or pairing.score is not None:
        return
    for pair in match_run.result.get("pairs", []):
        if (pair["eu"]["id"], pair["partner"]["id"]) == (
            pairing.eu_application_id,
            pairing.partner_application_id,
        ):
            pairing.score = pair["score"]
            pairing.components = pair["components"]
            pairing.shared_themes = pair["shared_themes"]
            pairing.match_run = match_run
            return


def _record(pairing, previous, to, by, note=""):
    PairingTransition.objects.create(
        pairing=pairing,
        from_status=previous,
        to_status=to,
        by=by if getattr(by, "pk", None) else None,
        note=note[:500],
    )


def _notify_confirmed(pairing: Pairing) -> None:
    sides = [
        (pairing.eu_application, pairing.partner_application),
        (pairing.partner_application, pairing.eu_application),
    ]
    for city, partner in sides:
        to = city.owner.email if city.owner else city.contact_email
        if not to:
            continue
        language = city.owner.language if city.owner else "en"
        with translation.override(language):
            context = {
                "city": city.city_name,
                "partner": partner.city_name,
                "partner_country": str(partner.country.name),
                "partner_contact": partner.contact_name,
                "partner_email": partner.contact_email,
                "partner_themes": [
                    str(c.theme) for c in partner.theme_choices.select_related("theme")
                ],
                "call": pairing.call.name,
                "partnerships_url": absolute_url("/partnerships/"),
            }
        queue_email(
            to=to,
            template="pairings/email/confirmed",
            context=context,
            language=language,
            idempotency_key=f"pairing:{pairing.pk}:confirmed:{city.pk}",
        )
