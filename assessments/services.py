"""Every write of the assessment: one function per transition, each checking who asks.

Roles: the assessment lead assigns, decides and sees everything (except where the
lead declared a conflict); an assessor works only on its own assignments. The
application's own transitions (accept, reject, clarifications) stay in
`applications.services`; these functions check the assessment rules and call them.
"""

import hashlib
from collections.abc import Mapping
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from modeltranslation.utils import build_localized_fieldname
from simple_history.utils import bulk_create_with_history

from applications import services as application_services
from applications.models import Application, ApplicationStatus, Call, Clarification
from iuc_portal.mail.services import absolute_url, queue_email

from . import scoring
from .models import DEFAULT_CRITERIA, AssessmentScheme, Assignment, Criterion, Score
from .roles import is_assessor, is_lead


class AssessmentError(Exception):
    """A rule refused the change; the message is for the person who asked."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NotAllowed(AssessmentError):
    pass


ACTIVE = (Assignment.State.ASSIGNED, Assignment.State.SUBMITTED)
ASSESSABLE = (ApplicationStatus.SUBMITTED,)


def _require_lead(user) -> None:
    if not is_lead(user):
        raise NotAllowed(_("Only the assessment lead can do this."))


# --- Criteria ----------------------------------------------------------------------


def set_up_assessment(*, call: Call, by=None) -> AssessmentScheme:
    """The call's scheme, created with the default IUC criteria the first time."""
    if by is not None:
        _require_lead(by)
    with transaction.atomic():
        scheme, created = AssessmentScheme.objects.get_or_create(call=call)
        if created:
            Criterion.objects.bulk_create(
                Criterion(scheme=scheme, weight=weight, scale_max=scale_max, position=position,
                          **in_every_language("name", name),
                          **in_every_language("description", description))
                for position, (name, description, weight, scale_max) in enumerate(
                    DEFAULT_CRITERIA, start=1
                )
            )  # fmt: skip
    return scheme


def in_every_language(field: str, english: str) -> dict[str, str]:
    """A default text in each language of the portal, from the translation catalogues."""
    values = {}
    for code, _label in settings.LANGUAGES:
        with translation.override(code):
            values[build_localized_fieldname(field, code)] = translation.gettext(english)
    return values


# --- Assigning ---------------------------------------------------------------------


def assign_assessor(*, application: Application, assessor, by, notify: bool = True) -> Assignment:
    _require_lead(by)
    if not is_assessor(assessor):
        raise AssessmentError(_("%(user)s is not an assessor.") % {"user": assessor})
    with transaction.atomic():
        application = Application.objects.select_for_update().get(pk=application.pk)
        if application.status not in ASSESSABLE:
            raise AssessmentError(_("Only submitted applications are assessed."))
        existing = Assignment.objects.filter(application=application, assessor=assessor).first()
        if existing and existing.state == Assignment.State.CONFLICT:
            raise AssessmentError(
                _("%(user)s declared a conflict of interest with this application.")
                % {"user": assessor}
            )
        if existing:
            raise AssessmentError(_("%(user)s is already assigned.") % {"user": assessor})
        set_up_assessment(call=application.call)
        assignment = Assignment.objects.create(
            application=application, assessor=assessor, assigned_by=by
        )
        application_services.mark_under_assessment(application=application)
        if notify:
            _queue_assessor_list(assessor=assessor, call=application.call)
    return assignment


