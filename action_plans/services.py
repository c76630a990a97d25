"""Every write to a Local Action Plan. Only the city's own officials (and staff) may
change a plan; each function checks it, so no path can skip the rule."""

import logging
import secrets
from datetime import date

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.uploads import validate_pdf_upload
from iuc_portal.pdf import html_fingerprint, render_html, store_pdf_if_changed
from pairings.models import Pairing

from .dating import add_months
from .models import (
    CalendarFeed,
    Evidence,
    LocalActionPlan,
    Milestone,
    MilestoneStatus,
    Mou,
    PilotProject,
)

logger = logging.getLogger(__name__)

PDF_TEMPLATE = "action_plans/pdf/plan.html"


def can_edit(user, plan: LocalActionPlan) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_staff and user.has_perm("action_plans.change_localactionplan"):
        return True
    return plan.application.owner_id == user.pk


def _ensure_can_edit(user, plan: LocalActionPlan) -> None:
    if not can_edit(user, plan):
        raise PermissionDenied(_("Only the city's own officials can change its plan."))


# --- Starting plans ---------------------------------------------------------------


def start_plans(*, pairing: Pairing, by=None) -> list[LocalActionPlan]:
    """Both cities' plans, with the call's milestone template dated from the start."""
    start = pairing.start_date or timezone.localdate()
    template = pairing.call.milestone_template
    plans = []
    for application in (pairing.eu_application, pairing.partner_application):
        plan, created = LocalActionPlan.objects.get_or_create(
            pairing=pairing, application=application, defaults={"start_date": start}
        )
        if created:
            Milestone.objects.bulk_create(
                Milestone(
                    plan=plan,
                    month=item["month"],
                    title=item["title"],
                    due_date=add_months(start, item["month"]),
                )
                for item in template
            )
        plans.append(plan)
    return plans


# --- Milestones ---------------------------------------------------------------------


def update_milestone(
    *, milestone: Milestone, by, status: str, progress: int, note: str | None = None
) -> Milestone:
    _ensure_can_edit(by, milestone.plan)
    if status not in MilestoneStatus.values:
        raise ValueError(f"unknown status {status!r}")
    progress = max(0, min(100, int(progress)))
    if status == MilestoneStatus.DONE:
        progress = 100
    with transaction.atomic():
        milestone.status = status
        milestone.progress = progress
        if note is not None:
            milestone.note = note
        milestone.completed_on = (
            milestone.completed_on or timezone.localdate()
            if status == MilestoneStatus.DONE
            else None
        )
        milestone.updated_at = timezone.now()
        milestone.updated_by = by
        _attribute_history(milestone, by)
        milestone.save()
        _touch(milestone.plan, by)
    return milestone


def add_milestone(*, plan: LocalActionPlan, by, title: str, due_date: date) -> Milestone:
    _ensure_can_edit(by, plan)
    with transaction.atomic():
        whole_months = max(0, (due_date.year - plan.start_date.year) * 12
                           + due_date.month - plan.start_date.month)
        milestone = Milestone.objects.create(
            plan=plan, month=min(whole_months, 60), title=title.strip()[:200], due_date=due_date,
            is_custom=True, updated_by=by,
        )
        _touch(plan, by)
    return milestone


def add_evidence(*, milestone: Milestone, by, upload, title: str = "") -> Evidence:
    _ensure_can_edit(by, milestone.plan)
    validate_pdf_upload(upload)
    with transaction.atomic():
        evidence = Evidence(milestone=milestone, uploaded_by=by,
                            title=(title or _("Evidence")).strip()[:200])
        evidence.file.save("evidence.pdf", upload, save=False)
        evidence.save()
        _touch(milestone.plan, by)
    return evidence


# --- Sections, pilot projects, MoUs --------------------------------------------------

SECTION_FIELDS = ("context", "objectives", "stakeholder_group", "actions")


def update_sections(*, plan: LocalActionPlan, by, **sections) -> LocalActionPlan:
    _ensure_can_edit(by, plan)
    unknown = set(sections) - set(SECTION_FIELDS)
    if unknown:
        raise ValueError(f"not plan sections: {sorted(unknown)}")
    with transaction.atomic():
        for name, value in sections.items():
            setattr(plan, name, value)
        _touch(plan, by, fields=list(sections))
    return plan


PILOT_FIELDS = ("title", "description", "budget_eur", "funding_source", "funding_status")


