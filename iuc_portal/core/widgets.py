"""Widgets shared by the apps' forms."""

from django import forms
from django.utils.choices import BaseChoiceIterator
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django_countries import countries

_MAX_ENTRIES = 512


class ReadyChoices(BaseChoiceIterator):
    """Choices already in Django's normal form, (value, label) pairs: a field and its
    widget take them as they are, instead of walking every pair again per form."""

    def __init__(self, choices):
        self.choices = tuple(choices)

    def __iter__(self):
        return iter(self.choices)


_RENDERED: dict[tuple, str] = {}
_CHOICES: dict[str, ReadyChoices] = {}


def country_choices() -> ReadyChoices:
    """("", "—") and every country by name, sorted in the active language; built once
    per language (django-countries translates and sorts ~250 names each time)."""
    language = get_language() or ""
    choices = _CHOICES.get(language)
    if choices is None:
        choices = _CHOICES[language] = ReadyChoices(
            [("", "—"), *((c.code, c.name) for c in countries)]
        )
    return choices


class CountrySelect(forms.Select):
    """The country <select>: its ~250 options are rendered once per language (and per
    name and attributes), then reused; only the chosen option is marked per request."""

    def render(self, name, value, attrs=None, renderer=None):
        final_attrs = self.build_attrs(self.attrs, attrs)
        key = (get_language(), name, tuple(sorted((k, str(v)) for k, v in final_attrs.items())))
        html = _RENDERED.get(key)
        if html is None:
            if len(_RENDERED) >= _MAX_ENTRIES:
                _RENDERED.clear()
            html = _RENDERED[key] = str(super().render(name, None, attrs, renderer))
        if value not in (None, ""):
            # As Django draws it: the chosen country selected, the empty choice not.
            option = f'<option value="{escape(value)}">'
            html = html.replace(option, f'<option value="{escape(value)}" selected>', 1)
            html = html.replace('<option value="" selected>', '<option value="">', 1)
        return mark_safe(html)  # noqa: S308 - rendered by Django's own widget templates
