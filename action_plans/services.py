"""Every write to a Local Action Plan. Only the city's own officials (and staff) may
change a plan; each function checks it, so no path can skip the rule."""

import logging
import secrets
from datetime import date

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from modeltranslation.utils import build_localized_fieldname

from applications.milestones import template_titles
from applications.uploads import validate_pdf_upload
from iuc_portal.core.files import delete_after_commit
from iuc_portal.jobs.services import queue_job
from iuc_portal.pdf import html_fingerprint, render_html, store_pdf_if_changed
from pairings.models import Pairing

from .dating import add_months
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
    call = pairing.call
    # The English template sets the months; each language's template gives its titles.
    templates = {
        code: getattr(call, build_localized_fieldname("milestone_template", code))
        for code, _label in settings.LANGUAGES
    }
    templates["en"] = templates["en"] or call.milestone_template
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
                    due_date=add_months(start, item["month"]),
                    **{
                        build_localized_fieldname("title", code): title
                        for code, title in template_titles(templates, position).items()
                    },
                )
                for position, item in enumerate(templates["en"])
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


# A milestone falls within the plan's period, give or take: up to a year before the
# start (preparation) and up to two years after the end (follow-up, the 60-month cap).
MILESTONE_MONTHS_BEFORE_START = 12
MILESTONE_MONTHS_AFTER_END = 24
# An MoU may be signed some years around the cooperation (earlier ties, follow-ups).
MOU_YEARS_AROUND_PLAN = 5


def milestone_window(plan: LocalActionPlan) -> tuple[date, date]:
    """The first and last day a milestone of this plan may be due."""
    return (
        add_months(plan.start_date, -MILESTONE_MONTHS_BEFORE_START),
        add_months(plan.start_date, PLAN_MONTHS + MILESTONE_MONTHS_AFTER_END),
    )


def mou_window(plan: LocalActionPlan) -> tuple[date, date]:
    return (
        add_months(plan.start_date, -12 * MOU_YEARS_AROUND_PLAN),
        add_months(plan.start_date, PLAN_MONTHS + 12 * MOU_YEARS_AROUND_PLAN),
    )


def _check_within(day: date, window: tuple[date, date], *, field: str, message: str) -> None:
    first, last = window
    if not isinstance(day, date) or not first <= day <= last:
        raise ValidationError({field: message % {
            "first": formats.date_format(first, "DATE_FORMAT"),
            "last": formats.date_format(last, "DATE_FORMAT"),
        }})


def _check_milestone_due(plan: LocalActionPlan, due_date: date) -> None:
    _check_within(
        due_date, milestone_window(plan), field="due_date",
        message=_("A milestone is due within the plan's period: between %(first)s and %(last)s."),
    )


def _plan_month(plan: LocalActionPlan, due_date: date) -> int:
    whole_months = (due_date.year - plan.start_date.year) * 12 + (
        due_date.month - plan.start_date.month
    )
    return max(0, min(whole_months, 60))


def add_milestone(*, plan: LocalActionPlan, by, title: str, due_date: date) -> Milestone:
    _ensure_can_edit(by, plan)
    _check_milestone_due(plan, due_date)
    with transaction.atomic():
        milestone = Milestone(
            plan=plan, month=_plan_month(plan, due_date), title=title.strip()[:200],
            due_date=due_date, is_custom=True, updated_by=by,
        )
        _attribute_history(milestone, by)
        milestone.save()
        _touch(plan, by)
    return milestone


def edit_milestone(*, milestone: Milestone, by, title: str, due_date: date) -> Milestone:
    """Rename or re-date one of the city's milestones (kept in its history)."""
    _ensure_can_edit(by, milestone.plan)
    _check_milestone_due(milestone.plan, due_date)
    title = title.strip()[:200]
    if not title:
        raise ValidationError({"title": _("Give the milestone a title.")})
    with transaction.atomic():
        milestone.title = title
        milestone.due_date = due_date
        milestone.month = _plan_month(milestone.plan, due_date)
        milestone.updated_at = timezone.now()
        milestone.updated_by = by
        _attribute_history(milestone, by)
        milestone.save()
        _touch(milestone.plan, by)
    return milestone


def delete_milestone(*, milestone: Milestone, by) -> None:
    """Remove a milestone the city added itself; the programme's milestones stay.

    The deletion is kept in the milestone's history (who and when); its evidence
    files are removed from storage once the deletion is committed.
    """
    _ensure_can_edit(by, milestone.plan)
    if not milestone.is_custom:
        raise ValidationError(
            _("This milestone belongs to the programme's plan: change its date instead.")
        )
    plan = milestone.plan
    with transaction.atomic():
        files = [evidence.file.name for evidence in milestone.evidence.all() if evidence.file]
        _attribute_history(milestone, by)
        milestone.delete()
        _touch(plan, by)
        delete_after_commit(files)


# Evidence documents a plan may hold (each at most MAX_DOCUMENT_UPLOAD_BYTES).
MAX_EVIDENCE_PER_PLAN = 50


def add_evidence(*, milestone: Milestone, by, upload, title: str = "") -> Evidence:
    _ensure_can_edit(by, milestone.plan)
    validate_pdf_upload(upload)
    with transaction.atomic():
        # Counted under the plan's row lock, so two uploads cannot both pass the cap.
        LocalActionPlan.objects.select_for_update().filter(pk=milestone.plan_id).first()
        if Evidence.objects.filter(milestone__plan_id=milestone.plan_id).count() >= (
            MAX_EVIDENCE_PER_PLAN
        ):
            raise ValidationError(
                _("This plan already holds %(count)s documents, the most it can keep. "
                  "Ask the programme staff if you need more.") % {"count": MAX_EVIDENCE_PER_PLAN}
            )
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
    _check_within(
        signed_on, mou_window(plan), field="signed_on",
        message=_("An MoU of this plan is signed between %(first)s and %(last)s."),
    )
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
    if plan.application.owner_id != getattr(by, "pk", None):
        # The plan has one PDF, in the language its own city asked for. Anyone else
        # (the partner city, staff) gets that one while it shows the current plan, in
        # whatever language it is; when the plan has changed it is rendered again in
        # the owning official's language, never replaced by another reader's choice.
        if plan.pdf and plan.pdf_fingerprint in {
            _fingerprint(plan, code) for code, _name in settings.LANGUAGES
        }:
            return False
        owner = plan.application.owner  # an imported application may have no account
        language = (owner.language if owner else "") or settings.LANGUAGE_CODE
    fingerprint = _fingerprint(plan, language)
    if plan.pdf and plan.pdf_fingerprint == fingerprint:
        return False
    LocalActionPlan.objects.filter(pk=plan.pk).update(pdf_requested_fingerprint=fingerprint)
    _queue_pdf(plan.pk, language)
    return True


def pdf_job_key(plan_id: int, language: str) -> str:
    return f"plan-pdf:{plan_id}:{language}"


def _queue_pdf(plan_id: int, language: str) -> None:
    """Record the PDF job and publish it after commit; the jobs sweeper re-queues it
    if the broker or a worker loses it."""
    queue_job(key=pdf_job_key(plan_id, language), task="action_plans.tasks.render_plan_pdf",
              args=[plan_id, language])


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