def save_pilot_project(
    *, plan: LocalActionPlan, by, pilot: PilotProject | None = None, **fields
) -> PilotProject:
    _ensure_can_edit(by, plan)
    if pilot is not None and pilot.plan_id != plan.pk:
        raise PermissionDenied
    with transaction.atomic():
        pilot = pilot or PilotProject(plan=plan)
        for name in PILOT_FIELDS:
            if name in fields:
                setattr(pilot, name, fields[name])
        _attribute_history(pilot, by)
        pilot.save()
        _touch(plan, by)
    return pilot


def add_mou(*, plan: LocalActionPlan, by, title: str, signed_on: date, parties: str = "") -> Mou:
    _ensure_can_edit(by, plan)
    with transaction.atomic():
        mou = Mou.objects.create(plan=plan, title=title.strip()[:200], signed_on=signed_on,
                                 parties=parties.strip()[:300])
        _touch(plan, by)
    return mou


def _touch(plan: LocalActionPlan, by, fields=()) -> None:
    plan.updated_at = timezone.now()
    plan.updated_by = by if getattr(by, "pk", None) else None
    _attribute_history(plan, by)
    plan.save(update_fields=[*fields, "updated_at", "updated_by"])


def _attribute_history(instance, by) -> None:
    """Record who made the change in the history, also outside a web request."""
    if getattr(by, "pk", None):
        instance._history_user = by


# --- Progress ----------------------------------------------------------------------


def progress_of(milestones) -> int:
    """Average progress of the milestones, in whole percent (done counts as 100)."""
    milestones = list(milestones)
    if not milestones:
        return 0
    return round(sum(m.progress for m in milestones) / len(milestones))


# --- PDF export --------------------------------------------------------------------


def pdf_context(plan: LocalActionPlan) -> dict:
    from . import selectors

    partner_plan = selectors.partner_plan(plan)
    return {
        "plan": plan,
        "partner_plan": partner_plan,
        "pairing": plan.pairing,
        "milestones": list(plan.milestones.all()),
        "pilots": list(plan.pilot_projects.all()),
        "mous": list(plan.mous.all()),
        "progress": progress_of(plan.milestones.all()),
        "timeline": selectors.timeline(plan),
    }


def _fingerprint(plan: LocalActionPlan, language: str) -> str:
    return html_fingerprint(render_html(PDF_TEMPLATE, pdf_context(plan), language=language))


def request_plan_pdf(*, plan: LocalActionPlan, by, language: str = "en") -> bool:
    """Queue the PDF unless the current file already shows this very plan.

    Returns True when a rendering was queued, False when the existing PDF is current.
    """
    from . import selectors

    if not selectors.can_read(by, plan):
        raise PermissionDenied
    fingerprint = _fingerprint(plan, language)
    if plan.pdf and plan.pdf_fingerprint == fingerprint:
        return False
    LocalActionPlan.objects.filter(pk=plan.pk).update(pdf_requested_fingerprint=fingerprint)
    transaction.on_commit(lambda: _queue_pdf(plan.pk, language), robust=True)
    return True


def _queue_pdf(plan_id: int, language: str) -> None:
    from .tasks import render_plan_pdf

    try:
        render_plan_pdf.delay(plan_id, language)
    except Exception:
        logger.warning("Could not queue the PDF of plan %s", plan_id)


def render_plan_pdf(*, plan_id: int, language: str = "en") -> bool:
    """Render and store the plan's PDF; an unchanged plan is not rendered twice."""
    plan = LocalActionPlan.objects.select_related(
        "pairing__call", "application", "pairing__eu_application",
        "pairing__partner_application",
    ).get(pk=plan_id)
    return store_pdf_if_changed(
        plan, template_name=PDF_TEMPLATE, context=pdf_context(plan), language=language,
        filename="plan.pdf",
    )


# --- Calendar feed -----------------------------------------------------------------


def _new_feed_token() -> str:
    return secrets.token_urlsafe(32)


def ensure_calendar_feed(*, user) -> "CalendarFeed":
    """The official's secret feed address, created on first use."""
    feed, _created = CalendarFeed.objects.get_or_create(
        user=user, defaults={"token": _new_feed_token()}
    )
    return feed


def reset_calendar_feed(*, user) -> "CalendarFeed":
    """A new secret address; the old one stops working at once."""
    with transaction.atomic():
        feed, created = CalendarFeed.objects.select_for_update().get_or_create(
            user=user, defaults={"token": _new_feed_token()}
        )
        if not created:
            feed.token = _new_feed_token()
            feed.created_at = timezone.now()
            feed.save(update_fields=["token", "created_at"])
    return feed
