"""Reads of the assessment, each scoped to who asks.

An assessor reaches only its own assignments; a conflicted assessor nothing of
that application (not even other people's scores); the lead everything except
where the lead declared a conflict. Cities never reach anything here.
"""

import difflib
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import (
    Avg,
    BooleanField,
    Case,
    Count,
    Exists,
    F,
    Max,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)

from applications.models import Application, ApplicationStatus, Call, Clarification

from .models import AssessmentScheme, Assignment, Criterion, Score
from .roles import ASSESSOR_GROUP, is_lead


def assessors() -> QuerySet:
    return (
        get_user_model()
        .objects.filter(groups__name=ASSESSOR_GROUP, is_active=True)
        .select_related("assessor_profile")
        .order_by("pk")
        .distinct()
    )


def assignments_for(user) -> QuerySet[Assignment]:
    """The assessor's own list (a conflict shows as such, with nothing of its content)."""
    if not getattr(user, "is_authenticated", False):
        return Assignment.objects.none()
    return (
        Assignment.objects.filter(assessor=user)
        .select_related("application__call")
        .order_by("state", "application__call__closes_at", "application__city_name")
    )


def assignment_for(user, application_id: int) -> Assignment:
    """The assessor's own open or submitted assignment; DoesNotExist otherwise."""
    return (
        assignments_for(user)
        .exclude(state=Assignment.State.CONFLICT)
        .get(application_id=application_id)
    )


def conflicted(user, application_id: int) -> bool:
    return Assignment.objects.filter(
        application_id=application_id, assessor=user, state=Assignment.State.CONFLICT
    ).exists()


def criteria_for(call: Call) -> list[Criterion]:
    return list(Criterion.objects.filter(scheme__call=call))


def scheme_for(call: Call) -> AssessmentScheme | None:
    return AssessmentScheme.objects.filter(call=call).first()


def other_assessments(assignment: Assignment) -> list[Assignment]:
    """Other assessors' submitted scores: only once this assessor has submitted."""
    if assignment.state != Assignment.State.SUBMITTED:
        return []
    return list(
        Assignment.objects.filter(
            application_id=assignment.application_id, state=Assignment.State.SUBMITTED
        )
        .exclude(pk=assignment.pk)
        .select_related("assessor")
        .prefetch_related(Prefetch("scores", queryset=Score.objects.select_related("criterion")))
    )


def lead_applications(user) -> QuerySet[Application]:
    """Every submitted-or-later application, minus those the lead is conflicted on."""
    if not is_lead(user):
        return Application.objects.none()
    conflict = Assignment.objects.filter(
        application=OuterRef("pk"), assessor=user, state=Assignment.State.CONFLICT
    )
    return Application.objects.exclude(status=ApplicationStatus.DRAFT).exclude(Exists(conflict))


def ranked_applications(
    user, call: Call, *, side: str = "", status: str = "", flag: str = "", q: str = ""
) -> QuerySet[Application]:
    """The call's applications, best mean weighted score first, with each assessor's
    score, the spread and the disagreement flag; a fixed number of queries however
    many rows (the page prefetches the submitted assessments in one query)."""
    scheme = scheme_for(call)
    threshold = scheme.disagreement_threshold if scheme else Decimal("20")
    submitted = Q(assessment_assignments__state=Assignment.State.SUBMITTED)
    rows = (
        lead_applications(user)
        .filter(call=call)
        .select_related("call")
        .annotate(
            mean_score=Avg("assessment_assignments__weighted_score", filter=submitted),
            high_score=Max("assessment_assignments__weighted_score", filter=submitted),
            low_score=Min("assessment_assignments__weighted_score", filter=submitted),
            submitted_count=Count("assessment_assignments", filter=submitted),
            open_count=Count(
                "assessment_assignments",
                filter=Q(assessment_assignments__state=Assignment.State.ASSIGNED),
            ),
            conflict_count=Count(
                "assessment_assignments",
                filter=Q(assessment_assignments__state=Assignment.State.CONFLICT),
            ),
        )
        .annotate(spread=F("high_score") - F("low_score"))
        .annotate(
            disagreement=Case(
                When(submitted_count__gte=2, spread__gt=threshold, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            )
        )
        .prefetch_related(
            Prefetch(
                "assessment_assignments",
                queryset=Assignment.objects.filter(state=Assignment.State.SUBMITTED)
                .select_related("assessor")
                .order_by("pk"),
                to_attr="submitted_assessments",
            )
        )
        .order_by(F("mean_score").desc(nulls_last=True), "city_name", "pk")
    )
    if side:
        rows = rows.filter(side=side)
    if status:
        rows = rows.filter(status=status)
    if flag == "disagreement":
        rows = rows.filter(disagreement=True)
    elif flag == "incomplete":
        rows = rows.filter(open_count__gt=0)
    elif flag == "unassigned":
        rows = rows.filter(submitted_count=0, open_count=0)
    if q:
        rows = rows.filter(city_name__icontains=q)
    return rows


def lead_application(user, application_id: int) -> Application:
    return lead_applications(user).select_related("call").get(pk=application_id)


def assignments_of(application: Application) -> list[Assignment]:
    """For the lead: every assignment with its scores."""
    return list(
        Assignment.objects.filter(application=application)
        .select_related("assessor")
        .prefetch_related(Prefetch("scores", queryset=Score.objects.select_related("criterion")))
        .order_by("pk")
    )


def clarifications_with_diff(application: Application) -> list[dict]:
    """The questions asked about an application, with what changed in a reopened
    section as a unified diff (difflib)."""
    result = []
    for clarification in Clarification.objects.filter(application=application).select_related(
        "asked_by"
    ):
        diff = []
        if clarification.section and clarification.state == Clarification.State.ANSWERED:
            diff = list(
                difflib.unified_diff(
                    clarification.section_before.splitlines(),
                    clarification.section_after.splitlines(),
                    lineterm="",
                    n=1,
                )
            )[2:]
        result.append({"clarification": clarification, "diff": diff})
    return result


def calls_for_lead(user) -> QuerySet[Call]:
    if not is_lead(user):
        return Call.objects.none()
    return Call.objects.annotate(
        submitted=Count("applications", filter=~Q(applications__status=ApplicationStatus.DRAFT))
    ).order_by("-closes_at")
