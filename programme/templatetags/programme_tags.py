from django import template
from django.templatetags.static import static
from django.utils.html import format_html

from iuc_portal.core.templatetags import portal_format

register = template.Library()


@register.filter
def flag_img(code: str) -> str:
    """The country's flag from django-countries' own static files (no CDN, no emoji font)."""
    code = (code or "").lower()
    if len(code) != 2 or not code.isalpha():
        return ""
    return format_html(
        '<img class="flag" src="{}" alt="" width="16" height="11">',
        static(f"flags/{code}.gif"),
    )


register.filter("country_name", portal_format.country_name)
