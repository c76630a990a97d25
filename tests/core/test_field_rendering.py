"""Fields drawn in Python (iuc_portal.core.fields) carry exactly the markup crispy-forms'
Bootstrap 5 pack and Django's widget templates gave them: labels, help text, errors,
aria attributes and values, whatever the state of the form."""

import re

import pytest
from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field
from django import forms
from django.forms.renderers import get_default_renderer
from django.utils import translation

from applications import forms as section_forms
from iuc_portal.core.fields import PORTAL_RENDERER, render_field
from iuc_portal.core.widgets import CountrySelect, country_choices
from tests.applications.helpers import ready_draft
from tests.factories import CallFactory, UserFactory

pytestmark = pytest.mark.django_db


def same_markup(html: str) -> str:
    """Markup with each run of whitespace as one space (how a browser reads it)."""
    return re.sub(r"\s+", " ", str(html)).strip()


class EveryWidget(forms.Form):
    text = forms.CharField(label="Name <b>", help_text="Help & <i>more</i>", max_length=5)
    number = forms.IntegerField(required=False, min_value=1)
    email = forms.EmailField(required=False)
    area = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    choice = forms.ChoiceField(choices=[("", "—"), ("a", "A & a"), ("b", "B")])
    grouped = forms.ChoiceField(
        choices=[("Group", [("x", "X"), ("y", "Y")]), ("z", "Z")], required=False
    )
    radio = forms.TypedChoiceField(
        choices=[(1, "One"), (2, "Two")], coerce=int, widget=forms.RadioSelect,
        help_text="Pick one.",
    )
    many = forms.MultipleChoiceField(
        choices=[("Group", [("p", "P")]), ("q", "Q")], widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    agree = forms.BooleanField(label="I agree", help_text="Say yes.")
    maybe = forms.BooleanField(required=False)
    secret = forms.CharField(widget=forms.HiddenInput, required=False)
    upload = forms.FileField(required=False)


INVALID = {"text": "far too long", "number": "x<", "email": "no", "choice": "c",
           "grouped": "w", "radio": "3", "many": ["r"], "area": "a <b> & c"}  # fmt: skip
VALID = {"text": "ok", "number": "3", "choice": "a", "grouped": "y", "radio": "2",
         "many": ["p", "q"], "agree": "on", "maybe": "on", "secret": "s"}  # fmt: skip


def states(form_class, renderer, **kwargs):
    unbound = form_class(renderer=renderer, **kwargs)
    yield unbound
    for data in ({}, INVALID, VALID):
        form = form_class(data, renderer=renderer, **kwargs)
        form.is_valid()
        yield form


def assert_drawn_as_crispy(make_forms):
    """Fresh forms for each side: crispy changes a widget's classes as it draws it."""
    checked = 0
    for by_crispy, by_us in zip(make_forms(get_default_renderer()), make_forms(PORTAL_RENDERER),
                                strict=True):
        for expected, field in zip(by_crispy, by_us, strict=True):
            assert same_markup(render_field(field)) == same_markup(as_crispy_field(expected)), (
                field.name
            )
            checked += 1
    assert checked


def test_every_kind_of_field_is_drawn_as_crispy_draws_it():
    assert_drawn_as_crispy(lambda renderer: states(EveryWidget, renderer))


def test_error_css_classes_of_a_form_are_kept():
    class Styled(EveryWidget):
        required_css_class = "is-required"
        error_css_class = "has-error"

    assert_drawn_as_crispy(lambda renderer: states(Styled, renderer))


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_application_sections_are_drawn_as_crispy_draws_them(language):
    official = UserFactory()
    draft = ready_draft(call=CallFactory(partner_countries=["JP"]), owner=official)

    def sections(renderer):
        for form_class in section_forms.SECTIONS:
            yield form_class(application=draft, renderer=renderer)
            for data in ({}, INVALID, {"country": "ZZ", "is_group": "2", "population": "0",
                                       "contact_email": "x", "theme_1": "nope",
                                       "languages": ["qq"], "partners_wanted": "9"}):
                form = form_class(data, application=draft, renderer=renderer)
                form.is_valid()
                yield form
        members = section_forms.member_formset(
            {"members-TOTAL_FORMS": "3", "members-INITIAL_FORMS": "0", "members-0-name": "A",
             "members-1-population": "5", "members-2-name": "C", "members-2-DELETE": "on"}
        )
        members.is_valid()
        for form in [*members.forms, members.empty_form]:
            form.renderer = renderer
            yield form

    with translation.override(language):
        assert_drawn_as_crispy(sections)


def test_the_widgets_drawn_in_python_match_django_templates():
    for by_django, by_us in zip(states(EveryWidget, get_default_renderer()),
                                states(EveryWidget, PORTAL_RENDERER), strict=True):
        for expected, field in zip(by_django, by_us, strict=True):
            assert str(field) == str(expected), field.name


def test_the_country_list_marks_only_the_chosen_country():
    """Reused from a cache, yet the same as Django draws it: one option selected."""
    class Country(forms.Form):
        country = forms.ChoiceField(choices=country_choices(), widget=CountrySelect)

    class PlainCountry(forms.Form):
        country = forms.ChoiceField(choices=country_choices())

    for value in (None, "", "NL", "JP"):
        ours = str(Country(initial={"country": value})["country"])
        django = str(PlainCountry(initial={"country": value})["country"])
        assert ours.replace("countryselect", "select") == django
        assert ours.count(" selected") == 1


@pytest.mark.parametrize(
    "data",
    [None, {"members-TOTAL_FORMS": "1", "members-INITIAL_FORMS": "0"},
     {"members-TOTAL_FORMS": "x"}],
)
def test_a_formsets_management_form_is_drawn_as_django_draws_it(data):
    members = section_forms.member_formset(data)
    ours = str(members.management_form)
    members.management_form.renderer = get_default_renderer()
    assert ours == str(members.management_form)
