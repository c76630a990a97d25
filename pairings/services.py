"""Pairing workflow: run the engine, lock/forbid, confirm, dissolve.

Capacity is the rule that matters most: a city is never in more live pairings than
it asked for, nor twice with one partner. `confirm_pairing` locks both applications'
rows before it counts, so two staff confirming overlapping pairs at the same moment
are served one after the other: one succeeds, the other gets a clear refusal.
"""

import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.db.models import Count, Prefetch, Q
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from applications import services as application_services
from applications.models import Application, ApplicationStatus, ApplicationTheme, Call, Side
from iuc_portal.accounts.roles import STAFF_GROUP
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
    ProposalAnswer,
    Publication,
)
from .signals import pairing_confirmed

MATCHABLE = [ApplicationStatus.ACCEPTED, ApplicationStatus.PAIRED]
# Pairings that take a place in a city's capacity when suggesting or proposing.
TAKING_STATUSES = [*HOLDING_STATUSES, PairingStatus.PROPOSED]


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
            # Open proposals use up capacity too: a city is never suggested (nor
            # proposed) to more partners than it asked for.
            holding=Count(
                "pairings_as_eu",
                filter=Q(pairings_as_eu__status__in=TAKING_STATUSES),
                distinct=True,
            )
            + Count(
                "pairings_as_partner",
                filter=Q(pairings_as_partner__status__in=TAKING_STATUSES),
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
    preferences: str | None = None,
) -> "RunOutcome":
    """Suggest the best pairing of the call's free cities, and keep the run for audit.

    ``preferences`` ("strict" or "relaxed") defaults to the call's matching settings.
    Raises matching.MatchingConflict when locks and forbids cannot all hold.
    """
    problem = _problem(
        call=call,
        objective=objective,
        min_score=min_score,
        locks=locks,
        forbids=forbids,
        include_submitted=include_submitted,
        use_saved_decisions=use_saved_decisions,
        preferences=preferences,
    )
    config, eu, partners = problem.config, problem.eu, problem.partners
    locks, forbids, min_score = problem.locks, problem.forbids, problem.min_score
    preferences = problem.preferences
    started = time.perf_counter()
    suggestion = matching.suggest(
        eu, partners, with_candidates=with_candidates, **problem.engine_options()
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
            "preferences": preferences,
            "preference_penalty": config.preference_penalty,
            "weights": config.weights,
            "eu_candidates": len(eu),
            "partner_candidates": len(partners),
        },
        # Candidates grow as EU × partner: the audit keeps the answer, not every score.
        result={key: value for key, value in document.items() if key != "candidates"},
        duration_ms=int((time.perf_counter() - started) * 1000),
    )
    return RunOutcome(run=run, document=document)


@dataclass
class _Problem:
    config: MatchingSettings
    eu: list
    partners: list
    objective: str
    min_score: float
    locks: list
    forbids: list
    preferences: str

    def engine_options(self) -> dict:
        return {
            "objective": self.objective,
            "locks": self.locks,
            "forbids": self.forbids,
            "min_score": self.min_score,
            "weights": self.config.engine_weights,
            "preferences": self.preferences,
            "preference_penalty": self.config.preference_penalty,
        }


def _problem(
    *, call, objective, min_score, locks, forbids, include_submitted, use_saved_decisions,
    preferences, drop_stale_locks=False,
) -> _Problem:
    if objective not in matching.OBJECTIVES:
        raise PairingError(_("Unknown objective: %(o)s") % {"o": objective})
    config = settings_for(call)
    preferences = preferences or config.preferences
    if preferences not in matching.PREFERENCES:
        raise PairingError(_("Unknown preference rule: %(p)s") % {"p": preferences})
    min_score = config.min_score if min_score is None else min_score
    eu, partners = candidate_cities(call, include_submitted=include_submitted)
    locks, forbids = list(locks), list(forbids)
    live = {c.key for c in eu} | {c.key for c in partners}
    if drop_stale_locks:
        locks = [tuple(pair) for pair in locks if set(pair) <= live]
    if use_saved_decisions:
        saved_locks, saved_forbids = decisions(call)
        # A saved lock whose cities are already paired has done its work.
        locks += [pair for pair in saved_locks if set(pair) <= live]
        forbids += saved_forbids
    return _Problem(
        config=config,
        eu=eu,
        partners=partners,
        objective=objective,
        min_score=min_score,
        locks=sorted(set(locks)),
        forbids=sorted(set(forbids)),
        preferences=preferences,
    )


