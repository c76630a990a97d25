"""Milestone reminders for the cities and the weekly digest for programme staff.

Each reminder goes out once per milestone and kind, however often the daily job runs,
even when two workers run it at once or a worker dies half-way: the `ReminderSent`
row and the e-mail are written in one transaction per reminder, and the unique
constraint on (milestone, kind) lets only one of two concurrent runs write it.
"""

import logging
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import formats, timezone, translation

from iuc_portal.accounts.roles import STAFF_GROUP
from iuc_portal.mail.models import OutboundEmail
from iuc_portal.mail.services import absolute_url, queue_email
from pairings.models import Pairing, PairingStatus

from .models import LocalActionPlan, Milestone, MilestoneStatus, ReminderKind, ReminderSent
from .services import progress_of

logger = logging.getLogger(__name__)

# Pairings whose cities are still working on their plans.
LIVE_STATUSES = [PairingStatus.CONFIRMED, PairingStatus.ACTIVE]
DUE_SOON_DAYS = 7
STALE_AFTER_DAYS = 60

TEMPLATES = {
    ReminderKind.DUE_SOON: "action_plans/email/milestone_due_soon",
    ReminderKind.OVERDUE: "action_plans/email/milestone_overdue",
}
DIGEST_TEMPLATE = "action_plans/email/staff_digest"


# --- Milestone reminders ------------------------------------------------------------


def reminder_candidates(*, kind: str, today: date) -> QuerySet[Milestone]:
    """Open milestones of live pairings that are due for `kind` and have not had it."""
    milestones = Milestone.objects.filter(plan__pairing__status__in=LIVE_STATUSES).exclude(
        status=MilestoneStatus.DONE
    )
    if kind == ReminderKind.DUE_SOON:
        milestones = milestones.filter(
            due_date__gte=today, due_date__lte=today + timedelta(days=DUE_SOON_DAYS)
        )
    elif kind == ReminderKind.OVERDUE:
        milestones = milestones.filter(due_date__lt=today)
    else:
        raise ValueError(f"unknown reminder kind {kind!r}")
    already_sent = ReminderSent.objects.filter(milestone=OuterRef("pk"), kind=kind)
    return (
        milestones.filter(~Exists(already_sent))
        .select_related(
            "plan__application__owner",
            "plan__pairing__call",
            "plan__pairing__eu_application",
            "plan__pairing__partner_application",
        )
        .order_by("pk")
    )


def send_milestone_reminders(*, today: date | None = None) -> int:
    """Queue the due-soon and overdue reminders not sent yet; return how many were queued.

    One transaction per reminder: a failure (or a dying worker) loses at most the
    reminder in hand, which the next run sends. A reminder that fails for a reason of
    its own is logged and skipped so that it does not hold back every other city's.
    """
    today = today or timezone.localdate()
    queued = 0
    for kind in (ReminderKind.OVERDUE, ReminderKind.DUE_SOON):
        for milestone in reminder_candidates(kind=kind, today=today):
            try:
                if _send_reminder(milestone=milestone, kind=kind, today=today):
                    queued += 1
            except Exception:
                logger.exception("Reminder %s for milestone %s not queued", kind, milestone.pk)
    return queued


def _send_reminder(*, milestone: Milestone, kind: str, today: date) -> bool:
    plan = milestone.plan
    recipient = _recipient(plan)
    if recipient is None:
        logger.warning("Plan %s has no one to remind of milestone %s", plan.pk, milestone.pk)
        return False
    to, language = recipient
    try:
        with transaction.atomic():
            _reminder, created = ReminderSent.objects.get_or_create(milestone=milestone, kind=kind)
            if not created:  # another run sent it since the candidates were read
                return False
            queue_email(
                to=to,
                template=TEMPLATES[kind],
                context=_reminder_context(milestone, kind=kind, today=today, language=language),
                language=language,
                idempotency_key=f"milestone:{milestone.pk}:{kind}",
            )
    except IntegrityError:  # a concurrent run won the race for this reminder
        return False
    return True


def _recipient(plan: LocalActionPlan) -> tuple[str, str] | None:
    """The city official in their language, else the application's contact in English."""
    application = plan.application
    owner = application.owner
    if owner is not None and owner.is_active and owner.email:
        return owner.email, _language(owner.language)
    if application.contact_email:
        return application.contact_email, "en"
    return None


def _language(code: str | None) -> str:
    return code if code in dict(settings.LANGUAGES) else "en"


def plan_url(plan_id: int) -> str:
    try:
        path = reverse("action_plans:detail", args=[plan_id])
    except NoReverseMatch:
        path = "/plans/"
    return absolute_url(path)


