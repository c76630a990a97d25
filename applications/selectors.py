"""Reads: calls and reference data, and applications scoped to who is asking."""

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from .models import Application, ApplicationTheme, Call, Theme


def open_calls(*, now=None) -> QuerySet[Call]:
    now = now or timezone.now()
    return Call.objects.filter(opens_at__lte=now, closes_at__gt=now).order_by("closes_at")


def upcoming_calls(*, now=None) -> QuerySet[Call]:
    now = now or timezone.now()
    return Call.objects.filter(opens_at__gt=now).order_by("opens_at")


def closed_calls(*, now=None) -> QuerySet[Call]:
    now = now or timezone.now()
    return Call.objects.filter(closes_at__lte=now).order_by("-closes_at")


def calls_by_state(*, now=None, closed_limit: int = 10) -> dict[str, list[Call]]:
    """The home page's calls in one query: open (closing first), upcoming (opening
    first) and the latest closed ones."""
    now = now or timezone.now()
    calls = list(Call.objects.order_by("closes_at"))
    return {
        "open_calls": [c for c in calls if c.opens_at <= now < c.closes_at],
        "upcoming_calls": sorted((c for c in calls if c.opens_at > now), key=lambda c: c.opens_at),
        "closed_calls": [c for c in reversed(calls) if c.closes_at <= now][:closed_limit],
    }


def themes_offered(call: Call) -> QuerySet[Theme]:
    offered = call.themes.filter(is_active=True)
    return offered if offered.exists() else Theme.objects.filter(is_active=True)


def _owned_by(user) -> QuerySet[Application]:
    """The applications this official owns: the only ones they may see or change."""
    if not getattr(user, "is_authenticated", False):
        return Application.objects.none()
    return Application.objects.filter(owner=user).select_related("call")


def applications_for(user) -> QuerySet[Application]:
    """The applications this official owns: the only ones they may see or change."""
    return _owned_by(user).prefetch_related(
        Prefetch("theme_choices", queryset=ApplicationTheme.objects.select_related("theme"))
    )


def applications_to_edit(user, section: str) -> QuerySet[Application]:
    """The official's own applications as a section of the form reads them: with their
    member municipalities (the eligibility panel, the city section's rows), and the
    chosen themes on the themes section only."""
    related = [Prefetch("municipalities")]
    if section == "themes":
        related.append(
            Prefetch("theme_choices", queryset=ApplicationTheme.objects.select_related("theme"))
        )
    return _owned_by(user).prefetch_related(*related)


def documents_visible_to(user) -> QuerySet[Application]:
    """Applications whose PDF and letter this user may download: their own, or all for staff."""
    if getattr(user, "is_staff", False) and user.has_perm("applications.view_application"):
        return Application.objects.all()
    return applications_for(user)


def draft_for(user, call: Call) -> Application | None:
    return applications_for(user).filter(call=call).order_by("-updated_at").first()


def timeline_for(application: Application) -> list[dict]:
    """What the applicant sees of their application's course: each status it reached,
    when assessment started, each question and answer. Never a score."""
    from django.utils.translation import gettext as _

    steps = [
        {"at": change.at, "kind": change.to_status, "label": change.get_to_status_display()}
        for change in application.status_changes.all()
    ]
    if application.assessment_started_at:
        steps.append({"at": application.assessment_started_at, "kind": "assessment",
                      "label": _("Under assessment")})
    for clarification in application.clarifications.all():
        steps.append({"at": clarification.asked_at, "kind": "clarification",
                      "label": _("Clarification asked")})
        if clarification.answered_at:
            steps.append({"at": clarification.answered_at, "kind": "answered",
                          "label": _("Clarification answered")})
    return sorted(steps, key=lambda step: step["at"])  # fmt: skip


def open_clarifications_for(user) -> QuerySet:
    """The questions waiting for this official's answer."""
    from .models import Clarification

    if not getattr(user, "is_authenticated", False):
        return Clarification.objects.none()
    return Clarification.objects.filter(
        application__owner=user, state=Clarification.State.OPEN
    ).select_related("application__call")
