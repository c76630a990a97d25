"""Programme content by name, never by slug, wherever a person reads it."""

from django import template

from applications.models import Theme

register = template.Library()


@register.filter
def theme_names(slugs) -> str:
    """Theme slugs (as stored on a pairing) as their names in the active language."""
    slugs = list(slugs or [])
    names = {theme.slug: str(theme) for theme in Theme.objects.filter(slug__in=slugs)}
    return ", ".join(names.get(slug, slug) for slug in slugs) or "—"
