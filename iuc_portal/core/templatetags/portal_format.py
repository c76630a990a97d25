"""Numbers, money, countries and languages as a reader of the active language expects them."""

from django import template
from django.utils import translation
from django.utils.formats import number_format
from django_countries import countries

register = template.Library()

# Where the euro sign goes: before the amount in English, after it (with a no-break
# space) in the portal's other languages.
EURO_FIRST = {"en"}


@register.filter
def euros(amount) -> str:
    if amount in (None, ""):
        return "—"
    figure = number_format(amount, decimal_pos=0, force_grouping=True)
    if (translation.get_language() or "en")[:2] in EURO_FIRST:
        return f"€{figure}"
    return f"{figure}\u00a0€"


@register.filter
def language_names(codes) -> str:
    """ISO 639-1 codes as the languages' names in the active language."""
    names = []
    for code in codes or []:
        try:
            names.append(translation.get_language_info(code)["name_translated"])
        except KeyError:
            names.append(code)
    return ", ".join(str(name) for name in names) or "—"



@register.filter
def country_name(code) -> str:
    """"Netherlands" (in the reader's language) for "NL"; the code itself if unknown."""
    return str(countries.name(str(code))) or str(code)
