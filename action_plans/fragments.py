"""What the plan page's cached parts (the milestones with their update forms, the
timeline, the partner's plan) are rendered from, as plain values. The parts are kept by
iuc_portal.core.fragments, under a digest of these values (see its docstring for why a
part is never stale and never another city's)."""

from iuc_portal.core.fragments import render_cached

from .models import FundingStatus, MilestoneStatus

__all__ = ["milestone_rows", "partner_context", "render_cached", "timeline_key"]


def milestone_rows(milestones, today, start) -> list[dict]:
    """What the milestone list shows of each milestone, as plain values (`start`: the
    plan's start; a milestone due before it is preparation, not "month 0")."""
    statuses = {value: str(label) for value, label in MilestoneStatus.choices}
    return [
        {
            "pk": m.pk, "title": m.title, "is_custom": m.is_custom, "month": m.month,
            "before_start": m.due_date < start,
            "due_date": m.due_date, "overdue": m.is_overdue(today), "status": m.status,
            "status_display": statuses.get(m.status, m.status), "progress": m.progress,
            "note": m.note, "updated_at": m.updated_at,
            "updated_by": str(m.updated_by) if m.updated_by else None,
        }
        for m in milestones
    ]


def partner_context(partner, progress: int) -> dict:
    """What the plan page shows of the partner's plan (a selectors.PartnerPlan), as plain
    values."""
    statuses = {value: str(label) for value, label in MilestoneStatus.choices}
    funding = {value: str(label) for value, label in FundingStatus.choices}
    return {
        "partner": {
            "pk": partner.pk,
            "application": {"city_name": partner.application.city_name},
            "milestones": [
                {"title": m.title, "status_display": statuses.get(m.status, m.status),
                 "progress": m.progress}
                for m in partner.milestones
            ],
            "pilot_projects": [
                {"title": p.title,
                 "funding_status_display": funding.get(p.funding_status, p.funding_status)}
                for p in partner.pilot_projects
            ],
        },
        "partner_progress": progress,
    }


def timeline_key(timeline) -> tuple:
    """Every value _timeline.html shows of a selectors.Timeline."""
    return (
        timeline.months, timeline.start, timeline.end, timeline.today_x, tuple(timeline.ticks),
        tuple((mark.x, mark.overdue, mark.done, mark.milestone.title, mark.milestone.due_date,
               mark.milestone.month) for mark in timeline.marks),
    )
