"""Reads of Local Action Plans, scoped to who asks: a city reads its own plan, and its
partner's only while the pairing holds (a dissolved pairing ends that access); staff
read all."""

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db import connections
from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone
from modeltranslation.utils import build_localized_fieldname

from iuc_portal.core.precompiled import Precompiled, Slot
from pairings.models import HOLDING_STATUSES

from .dating import add_months, months_between
from .models import (
    PLAN_MONTHS,
    CalendarFeed,
    Evidence,
    LocalActionPlan,
    Milestone,
    MilestoneStatus,
    Mou,
    PilotProject,
)


def plans_visible_to(user) -> QuerySet[LocalActionPlan]:
    if not getattr(user, "is_authenticated", False):
        return LocalActionPlan.objects.none()
    return _visible_plans(user, everyone=_reads_every_plan(user))


def _reads_every_plan(user) -> bool:
    return bool(user.is_staff and user.has_perm("action_plans.view_localactionplan"))


def _visible_plans(user, *, everyone: bool) -> QuerySet[LocalActionPlan]:
    """Every plan, or those of `user` (a user or a user's id): their own city's, and
    their partner's while the pairing holds."""
    plans = LocalActionPlan.objects.select_related(
        "application", "pairing__call", "pairing__eu_application",
        "pairing__partner_application",
    )
    if everyone:
        return plans
    return plans.filter(
        Q(application__owner=user)
        | (
            Q(pairing__status__in=HOLDING_STATUSES)
            & (Q(pairing__eu_application__owner=user)
               | Q(pairing__partner_application__owner=user))
        )
    )


def search_plans(plans: QuerySet[LocalActionPlan], text: str) -> QuerySet[LocalActionPlan]:
    """Plans whose city, or a city of whose pairing, contains `text`."""
    return plans.filter(
        Q(application__city_name__icontains=text)
        | Q(pairing__eu_application__city_name__icontains=text)
        | Q(pairing__partner_application__city_name__icontains=text)
    )


def can_read(user, plan: LocalActionPlan) -> bool:
    return plans_visible_to(user).filter(pk=plan.pk).exists()


def own_plans(user) -> QuerySet[LocalActionPlan]:
    if not getattr(user, "is_authenticated", False):
        return LocalActionPlan.objects.none()
    return plans_visible_to(user).filter(application__owner=user)


def partner_plan(plan: LocalActionPlan) -> LocalActionPlan | None:
    """The partner city's plan, shown beside this one while the pairing holds."""
    if plan.pairing.status not in HOLDING_STATUSES:
        return None
    return (
        LocalActionPlan.objects.filter(pairing=plan.pairing)
        .exclude(pk=plan.pk)
        .select_related("application")
        .prefetch_related("milestones", "pilot_projects", "mous")
        .first()
    )


# The plan page's columns only: a select_related of every column of the plan, its pairing,
# call (with each language's name, description and template) and three applications
# cost more to compile than the rest of the page's queries together.
_PAGE_PLAN_FIELDS = (
    "pairing", "application", "start_date", "context", "objectives", "stakeholder_group",
    "actions", "pdf", "pdf_fingerprint", "pdf_requested_fingerprint",
    "application__city_name", "application__owner",
    "pairing__status", "pairing__call",
    *(f"pairing__call__{build_localized_fieldname('name', code)}"
      for code, _name in settings.LANGUAGES),
    "pairing__eu_application", "pairing__eu_application__city_name",
    "pairing__eu_application__country",
    "pairing__partner_application", "pairing__partner_application__city_name",
    "pairing__partner_application__country",
)
_PAGE_MILESTONE_FIELDS = (
    "plan", "month", "title", "due_date", "status", "progress", "note", "is_custom",
    "updated_at", "updated_by", "updated_by__email",
)


def plan_page_plans(user) -> QuerySet[LocalActionPlan]:
    """The plans the user may read, narrowed to what the plan page shows, each with the id
    of the other city's plan in its pairing (`other_plan_id`)."""
    return _page_plans(plans_visible_to(user))


def _page_plans(plans: QuerySet[LocalActionPlan]) -> QuerySet[LocalActionPlan]:
    other = (
        LocalActionPlan.objects.filter(pairing_id=OuterRef("pairing_id"))
        .exclude(pk=OuterRef("pk")).order_by().values("pk")[:1]
    )
    return plans.only(*_PAGE_PLAN_FIELDS).annotate(other_plan_id=Subquery(other))


# The plan page's query, compiled once per worker and database for each of its two
# shapes (a city official's plans, or every plan for staff who may read them all):
# only the user's and the plan's ids change between requests (iuc_portal.core.precompiled).
_USER_ID, _PLAN_ID = Slot(-424_242_001), Slot(-424_242_002)
_PAGE_QUERIES: dict[tuple, Precompiled] = {}
_PART_QUERIES: dict[tuple, dict[str, Precompiled]] = {}


def plan_for_page(user, pk: int) -> LocalActionPlan | None:
    """`plan_page_plans(user)`'s plan `pk`, or None when the user may not read it."""
    if not getattr(user, "is_authenticated", False):
        return None
    everyone = _reads_every_plan(user)
    key = (everyone, LocalActionPlan.objects.db, connections[LocalActionPlan.objects.db].vendor)
    query = _PAGE_QUERIES.get(key)
    if query is None:
        plans = _page_plans(_visible_plans(_USER_ID, everyone=everyone)).filter(pk=_PLAN_ID)
        slots = {"plan": _PLAN_ID} if everyone else {"plan": _PLAN_ID, "user": _USER_ID}
        query = _PAGE_QUERIES[key] = Precompiled(plans, **slots)
    found = query.models(plan=pk, user=user.pk)
    if len(found) > 1:  # as QuerySet.get(): an id is one plan
        raise LocalActionPlan.MultipleObjectsReturned
    return found[0] if found else None