def explain_pair(*, run: MatchRun, eu_application_id: int, partner_application_id: int):
    """"Why not?" for any EU and partner city of the run's call: the run's rules, locks
    and forbids plus today's, on today's candidates. Raises PairingError when a city is
    no candidate."""
    parameters = run.parameters
    problem = _problem(
        call=run.call,
        objective=run.objective,
        min_score=parameters.get("min_score"),
        locks=[tuple(pair) for pair in parameters.get("locks", [])],
        forbids=[tuple(pair) for pair in parameters.get("forbids", [])],
        include_submitted=parameters.get("include_submitted", False),
        use_saved_decisions=True,
        preferences=parameters.get("preferences"),
        drop_stale_locks=True,
    )
    keys = {c.key for c in problem.eu} | {c.key for c in problem.partners}
    for key in (eu_application_id, partner_application_id):
        if key not in keys:
            application = Application.objects.filter(pk=key, call=run.call).first()
            raise PairingError(
                _("%(city)s is not a candidate of this call: it is not accepted, not eligible "
                  "or already has the partners it asked for.")
                % {"city": application or key}
            )
    return matching.why_not(
        problem.eu, problem.partners, eu_application_id, partner_application_id,
        **problem.engine_options(),
    )


# --- Locks and forbids -----------------------------------------------------------