def auto_assign(
    *, call: Call, by, per_application: int | None = None, side: str | None = None
) -> list[Assignment]:
    """Give every submitted application of the call its N assessors, spreading the load,
    preferring an assessor of the application's region or language; never one who
    declared a conflict. Each assessor with new work gets one e-mail with their list."""
    from .selectors import assessors

    _require_lead(by)
    with transaction.atomic():
        scheme = set_up_assessment(call=call)
        n = per_application or scheme.assessors_per_application
        if not 1 <= n <= 10:
            raise AssessmentError(_("Choose between 1 and 10 assessors per application."))
        applications = list(
            Application.objects.select_for_update()
            .filter(call=call, status__in=ASSESSABLE, **({"side": side} if side else {}))
            .order_by("pk")
        )
        taken: dict[int, set[int]] = {a.pk: set() for a in applications}
        active: dict[int, int] = {a.pk: 0 for a in applications}
        for application_id, assessor_id, state in Assignment.objects.filter(
            application__in=applications
        ).values_list("application_id", "assessor_id", "state"):
            taken[application_id].add(assessor_id)
            active[application_id] += state in ACTIVE
        people = list(assessors())
        load = dict.fromkeys((p.pk for p in people), 0)
        for assessor_id in Assignment.objects.filter(
            application__call=call, assessor__in=people, state=Assignment.State.ASSIGNED
        ).values_list("assessor_id", flat=True):
            load[assessor_id] += 1
        plan = scoring.balanced_assignment(
            applications=[
                {"id": a.pk, "region": a.region, "languages": a.languages,
                 "taken": taken[a.pk], "active": active[a.pk]}
                for a in applications
            ],
            assessors=[
                {"id": p.pk, "regions": _profile(p)["regions"],
                 "languages": _profile(p)["languages"], "load": load[p.pk]}
                for p in people
            ],
            per_application=n,
        )  # fmt: skip
        by_id = {a.pk: a for a in applications}
        people_by_id = {p.pk: p for p in people}
        created = bulk_create_with_history(
            [
                Assignment(application=by_id[a], assessor=people_by_id[p], assigned_by=by)
                for a, p in plan
            ],
            Assignment,
            default_user=by,
        )
        for application_id in {a for a, _p in plan}:
            application_services.mark_under_assessment(application=by_id[application_id])
        for assessor_id in sorted({p for _a, p in plan}):
            _queue_assessor_list(assessor=people_by_id[assessor_id], call=call)
    return created


def request_additional_assessment(*, application: Application, by) -> Assignment:
    """One more assessor for this application (after a disagreement, say): the least
    loaded one who is not yet on it and has no conflict with it."""
    from .selectors import assessors

    _require_lead(by)
    taken = set(
        Assignment.objects.filter(application=application).values_list("assessor_id", flat=True)
    )
    people = [p for p in assessors() if p.pk not in taken]
    if not people:
        raise AssessmentError(_("No other assessor is available for this application."))
    active = Assignment.objects.filter(application=application, state__in=ACTIVE).count()
    load = {
        p.pk: Assignment.objects.filter(assessor=p, state=Assignment.State.ASSIGNED).count()
        for p in people
    }
    plan = scoring.balanced_assignment(
        applications=[{"id": application.pk, "region": application.region,
                       "languages": application.languages, "taken": taken, "active": active}],
        assessors=[{"id": p.pk, "regions": _profile(p)["regions"],
                    "languages": _profile(p)["languages"], "load": load[p.pk]} for p in people],
        per_application=active + 1,
    )  # fmt: skip
    chosen = {p.pk: p for p in people}[plan[0][1]]
    return assign_assessor(application=application, assessor=chosen, by=by)


def _profile(user) -> dict:
    profile = getattr(user, "assessor_profile", None)
    if profile is None:
        return {"regions": [], "languages": []}
    return {"regions": list(profile.regions or []), "languages": list(profile.languages or [])}


def _queue_assessor_list(*, assessor, call: Call) -> None:
    """One e-mail with the assessor's current list for the call; the same list is
    never sent twice (the key is the list itself)."""
    rows = list(
        Assignment.objects.filter(
            assessor=assessor, application__call=call, state=Assignment.State.ASSIGNED
        )
        .select_related("application")
        .order_by("application__city_name", "pk")
    )
    if not rows:
        return
    digest = hashlib.sha256(",".join(str(r.pk) for r in rows).encode()).hexdigest()[:16]
    queue_email(
        to=assessor.email,
        template="assessments/email/assigned",
        language=(assessor.language or "en")[:2],
        idempotency_key=f"assessments:list:{call.pk}:{assessor.pk}:{digest}",
        context={
            "call": call.name,
            "applications": [
                f"{r.application.city_name} ({r.application.country.code})" for r in rows
            ],
            "url": absolute_url(reverse("assessments:mine")),
        },
    )


# --- Assessing ---------------------------------------------------------------------


def _own(assignment: Assignment, by) -> Assignment:
    assignment = (
        Assignment.objects.select_for_update()
        .select_related("application__call")
        .get(pk=assignment.pk)
    )
    if assignment.assessor_id != getattr(by, "pk", None):
        raise NotAllowed(_("This is not your assessment."))
    return assignment


def declare_conflict(*, assignment: Assignment, by, reason: str) -> Assignment:
    """The assessor steps back: no more access to the application, its draft scores go."""
    reason = (reason or "").strip()
    if not reason:
        raise AssessmentError(_("Say briefly what the conflict of interest is."))
    with transaction.atomic():
        assignment = _own(assignment, by)
        if assignment.state == Assignment.State.CONFLICT:
            return assignment
        if assignment.state == Assignment.State.SUBMITTED:
            raise AssessmentError(
                _("Your assessment is already submitted; tell the assessment lead.")
            )
        assignment.scores.all().delete()
        assignment.state = Assignment.State.CONFLICT
        assignment.conflict_reason = reason[:500]
        assignment.save()
    return assignment


