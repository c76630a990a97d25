from django import template
from django_countries import countries

register = template.Library()


@register.filter
def flag(code: str) -> str:
    """The emoji flag of an ISO alpha-2 code (regional indicator letters); no images."""
    code = (code or "").upper()
    if len(code) != 2 or not code.isalpha():
        return ""
    return "".join(chr(0x1F1E6 + ord(letter) - ord("A")) for letter in code)


@register.filter
def country_name(code: str) -> str:
    return str(countries.name(code)) or code