def decide_pair(
    *, call: Call, eu_application_id: int, partner_application_id: int, kind: str, by
) -> PairDecision:
    """Lock or forbid a pair of the call for every later run (decided by ``by``)."""
    if kind not in PairDecision.Kind.values:
        raise PairingError(_("Choose lock or forbid."))
    eu, partner = _pair_of(call, eu_application_id, partner_application_id)
    if eu is None or partner is None:
        raise PairingError(_("Both cities must have applied to this call."))
    if eu.side != Side.EU or partner.side != Side.PARTNER:
        raise PairingError(
            _("A lock or forbid joins an EU city (%(eu)s) with a partner city (%(partner)s).")
            % {"eu": eu, "partner": partner}
        )
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
    note: str = "",
    settling_proposal: bool = False,
) -> Pairing:
    """Confirm a pair (from a suggestion or chosen by hand, or a proposal both cities
    accepted), holding the capacity rule. A pair already proposed to both cities is
    confirmed only by settling the proposal (both accept, or staff with a reason)."""
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
        if pairing and not settling_proposal:
            raise PairingError(
                _(
                    "%(eu)s and %(partner)s are proposed to both cities: they confirm it by "
                    "accepting, or staff confirm it with a reason once the deadline passed."
                )
                % {"eu": eu, "partner": partner}
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
        _record(pairing, previous, PairingStatus.CONFIRMED, by, note)
        for application in (eu, partner):
            application_services.mark_paired(application=application, by=by)
        _notify_confirmed(pairing)
        _withdraw_beyond_capacity(pairing, (eu, partner), by)
        # Higher layers (Local Action Plans) start their work in this same transaction.
        pairing_confirmed.send(sender=Pairing, pairing=pairing, by=by)
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


def _taken_count(application: Application) -> int:
    """Live pairings and open proposals of the city."""
    return Pairing.objects.filter(
        Q(eu_application=application) | Q(partner_application=application),
        status__in=TAKING_STATUSES,
    ).count()


def _withdraw_beyond_capacity(confirmed: Pairing, cities, by) -> None:
    """A city whose capacity the confirmed pairing used up has no room for its other
    open proposals: they are withdrawn (dissolved, not forbidden: the pair may be
    proposed again later) and both cities of each are told. Runs inside the
    confirming transaction, with both cities' rows locked."""
    for city in cities:
        if _holding_count(city) < city.partners_wanted:
            continue
        others = (
            Pairing.objects.select_for_update(of=("self",))
            .filter(Q(eu_application=city) | Q(partner_application=city))
            .filter(status=PairingStatus.PROPOSED)
            .exclude(pk=confirmed.pk)
            .select_related("call", "eu_application__owner", "partner_application__owner")
            .order_by("pk")
        )
        for proposal in others:
            proposal.status = PairingStatus.DISSOLVED
            proposal.save(update_fields=["status"])
            _record(
                proposal, PairingStatus.PROPOSED, PairingStatus.DISSOLVED, by,
                _note(
                    "withdrawn: %(city)s now has the %(n)s partner(s) it asked for "
                    "(confirmed with %(other)s)",
                    city=city.city_name,
                    n=city.partners_wanted,
                    other=(
                        confirmed.partner_application.city_name
                        if city.pk == confirmed.eu_application_id
                        else confirmed.eu_application.city_name
                    ),
                ),
            )
            for own, other in _sides(proposal):
                _mail_city(proposal, own, other, "pairings/email/proposal_withdrawn", "withdrawn")


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


# --- Proposals: both cities accept before a pairing is confirmed ---------------------

DEFAULT_RESPONSE_DAYS = 14
REMINDER_BEFORE = timedelta(days=3)


def propose_pairing(
    *,
    call: Call,
    eu_application_id: int,
    partner_application_id: int,
    by,
    match_run: MatchRun | None = None,
    respond_by: datetime | None = None,
) -> Pairing:
    """Put a pair to both cities: each is e-mailed and answers before ``respond_by``
    (default: in 14 days)."""
    now = timezone.now()
    respond_by = respond_by or now + timedelta(days=DEFAULT_RESPONSE_DAYS)
    if respond_by <= now:
        raise PairingError(_("The response deadline must be in the future."))
    with transaction.atomic():
        eu, partner = _locked_pair(call, eu_application_id, partner_application_id)
        _check_pair(eu, partner)
        if PairDecision.objects.filter(
            eu_application=eu, partner_application=partner, kind=PairDecision.Kind.FORBID
        ).exists():
            raise PairingError(
                _("%(eu)s and %(partner)s are forbidden as a pair; lift the forbid first.")
                % {"eu": eu, "partner": partner}
            )
        for application in (eu, partner):
            if _holding_count(application) >= application.partners_wanted:
                raise PairingError(
                    _("%(city)s already has the %(n)s partner(s) it asked for.")
                    % {"city": application, "n": application.partners_wanted}
                )
            if _taken_count(application) >= application.partners_wanted:
                raise PairingError(
                    _(
                        "%(city)s asked for %(n)s partner(s) and already has that many "
                        "pairings or open proposals; settle a proposal first."
                    )
                    % {"city": application, "n": application.partners_wanted}
                )
        pairing = Pairing(
            call=call,
            eu_application=eu,
            partner_application=partner,
            proposed_by=by if getattr(by, "pk", None) else None,
            proposed_at=now,
            respond_by=respond_by,
        )
        _fill_score(pairing, match_run)
        if pairing.match_run is None:  # proposed by hand: at least the shared themes
            theirs = set(partner.theme_choices.values_list("theme__slug", flat=True))
            pairing.shared_themes = [
                slug
                for slug in eu.theme_choices.order_by("priority").values_list(
                    "theme__slug", flat=True
                )
                if slug in theirs
            ]
        try:
            with transaction.atomic():
                pairing.save()
        except IntegrityError as error:
            raise PairingError(
                _("%(eu)s and %(partner)s are already paired or proposed.")
                % {"eu": eu, "partner": partner}
            ) from error
        _record(pairing, "", PairingStatus.PROPOSED, by, _note("proposed to both cities"))
        for city, other in _sides(pairing):
            _mail_city(pairing, city, other, "pairings/email/proposed", "proposed")
    return pairing


def accept_proposal(*, pairing: Pairing, by) -> Pairing:
    """The official of one of the two cities accepts; when both have, the pairing is
    confirmed (plans start). A city never accepts beyond its capacity: its row is
    locked while its accepted proposals and pairings are counted."""
    with transaction.atomic():
        pairing, city = _answering(pairing, by)
        taken = _holding_count(city) + ProposalAnswer.objects.filter(
            application=city,
            answer=ProposalAnswer.Answer.ACCEPTED,
            pairing__status=PairingStatus.PROPOSED,
        ).exclude(pairing=pairing).count()
        if taken >= city.partners_wanted:
            raise PairingError(
                _("%(city)s already has or has accepted the %(n)s partner(s) it asked for.")
                % {"city": city, "n": city.partners_wanted}
            )
        ProposalAnswer.objects.create(
            pairing=pairing, application=city, answer=ProposalAnswer.Answer.ACCEPTED, by=by
        )
        _record(
            pairing, pairing.status, pairing.status, by,
            _note("%(city)s accepted", city=city.city_name),
        )
        if pairing.answers.filter(answer=ProposalAnswer.Answer.ACCEPTED).count() == 2:
            pairing = confirm_pairing(
                call=pairing.call,
                eu_application_id=pairing.eu_application_id,
                partner_application_id=pairing.partner_application_id,
                by=by,
                note=_note("both cities accepted"),
                settling_proposal=True,
            )
    return pairing


def decline_proposal(*, pairing: Pairing, by, reason: str) -> Pairing:
    """One city declines: the pair is dissolved, forbidden for the call's next run,
    and staff are told."""
    reason = (reason or "").strip()
    if not reason:
        raise PairingError(_("Tell the programme team why your city declines."))
    with transaction.atomic():
        pairing, city = _answering(pairing, by)
        ProposalAnswer.objects.create(
            pairing=pairing,
            application=city,
            answer=ProposalAnswer.Answer.DECLINED,
            reason=reason[:1000],
            by=by,
        )
        pairing.status = PairingStatus.DISSOLVED
        pairing.save(update_fields=["status"])
        _record(
            pairing, PairingStatus.PROPOSED, PairingStatus.DISSOLVED, by,
            _note("%(city)s declined: %(reason)s", city=city.city_name, reason=reason),
        )
        PairDecision.objects.update_or_create(
            eu_application=pairing.eu_application,
            partner_application=pairing.partner_application,
            defaults={
                "call": pairing.call,
                "kind": PairDecision.Kind.FORBID,
                "decided_by": by,
                "decided_at": timezone.now(),
            },
        )
        _tell_staff(pairing, city, reason)
    return pairing


def extend_proposal(*, pairing: Pairing, by, respond_by: datetime) -> Pairing:
    """Staff give both cities more time; the reminder goes out again before the new
    deadline."""
    if respond_by <= timezone.now():
        raise PairingError(_("The response deadline must be in the future."))
    with transaction.atomic():
        pairing = _locked_proposal(pairing)
        pairing.respond_by = respond_by
        pairing.reminder_sent_at = None
        pairing.save(update_fields=["respond_by", "reminder_sent_at"])
        _record(
            pairing, pairing.status, pairing.status, by,
            _note("deadline extended to %(when)s", when=f"{respond_by:%Y-%m-%d %H:%M} UTC"),
        )
    return pairing


def confirm_proposal_anyway(*, pairing: Pairing, by, reason: str) -> Pairing:
    """Staff confirm a proposal without both answers (with the reason)."""
    reason = (reason or "").strip()
    if not reason:
        raise PairingError(_("Give the reason for confirming without both answers."))
    with transaction.atomic():
        pairing = _locked_proposal(pairing)
        _require_overdue(pairing)
        if pairing.answers.filter(answer=ProposalAnswer.Answer.DECLINED).exists():
            raise PairingError(_("A city declined this proposal."))
        return confirm_pairing(
            call=pairing.call,
            eu_application_id=pairing.eu_application_id,
            partner_application_id=pairing.partner_application_id,
            by=by,
            note=_note("confirmed by staff without both answers: %(r)s", r=reason),
            settling_proposal=True,
        )


def drop_proposal(*, pairing: Pairing, by, reason: str) -> Pairing:
    """Staff withdraw a proposal whose deadline passed (no forbid: the pair may be
    proposed again)."""
    with transaction.atomic():
        pairing = _locked_proposal(pairing)
        _require_overdue(pairing)
        return change_pairing_status(
            pairing=pairing, to=PairingStatus.DISSOLVED, by=by, note=reason
        )


def send_proposal_reminders(*, now: datetime | None = None) -> int:
    """Remind the cities that have not answered, 3 days before the deadline, once."""
    now = now or timezone.now()
    sent = 0
    due = Pairing.objects.filter(
        status=PairingStatus.PROPOSED,
        reminder_sent_at__isnull=True,
        respond_by__gt=now,
        respond_by__lte=now + REMINDER_BEFORE,
    ).values_list("pk", flat=True)
    for pk in list(due):
        with transaction.atomic():
            pairing = (
                Pairing.objects.select_for_update(of=("self",))
                .filter(pk=pk, status=PairingStatus.PROPOSED, reminder_sent_at__isnull=True)
                .select_related("call", "eu_application__owner", "partner_application__owner")
                .first()
            )
            if pairing is None:
                continue
            answered = set(pairing.answers.values_list("application_id", flat=True))
            for city, other in _sides(pairing):
                if city.pk not in answered:
                    _mail_city(pairing, city, other, "pairings/email/proposal_reminder",
                               f"reminder:{pairing.respond_by:%Y%m%d%H%M}")
                    sent += 1
            pairing.reminder_sent_at = now
            pairing.save(update_fields=["reminder_sent_at"])
    return sent


def _note(text: str, **values) -> str:
    """History notes are kept in English, like the engine's explanations."""
    return (text % values)[:500] if values else text


def _locked_pair(call, eu_id, partner_id):
    locked = {
        a.pk: a
        for a in Application.objects.select_for_update()
        .filter(pk__in=[eu_id, partner_id], call=call)
        .order_by("pk")
    }
    return locked.get(eu_id), locked.get(partner_id)


def _locked_proposal(pairing: Pairing) -> Pairing:
    pairing = Pairing.objects.select_for_update().get(pk=pairing.pk)
    if pairing.status != PairingStatus.PROPOSED:
        raise PairingError(_("This proposal has already been settled."))
    return pairing


def _require_overdue(pairing: Pairing) -> None:
    """Staff settle a proposal (confirm anyway, drop) only once the cities' time is up."""
    if not pairing.is_waiting:
        raise PairingError(
            _("The cities can still answer until the deadline; only extend it until then.")
        )


def _answering(pairing: Pairing, by):
    """Lock the cities (in pk order, like confirm) and the proposal; return the
    proposal and the city ``by`` answers for."""
    pairing = Pairing.objects.get(pk=pairing.pk)
    _locked_pair(pairing.call, pairing.eu_application_id, pairing.partner_application_id)
    pairing = _locked_proposal(pairing)
    cities = [
        a
        for a in (pairing.eu_application, pairing.partner_application)
        if getattr(by, "pk", None) and a.owner_id == by.pk
    ]
    if not cities:
        raise PairingError(_("Only the officials of the two cities can answer this proposal."))
    if pairing.respond_by and pairing.respond_by <= timezone.now():
        raise PairingError(
            _("The deadline for answers has passed; the programme team will decide.")
        )
    answered = set(pairing.answers.values_list("application_id", flat=True))
    open_ = [a for a in cities if a.pk not in answered]
    if not open_:
        raise PairingError(_("Your city has already answered this proposal."))
    return pairing, open_[0]


def _sides(pairing: Pairing):
    return [
        (pairing.eu_application, pairing.partner_application),
        (pairing.partner_application, pairing.eu_application),
    ]


def _mail_city(pairing: Pairing, city, other, template: str, step: str) -> None:
    to = city.owner.email if city.owner else city.contact_email
    if not to:
        return
    language = city.owner.language if city.owner else "en"
    with translation.override(language):
        context = {
            "city": city.city_name,
            "partner": other.city_name,
            "partner_country": str(other.country.name),
            "call": pairing.call.name,
            "respond_by": _local_deadline(pairing, city),
            "proposal_url": absolute_url(f"/partnerships/proposals/{pairing.pk}/"),
        }
    queue_email(
        to=to,
        template=template,
        context=context,
        language=language,
        idempotency_key=f"pairing:{pairing.pk}:{step}:{city.pk}",
    )


def _local_deadline(pairing: Pairing, city) -> str:
    """The deadline in the city's time zone, as words for an e-mail."""
    zone = city.time_zone
    local = timezone.localtime(pairing.respond_by, ZoneInfo(zone))
    return f"{date_format(local, 'DATETIME_FORMAT')} ({zone})"


def _tell_staff(pairing: Pairing, city, reason: str) -> None:
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.filter(is_active=True).exclude(email="")
    recipients = list(users.filter(groups__name=STAFF_GROUP).distinct().order_by("pk"))
    if pairing.proposed_by and pairing.proposed_by.email and pairing.proposed_by not in recipients:
        recipients.append(pairing.proposed_by)
    for user in recipients:
        with translation.override(user.language):
            context = {
                "city": city.city_name,
                "eu": pairing.eu_application.city_name,
                "partner": pairing.partner_application.city_name,
                "reason": reason,
                "call": pairing.call.name,
                "pairing_url": absolute_url(f"/admin/pairings/pairing/{pairing.pk}/change/"),
            }
        queue_email(
            to=user.email,
            template="pairings/email/proposal_declined",
            context=context,
            language=user.language,
            idempotency_key=f"pairing:{pairing.pk}:declined:staff:{user.pk}",
        )
