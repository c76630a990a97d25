"""Parts of the plan page that read the same for everyone shown the same data (the
milestones with their update forms, the timeline, the partner's plan), rendered once per
worker and then reused.

A part's key is a digest of everything its output depends on: the template, the
language's catalogue, the time zone and the values it is rendered from, which are read
from the database on every request. So a change by any worker, in the portal or the
admin, shows at once (the values differ, so the key does), nothing needs invalidating,
and one city's part is never shown to another unless it would read exactly the same.
The parts are kept in the worker (a shared cache would keep a part across a deploy that
changes its template or translations); the CSRF token is never kept: a part is rendered
with a placeholder token, replaced by the request's on the way out."""

import hashlib
import itertools

from django.middleware.csrf import get_token
from django.template.loader import get_template
from django.utils import timezone, translation
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import trans_real

from .models import FundingStatus, MilestoneStatus

# The parts this worker rendered last (a few plans' worth); emptied when full.
_parts: dict[str, str] = {}
_PARTS_MAX = 256
_CSRF_PLACEHOLDER = "csrf-placeholder"
_CSRF_INPUT = '<input type="hidden" name="csrfmiddlewaretoken" value="{}">'
_versions = itertools.count(1)


def _version(obj) -> int:
    """A number for this template or catalogue object, new when it is loaded afresh (a
    template changed under runserver, translations reloaded)."""
    version = getattr(obj, "_plan_part_version", None)
    if version is None:
        version = next(_versions)
        obj._plan_part_version = version
    return version


def render_cached(template_name: str, context: dict, *, key_data=None, request=None) -> SafeString:
    """`template_name` rendered with `context` (no request: no context processors), kept
    under the digest of `key_data`, which must hold every value the output shows (default:
    `context` itself, which must then hold plain values whose repr is their content).
    With `request`, the template's {% csrf_token %} carries the request's token."""
    template = get_template(template_name)
    language = translation.get_language()
    digest = hashlib.sha256(repr((
        template_name, _version(template.template), language,
        _version(trans_real.translation(language)) if language else None,
        timezone.get_current_timezone_name(),
        context if key_data is None else key_data,
    )).encode()).hexdigest()
    html = _parts.get(digest)
    if html is None:
        html = str(template.render({**context, "csrf_token": _CSRF_PLACEHOLDER}))
        if len(_parts) >= _PARTS_MAX:
            _parts.clear()
        _parts[digest] = html
    if request is not None:
        # User text is escaped in the output, so only a {% csrf_token %} writes this tag.
        html = html.replace(_CSRF_INPUT.format(_CSRF_PLACEHOLDER),
                            format_html(_CSRF_INPUT, get_token(request)))
    return mark_safe(html)  # noqa: S308 -- rendered by the template engine, escaped there


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