def save_scores(
    *, assignment: Assignment, by, scores: Mapping[int, tuple[int | None, str]]
) -> Assignment:
    """Keep the assessor's scores as a draft: {criterion id: (value or None, comment)}.
    Values must be on the criterion's scale; empty values may wait until submitting."""
    with transaction.atomic():
        assignment = _own(assignment, by)
        if assignment.state != Assignment.State.ASSIGNED:
            raise AssessmentError(_("This assessment can no longer be changed."))
        criteria = {c.pk: c for c in _criteria(assignment)}
        unknown = set(scores) - set(criteria)
        if unknown:
            raise AssessmentError(_("Unknown criterion."))
        existing = {s.criterion_id: s for s in assignment.scores.all()}
        for criterion_id, (value, comment) in scores.items():
            criterion = criteria[criterion_id]
            comment = (comment or "").strip()[:3000]
            if value is None:
                if criterion_id in existing:
                    existing[criterion_id].delete()
                continue
            if not 0 <= value <= criterion.scale_max:
                raise AssessmentError(
                    _("“%(criterion)s” is scored from 0 to %(max)s.")
                    % {"criterion": criterion.name, "max": criterion.scale_max}
                )
            score = existing.get(criterion_id) or Score(assignment=assignment, criterion=criterion)
            if score.pk is None or (score.value, score.comment) != (value, comment):
                score.value, score.comment = value, comment
                score.save()
    return assignment


def submit_assessment(*, assignment: Assignment, by, now: datetime | None = None) -> Assignment:
    """Submit once every criterion is scored on its scale; the weighted score is kept."""
    with transaction.atomic():
        assignment = _own(assignment, by)
        if assignment.state == Assignment.State.SUBMITTED:
            return assignment
        if assignment.state != Assignment.State.ASSIGNED:
            raise AssessmentError(_("This assessment can no longer be submitted."))
        criteria = _criteria(assignment)
        scores = {s.criterion_id: s for s in assignment.scores.all()}
        missing = [c.name for c in criteria if c.pk not in scores]
        if not criteria:
            raise AssessmentError(_("This call has no criteria yet."))
        if missing:
            raise AssessmentError(
                _("Score every criterion first: %(names)s.") % {"names": "; ".join(missing)}
            )
        assignment.weighted_score = scoring.weighted_score(
            (scores[c.pk].value, c.scale_max, c.weight) for c in criteria
        )
        assignment.state = Assignment.State.SUBMITTED
        assignment.submitted_at = now or timezone.now()
        assignment.save()
    return assignment


def _criteria(assignment: Assignment) -> list[Criterion]:
    return list(Criterion.objects.filter(scheme__call_id=assignment.application.call_id))


# --- Deciding and asking -----------------------------------------------------------


def decide_application(
    *, application: Application, by, decision: str, reason: str = ""
) -> Application:
    """The lead accepts the application for matching, or rejects it with a reason
    (the applications services keep the history and e-mail the city)."""
    _require_lead(by)
    if _conflicted(application, by):
        raise NotAllowed(_("You declared a conflict of interest with this application."))
    try:
        if decision == "accept":
            return application_services.accept_application(application=application, by=by)
        if decision == "reject":
            return application_services.reject_application(
                application=application, by=by, reason=reason
            )
    except application_services.ApplicationError as error:
        raise AssessmentError(error.message) from error
    raise AssessmentError(_("Choose to accept or to reject."))


def ask_applicant(
    *,
    application: Application,
    by,
    question: str,
    section: str = "",
    until: datetime | None = None,
    reason: str = "",
    now: datetime | None = None,
) -> Clarification:
    """An assessor of this application or the lead asks the applicant a question,
    optionally reopening one section until a moment (audited in the clarification)."""
    assigned = Assignment.objects.filter(
        application=application, assessor=by, state__in=ACTIVE
    ).exists()
    if _conflicted(application, by) or not (assigned or is_lead(by)):
        raise NotAllowed(_("Only the assessors of this application or the lead can ask."))
    try:
        return application_services.ask_clarification(
            application=application, by=by, question=question, section=section,
            until=until, reason=reason, now=now,
        )  # fmt: skip
    except application_services.ApplicationError as error:
        raise AssessmentError(error.message) from error


def _conflicted(application: Application, user) -> bool:
    return Assignment.objects.filter(
        application=application, assessor=user, state=Assignment.State.CONFLICT
    ).exists()
