"""Reads: calls and reference data, and applications scoped to who is asking."""

from datetime import datetime
from functools import cache
from typing import NamedTuple

from django.db import connections
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from modeltranslation.utils import build_localized_fieldname, get_language, resolution_order

from iuc_portal.core import sql
from iuc_portal.core.precompiled import Precompiled, Slot

from .models import (
    Application,
    ApplicationStatus,
    ApplicationTheme,
    Call,
    Clarification,
    Municipality,
    Theme,
)


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
    return _owned_by_id(user.pk)


def _owned_by_id(user_id: int) -> QuerySet[Application]:
    return Application.objects.filter(owner_id=user_id).select_related("call")


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


# The form's application and its members, compiled once per worker and database: only
# the official's and the application's ids change between requests.
_OWNER_ID, _APPLICATION_ID = Slot(-424_242_101), Slot(-424_242_102)
_EDIT_QUERIES: dict[tuple, dict[str, Precompiled]] = {}


def application_to_edit(user, pk: int, section: str) -> Application | None:
    """`applications_to_edit(user, section)`'s application `pk`, or None when it is not
    the official's: the same row and members, from queries compiled once per worker
    (iuc_portal.core.precompiled) instead of built for every request."""
    if not getattr(user, "is_authenticated", False):
        return None
    if section == "themes":  # it reads the chosen themes too: the queryset as it is
        return applications_to_edit(user, section).filter(pk=pk).first()
    key = (Application.objects.db, connections[Application.objects.db].vendor)
    queries = _EDIT_QUERIES.get(key)
    if queries is None:
        queries = _EDIT_QUERIES[key] = {
            "application": Precompiled(
                _owned_by_id(_OWNER_ID).filter(pk=_APPLICATION_ID),
                owner=_OWNER_ID, application=_APPLICATION_ID,
            ),
            "members": Precompiled(
                Municipality.objects.filter(application_id=_APPLICATION_ID),
                application=_APPLICATION_ID,
            ),
        }
    found = queries["application"].models(owner=user.pk, application=pk)
    if not found:
        return None
    application = found[0]
    members = application.municipalities.all()  # not evaluated: filled as a prefetch would
    members._result_cache = queries["members"].models(application=application.pk)
    members._prefetch_done = True
    application._prefetched_objects_cache = {"municipalities": members}
    return application


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
    if not getattr(user, "is_authenticated", False):
        return Clarification.objects.none()
    return Clarification.objects.filter(
        application__owner=user, state=Clarification.State.OPEN
    ).select_related("application__call")


# --- The applicant's dashboard ----------------------------------------------------------
# The page every official opens first reads a few narrow rows with SQL written once per
# language (see iuc_portal.core.sql): compiling the same ORM queries cost more than the
# rest of the page. Each read is still scoped to the official asking.


_STATUS_LABELS = dict(ApplicationStatus.choices)


class DashboardApplication(NamedTuple):
    pk: int
    city_name: str
    country_code: str
    call_name: str
    status: str
    updated_at: datetime

    @property
    def status_label(self):  # as get_status_display()
        return _STATUS_LABELS.get(self.status, self.status)


class OpenQuestion(NamedTuple):
    application_id: int
    city_name: str


class OpenCall(NamedTuple):
    slug: str
    name: str
    closes_at: datetime
    time_zone: str


def _translated(table: str, field: str, languages: tuple[str, ...]) -> str:
    """SQL reading a modeltranslation field as `call.name` does: the text of the first of
    `languages` (the active one, then its fallbacks) that is not empty."""
    texts = [f"NULLIF({table}.{build_localized_fieldname(field, lang)}, '')" for lang in languages]
    return f"COALESCE({', '.join(texts)}, '')"


def _languages() -> tuple[str, ...]:
    return resolution_order(get_language())


@cache
def _dashboard_sql(languages: tuple[str, ...]) -> dict[str, str]:
    tables = {"application": Application, "call": Call, "clarification": Clarification}
    call_name = _translated("c", "name", languages)
    return {
        "applications": sql.written(
            "SELECT a.id, a.city_name, a.country, {call_name}, a.status, a.updated_at"
            " FROM {application} a JOIN {call} c ON c.id = a.call_id"
            " WHERE a.owner_id = %s ORDER BY a.updated_at DESC",
            call_name=call_name, **tables,
        ),
        "questions": sql.written(
            "SELECT q.application_id, a.city_name"
            " FROM {clarification} q JOIN {application} a ON a.id = q.application_id"
            " WHERE a.owner_id = %s AND q.state = %s ORDER BY q.id",
            **tables,
        ),
        "open_calls": sql.written(
            "SELECT c.slug, {call_name}, c.closes_at, c.time_zone FROM {call} c"
            " WHERE c.opens_at <= %s AND c.closes_at > %s ORDER BY c.closes_at",
            call_name=call_name, **tables,
        ),
    }


def dashboard_applications(user) -> list[DashboardApplication]:
    """What the dashboard lists of the official's own applications, latest change first."""
    if not getattr(user, "is_authenticated", False):
        return []
    return [
        DashboardApplication(pk, city, country, call, status, sql.aware(updated_at))
        for pk, city, country, call, status, updated_at in sql.rows(
            _dashboard_sql(_languages())["applications"], [user.pk]
        )
    ]


def dashboard_questions(user) -> list[OpenQuestion]:
    """The open questions to the official's applications (as open_clarifications_for)."""
    if not getattr(user, "is_authenticated", False):
        return []
    return [
        OpenQuestion(*row)
        for row in sql.rows(
            _dashboard_sql(_languages())["questions"], [user.pk, Clarification.State.OPEN.value]
        )
    ]


def open_call_rows(*, now=None) -> list[OpenCall]:
    """The open calls (as open_calls), closing first: the fields a list of them shows."""
    now = sql.moment(now or timezone.now())
    return [
        OpenCall(slug, name, sql.aware(closes_at), time_zone)
        for slug, name, closes_at, time_zone in sql.rows(
            _dashboard_sql(_languages())["open_calls"], [now, now]
        )
    ]
