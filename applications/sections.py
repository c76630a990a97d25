"""The five sections of an application: which fields each holds, and each as plain
text (what a clarification's diff compares). No forms here: services use it."""

from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

SECTION_TITLES = {
    "city": _("City"),
    "contact": _("Contact"),
    "themes": _("Themes and challenges"),
    "preferences": _("Partner preferences"),
    "commitment": _("Commitment and documents"),
}
SECTION_CHOICES = list(SECTION_TITLES.items())

# The model fields each section may change (besides its related rows).
SECTION_FIELDS = {
    "city": frozenset(
        {"city_name", "country", "is_group", "population", "population_source", "population_year"}
    ),
    "contact": frozenset(
        {"contact_name", "contact_role", "contact_email", "contact_phone", "signing_authority"}
    ),
    "themes": frozenset({"challenges", "motivation", "experience"}),
    "preferences": frozenset({"preferred_countries", "languages", "partners_wanted"}),
    "commitment": frozenset({"commits_to_18_months"}),
}

# The related rows a section owns, named as `update_draft`'s keyword arguments.
SECTION_EXTRAS = {
    "city": frozenset({"members"}),
    "contact": frozenset(),
    "themes": frozenset({"theme_slugs"}),
    "preferences": frozenset({"region_slugs"}),
    "commitment": frozenset({"letter"}),
}


def section_text(application, section: str) -> str:
    """The section as "label: value" lines, stable enough to diff: always in English,
    so a question asked in one language and answered in another compare line by line."""
    with translation.override("en"):
        return _section_text(application, section)


def _section_text(application, section: str) -> str:
    meta = application._meta
    lines = []
    for name in sorted(SECTION_FIELDS[section]):
        label = capfirst(str(meta.get_field(name).verbose_name))
        value = getattr(application, name)
        if name == "country":
            value = value.code
        elif name == "preferred_countries":
            value = ", ".join(country.code for country in value)
        elif name == "languages":
            value = ", ".join(value)
        lines.append(f"{label}: {'' if value is None else value}")
    if section == "city":
        for member in application.municipalities.all():
            lines.append(f"{member.name}: {member.population}")
    elif section == "themes":
        for choice in application.theme_choices.select_related("theme"):
            lines.append(f"{choice.priority}. {choice.theme.slug}")
    elif section == "preferences":
        slugs = sorted(region.slug for region in application.preferred_regions.all())
        lines.append(f"regions: {', '.join(slugs)}")
    elif section == "commitment":
        lines.append(f"letter: {application.commitment_letter.name or '—'}")
    return "\n".join(lines) + "\n"