@dataclass
class PartnerPlan:
    """The partner city's plan as the plan page shows it beside the city's own."""

    pk: int
    application: object
    milestones: list[Milestone]
    pilot_projects: list[PilotProject]


@dataclass
class PlanPage:
    milestones: list[Milestone]
    pilot_projects: list[PilotProject]
    mous: list[Mou]
    partner: PartnerPlan | None


_PARTNER_ID = Slot(-424_242_003)


def _part_queries(plans: int) -> dict[str, Precompiled]:
    """The page's milestones, pilot projects (of one plan, or of two: the partner's too)
    and MoUs queries, compiled once per worker and database."""
    key = (plans, Milestone.objects.db, connections[Milestone.objects.db].vendor)
    queries = _PART_QUERIES.get(key)
    if queries is None:
        ids = [_PLAN_ID, _PARTNER_ID][:plans]
        slots = dict(zip(("plan", "partner"), ids, strict=False))
        queries = _PART_QUERIES[key] = {
            "milestones": Precompiled(
                Milestone.objects.filter(plan_id__in=ids).select_related("updated_by")
                .only(*_PAGE_MILESTONE_FIELDS), **slots),
            "pilots": Precompiled(PilotProject.objects.filter(plan_id__in=ids), **slots),
            "mous": Precompiled(Mou.objects.filter(plan=_PLAN_ID), plan=_PLAN_ID),
        }
    return queries


def plan_page(plan: LocalActionPlan) -> PlanPage:
    """What the plan page shows of `plan` (from `plan_page_plans`) and, while the pairing
    holds, of the partner's plan: one query each for the milestones, pilot projects and
    MoUs of both."""
    pairing = plan.pairing
    partner_id = plan.other_plan_id if pairing.status in HOLDING_STATUSES else None
    ids = [plan.pk] if partner_id is None else [plan.pk, partner_id]
    queries = _part_queries(len(ids))
    plan_ids = dict(zip(("plan", "partner"), ids, strict=False))
    milestones = {pk: [] for pk in ids}
    for milestone in queries["milestones"].models(**plan_ids):
        milestones[milestone.plan_id].append(milestone)
    pilots = {pk: [] for pk in ids}
    for pilot in queries["pilots"].models(**plan_ids):
        pilots[pilot.plan_id].append(pilot)
    partner = None
    if partner_id is not None:
        partner = PartnerPlan(
            pk=partner_id,
            application=(pairing.partner_application
                         if plan.application_id == pairing.eu_application_id
                         else pairing.eu_application),
            milestones=milestones[partner_id],
            pilot_projects=pilots[partner_id],
        )
    return PlanPage(
        milestones=milestones[plan.pk],
        pilot_projects=pilots[plan.pk],
        mous=queries["mous"].models(plan=plan.pk),
        partner=partner,
    )


def milestones_for(plan: LocalActionPlan) -> QuerySet[Milestone]:
    return plan.milestones.select_related("updated_by").prefetch_related("evidence")


@dataclass
class TimelineMark:
    milestone: Milestone
    x: float  # 0..1 across the plan's months
    overdue: bool
    done: bool


@dataclass
class Timeline:
    months: int
    start: date
    end: date
    today_x: float | None  # None when today is outside the plan
    marks: list[TimelineMark]
    ticks: list[tuple[int, float]]  # (month, x)


def timeline(
    plan: LocalActionPlan, today: date | None = None, milestones: list[Milestone] | None = None
) -> Timeline:
    """Where each milestone and today sit on the plan's months, for the server-drawn chart
    (`milestones`: the plan's milestones when the caller has them already)."""
    today = today or timezone.localdate()
    milestones = list(plan.milestones.all()) if milestones is None else milestones
    last_month = max([PLAN_MONTHS, *(m.month for m in milestones)])
    span = float(last_month)

    def position(day: date) -> float:
        return months_between(plan.start_date, day) / span

    today_x = position(today)
    return Timeline(
        months=last_month,
        start=plan.start_date,
        end=add_months(plan.start_date, last_month),
        today_x=today_x if 0 <= today_x <= 1 else None,
        marks=[
            TimelineMark(
                milestone=m,
                x=min(max(position(m.due_date), 0.0), 1.0),
                overdue=m.is_overdue(today),
                done=m.status == MilestoneStatus.DONE,
            )
            for m in milestones
        ],
        ticks=[(month, month / span) for month in range(0, last_month + 1, 3)],
    )


def plans_with_milestones(queryset: QuerySet[LocalActionPlan]) -> QuerySet[LocalActionPlan]:
    return queryset.prefetch_related(Prefetch("milestones", queryset=Milestone.objects.all()))


def evidence_of(plan: LocalActionPlan) -> QuerySet[Evidence]:
    return Evidence.objects.filter(milestone__plan=plan)


def feed_owner(token: str):
    """The official a calendar feed address belongs to, or None."""
    if not token or len(token) > 64:
        return None
    feed = CalendarFeed.objects.select_related("user").filter(token=token).first()
    if feed is None or not feed.user.is_active:
        return None
    return feed.user


def feed_milestones(user) -> QuerySet[Milestone]:
    """The milestones of the official's own cities' plans, in live partnerships."""
    from pairings.models import HOLDING_STATUSES

    return (
        Milestone.objects.filter(
            plan__application__owner=user, plan__pairing__status__in=HOLDING_STATUSES
        )
        .select_related("plan__application", "plan__pairing__call")
        .order_by("due_date", "id")
    )
