"""The default Local Action Plan template (DESIGN.md), kept with the call that uses it."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

DEFAULT_MILESTONE_TEMPLATE = [
    {"month": 0, "title": "Partnership agreement signed, kick-off"},
    {"month": 1, "title": "Local stakeholder group formed"},
    {"month": 3, "title": "First study visit"},
    {"month": 5, "title": "Return study visit"},
    {"month": 6, "title": "Challenges and objectives agreed"},
    {"month": 9, "title": "Draft Local Action Plan"},
    {"month": 12, "title": "Pilot project defined (budget, funding source)"},
    {"month": 15, "title": "Final Local Action Plan adopted"},
    {"month": 18, "title": "Final report; MoU for continued cooperation"},
]


def default_milestone_template() -> list[dict]:
    return [dict(item) for item in DEFAULT_MILESTONE_TEMPLATE]


def validate_milestone_template(value) -> None:
    if not isinstance(value, list) or not value:
        raise ValidationError(_("The template must be a non-empty list of milestones."))
    for position, item in enumerate(value, start=1):
        if not isinstance(item, dict) or set(item) != {"month", "title"}:
            raise ValidationError(
                _("Milestone %(n)s must have exactly a month and a title."), params={"n": position}
            )
        month, title = item["month"], item["title"]
        if not isinstance(month, int) or isinstance(month, bool) or not 0 <= month <= 60:
            raise ValidationError(
                _("Milestone %(n)s: the month must be a whole number from 0 to 60."),
                params={"n": position},
            )
        if not isinstance(title, str) or not title.strip() or len(title) > 200:
            raise ValidationError(
                _("Milestone %(n)s: the title must be 1 to 200 characters."), params={"n": position}
            )