def _reminder_context(milestone: Milestone, *, kind: str, today: date, language: str) -> dict:
    plan = milestone.plan
    pairing = plan.pairing
    partner = (
        pairing.partner_application
        if plan.application_id == pairing.eu_application_id
        else pairing.eu_application
    )
    with translation.override(language):
        due_display = formats.date_format(milestone.due_date, "DATE_FORMAT")
    return {
        "kind": str(kind),
        "milestone": milestone.title,
        "month": milestone.month,
        "due_date": milestone.due_date.isoformat(),
        "due_date_display": due_display,
        "days": abs((milestone.due_date - today).days),
        "city": plan.application.city_name,
        "city_label": city_label(plan.application),
        "partner": city_label(partner),
        "call": pairing.call.name,
        "plan_url": plan_url(plan.pk),
    }


def city_label(application) -> str:
    return f"{application.city_name} ({application.country.code})"


# --- Pairs at risk and the staff digest ---------------------------------------------


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def pairs_at_risk(*, today: date | None = None) -> list[dict]:
    """Live pairings where either plan has an overdue milestone or no update for 60 days.

    Rows are plain data (JSON-serialisable), ordered by call and city names.
    """
    today = today or timezone.localdate()
    # Updated on day D counts as "no update for 60 days" from D + 60 on.
    stale_before = _start_of(today - timedelta(days=STALE_AFTER_DAYS - 1))
    overdue = Milestone.objects.filter(plan__pairing=OuterRef("pk"), due_date__lt=today).exclude(
        status=MilestoneStatus.DONE
    )
    stale = LocalActionPlan.objects.filter(pairing=OuterRef("pk"), updated_at__lt=stale_before)
    pairings = (
        Pairing.objects.filter(status__in=LIVE_STATUSES)
        .filter(Exists(overdue) | Exists(stale))
        .select_related("call", "eu_application", "partner_application")
        .prefetch_related(
            Prefetch(
                "plans",
                queryset=LocalActionPlan.objects.order_by("pk").prefetch_related(
                    Prefetch("milestones", queryset=Milestone.objects.order_by())
                ),
            )
        )
    )
    rows = []
    for pairing in pairings:
        plans = list(pairing.plans.all())
        milestones = [m for plan in plans for m in plan.milestones.all()]
        last_updates = [timezone.localdate(plan.updated_at) for plan in plans]
        by_city = {plan.application_id: plan for plan in plans}
        eu_plan = by_city.get(pairing.eu_application_id)
        partner_plan = by_city.get(pairing.partner_application_id)
        rows.append(
            {
                "pairing_id": pairing.pk,
                "call": pairing.call.name,
                "eu_city": city_label(pairing.eu_application),
                "partner_city": city_label(pairing.partner_application),
                "overdue": sum(m.is_overdue(today) for m in milestones),
                # The older of the two plans' last updates: the one that may be stale.
                "last_update": min(last_updates).isoformat() if last_updates else "",
                "stale": any(plan.updated_at < stale_before for plan in plans),
                "progress": progress_of(milestones),
                "eu_progress": progress_of(eu_plan.milestones.all()) if eu_plan else 0,
                "partner_progress": (
                    progress_of(partner_plan.milestones.all()) if partner_plan else 0
                ),
            }
        )
    rows.sort(key=lambda row: (row["call"], row["eu_city"], row["partner_city"]))
    return rows


def staff_recipients() -> QuerySet:
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name=STAFF_GROUP)
        .exclude(email="")
        .distinct()
        .order_by("pk")
    )


def digest_key(*, today: date, user_id: int) -> str:
    iso_year, iso_week, _weekday = today.isocalendar()
    return f"digest:{iso_year}-W{iso_week:02d}:{user_id}"


def send_staff_digest(*, today: date | None = None) -> int:
    """E-mail each active programme staff member the pairs at risk, once per ISO week.

    Nothing is sent in a week without pairs at risk. Returns how many were queued.
    """
    today = today or timezone.localdate()
    rows = pairs_at_risk(today=today)
    if not rows:
        return 0
    users = list(staff_recipients())
    keys = {user.pk: digest_key(today=today, user_id=user.pk) for user in users}
    already = set(
        OutboundEmail.objects.filter(idempotency_key__in=keys.values()).values_list(
            "idempotency_key", flat=True
        )
    )
    iso_year, iso_week, _weekday = today.isocalendar()
    base_context = {
        "week": f"{iso_year}-W{iso_week:02d}",
        "rows": [{**row, "url": _pairing_admin_url(row["pairing_id"])} for row in rows],
        "count": len(rows),
        "stale_days": STALE_AFTER_DAYS,
        "overview_url": _overview_url(),
    }
    queued = 0
    for user in users:
        if keys[user.pk] in already:
            continue
        with transaction.atomic():
            queue_email(
                to=user.email,
                template=DIGEST_TEMPLATE,
                context=base_context,
                language=_language(user.language),
                idempotency_key=keys[user.pk],
            )
        queued += 1
    return queued


def _overview_url() -> str:
    try:
        return absolute_url(reverse("admin:action_plans_localactionplan_changelist"))
    except NoReverseMatch:
        return absolute_url("/admin/")


def _pairing_admin_url(pairing_id: int) -> str:
    try:
        return absolute_url(reverse("admin:pairings_pairing_change", args=[pairing_id]))
    except NoReverseMatch:
        return _overview_url()
