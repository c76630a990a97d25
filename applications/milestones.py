"""The default Local Action Plan template (DESIGN.md), kept with the call that uses it."""

from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

DEFAULT_MILESTONE_TEMPLATE = [
    {"month": 0, "title": gettext_noop("Partnership agreement signed, kick-off")},
    {"month": 1, "title": gettext_noop("Local stakeholder group formed")},
    {"month": 3, "title": gettext_noop("First study visit")},
    {"month": 5, "title": gettext_noop("Return study visit")},
    {"month": 6, "title": gettext_noop("Challenges and objectives agreed")},
    {"month": 9, "title": gettext_noop("Draft Local Action Plan")},
    {"month": 12, "title": gettext_noop("Pilot project defined (budget, funding source)")},
    {"month": 15, "title": gettext_noop("Final Local Action Plan adopted")},
    {"month": 18, "title": gettext_noop("Final report; MoU for continued cooperation")},
]


def default_milestone_template(language: str | None = None) -> list[dict]:
    """The DESIGN.md template with its titles in `language` (default: the active one)."""
    with translation.override(language or translation.get_language() or "en"):
        return [
            {"month": item["month"], "title": gettext(item["title"])}
            for item in DEFAULT_MILESTONE_TEMPLATE
        ]


def template_titles(templates: dict[str, list | None], position: int) -> dict[str, str]:
    """The title of milestone `position` in each language whose template lines up with
    the English one (same months); other languages fall back to English."""
    english = templates["en"]
    titles = {}
    for language, template in templates.items():
        if not template or len(template) != len(english):
            continue
        if template[position].get("month") != english[position]["month"]:
            continue
        titles[language] = template[position]["title"]
    return titles


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
