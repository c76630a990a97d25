"""The application form, one form per section. Forms only parse and validate input;
saving goes through `services.update_draft`, which holds the rules."""

from django import forms
from django.core.validators import MaxValueValidator
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from iuc_portal.core.fields import PORTAL_RENDERER
from iuc_portal.core.widgets import CountrySelect, country_choices
from iuc_portal.geography import EU, EU_MEMBER_STATES, REGION_NAMES

from .models import PARTNERS_WANTED_CHOICES, Application
from .selectors import themes_offered
from .services import FIRST_POPULATION_YEAR, latest_population_year
from .uploads import validate_pdf_upload

# Working languages offered: the programme's usual ones, by ISO 639-1 code.
WORKING_LANGUAGES = [
    ("en", _("English")), ("es", _("Spanish")), ("pt", _("Portuguese")), ("fr", _("French")),
    ("de", _("German")), ("it", _("Italian")), ("nl", _("Dutch")), ("pl", _("Polish")),
    ("el", _("Greek")), ("sv", _("Swedish")), ("zh", _("Chinese")), ("ja", _("Japanese")),
    ("ko", _("Korean")), ("hi", _("Hindi")),
]  # fmt: skip

MAX_MEMBERS = 30


class SectionForm(forms.Form):
    """A section of the application: knows how to read its initial values and what
    to hand to the service."""

    title = ""
    slug = ""
    default_renderer = PORTAL_RENDERER

    def __init__(self, *args, application: Application | None = None, call=None, **kwargs):
        self.application = application
        self.call = call or (application.call if application else None)
        if application is not None and "initial" not in kwargs:
            kwargs["initial"] = self.initial_from(application)
        super().__init__(*args, **kwargs)

    def initial_from(self, application: Application) -> dict:
        return {name: getattr(application, name) for name in self.base_fields}

    def service_kwargs(self) -> dict:
        return {"changes": dict(self.cleaned_data)}


class CityForm(SectionForm):
    title = _("City")
    slug = "city"

    country = forms.ChoiceField(label=_("Country"), choices=[], widget=CountrySelect)
    city_name = forms.CharField(
        label=_("City, or name of the group of municipalities"), max_length=150
    )
    is_group = forms.TypedChoiceField(
        label=_("Who applies?"),
        choices=[("0", _("A single city")), ("1", _("A group of municipalities"))],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
        initial="0",
    )
    population = forms.IntegerField(
        label=_("Population"),
        required=False,
        min_value=1,
        max_value=100_000_000,
        help_text=_("Inhabitants of the city (for a group, give each member below)."),
    )
    population_source = forms.CharField(
        label=_("Source of the figure"),
        max_length=200,
        required=False,
        help_text=_("For example the national statistics office."),
    )
    population_year = forms.IntegerField(
        label=_("Year of the figure"), required=False, min_value=FIRST_POPULATION_YEAR
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = country_choices()
        # This year is the latest a figure can be from. A validator of its own for this
        # form instance: the class's field (and its validators) stay untouched.
        year = self.fields["population_year"]
        year.max_value = latest_population_year()
        year.validators = [
            *(v for v in year.validators if not isinstance(v, MaxValueValidator)),
            MaxValueValidator(year.max_value),
        ]
        year.widget.attrs["max"] = year.max_value

    def initial_from(self, application):
        initial = super().initial_from(application)
        initial["country"] = application.country.code if application.country else ""
        initial["is_group"] = "1" if application.is_group else "0"
        return initial

    def clean(self):
        data = super().clean()
        if (
            data.get("is_group") is False
            and not data.get("population")
            and "population" not in self.errors  # an invalid figure is already explained
        ):
            self.add_error("population", _("Give the population of the city."))
        return data


class MemberForm(forms.Form):
    default_renderer = PORTAL_RENDERER

    name = forms.CharField(label=_("Municipality"), max_length=150, required=False)
    population = forms.IntegerField(
        label=_("Population"), min_value=1, max_value=100_000_000, required=False
    )

    def __init__(self, *args, number=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.number = number
        if number is not None:
            # Distinct labels, so a screen reader tells the rows apart.
            self.fields["name"].label = _("Municipality %(n)s") % {"n": number}
            self.fields["population"].label = _("Population of municipality %(n)s") % {
                "n": number
            }

    def clean(self):
        data = super().clean()
        if data.get("name") and not data.get("population"):
            self.add_error("population", _("Give this municipality's population."))
        if data.get("population") and not data.get("name"):
            self.add_error("name", _("Give the municipality's name."))
        return data


class BaseMemberFormSet(forms.BaseFormSet):
    def get_form_kwargs(self, index):
        # The empty row that JavaScript copies says "__number__" where its number goes.
        return {"number": "__number__" if index is None else index + 1}

    def add_fields(self, form, index):
        super().add_fields(form, index)
        form.fields["DELETE"].label = _("Remove municipality %(n)s") % {"n": form.number}

    def members(self) -> list[tuple[str, int]]:
        return [
            (form.cleaned_data["name"], form.cleaned_data["population"])
            for form in self.forms
            if form.cleaned_data.get("name") and not form.cleaned_data.get("DELETE")
        ]


def member_formset(data=None, *, application=None, rows=None, blank=None, add_row=False):
    """The member municipalities of a group: any number up to MAX_MEMBERS.

    `rows` (the values an official typed, when they asked for another row without
    saving) replaces the stored members and gives an unbound formset, so nothing is
    flagged as an error before the official saves; `blank` is how many empty rows they
    had on the page, kept so that each "add another" adds one more.
    """
    if rows is None:
        members = list(application.municipalities.all()) if application and application.pk else []
        rows = [{"name": m.name, "population": m.population} for m in members]
    rows = rows[:MAX_MEMBERS]
    extra = max(3 - len(rows), 0) if blank is None else blank
    extra = min(extra + (1 if add_row else 0), MAX_MEMBERS - len(rows))
    formset_class = forms.formset_factory(
        MemberForm,
        formset=BaseMemberFormSet,
        extra=extra,
        can_delete=True,
        max_num=MAX_MEMBERS,
        validate_max=True,
        absolute_max=MAX_MEMBERS,
        renderer=PORTAL_RENDERER,
    )
    formset = formset_class(data, initial=rows, prefix="members")
    return formset


def member_rows_from(data) -> tuple[list[dict], int]:
    """The rows an official typed so far, read without validating them, and how many
    rows they left empty (rows ticked for removal are neither)."""
    try:
        total = min(int(data.get("members-TOTAL_FORMS", 0)), MAX_MEMBERS)
    except (TypeError, ValueError):
        total = 0
    rows, blank = [], 0
    for index in range(max(total, 0)):
        name = (data.get(f"members-{index}-name") or "").strip()[:150]
        population = (data.get(f"members-{index}-population") or "").strip()[:12]
        if data.get(f"members-{index}-DELETE"):
            continue
        if not (name or population):
            blank += 1
            continue
        rows.append({"name": name, "population": population})
    return rows, blank


class ContactForm(SectionForm):
    title = _("Contact")
    slug = "contact"

    contact_name = forms.CharField(label=_("Contact person"), max_length=150)
    contact_role = forms.CharField(label=_("Role"), max_length=150, required=False)
    contact_email = forms.EmailField(label=_("E-mail"))
    contact_phone = forms.RegexField(
        label=_("Phone"),
        max_length=40,
        required=False,
        regex=r"^\+?[0-9 ()./-]{5,40}$",
        error_messages={"invalid": _("Use digits, spaces and + ( ) - only.")},
    )
    signing_authority = forms.CharField(
        label=_("Authority signing the commitment"),
        max_length=200,
        help_text=_("For example: the Mayor of the city."),
    )


class ThemesForm(SectionForm):
    title = _("Themes and challenges")
    slug = "themes"

    challenges = forms.CharField(
        label=_("The city's challenges"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
        required=False,
    )
    motivation = forms.CharField(
        label=_("Motivation"), widget=forms.Textarea(attrs={"rows": 4}), max_length=5000
    )
    experience = forms.CharField(
        label=_("Relevant experience"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "—")] + [(t.slug, str(t)) for t in themes_offered(self.call)]
        theme_fields = {}
        for priority in range(1, 6):
            theme_fields[f"theme_{priority}"] = forms.ChoiceField(
                label=_("Theme, priority %(n)s") % {"n": priority},
                choices=choices,
                required=priority == 1,
                help_text=_("The most important theme for your city.") if priority == 1 else "",
            )
        # Themes come first on the page, in priority order.
        self.fields = {**theme_fields, **self.fields}
        if self.application is not None and not self.is_bound:
            chosen = [c.theme.slug for c in self.application.theme_choices.all()]
            for priority, slug in enumerate(chosen, start=1):
                self.initial[f"theme_{priority}"] = slug

    def initial_from(self, application):
        return {
            name: getattr(application, name) for name in ("challenges", "motivation", "experience")
        }

    def clean(self):
        data = super().clean()
        slugs = [data.get(f"theme_{p}") for p in range(1, 6) if data.get(f"theme_{p}")]
        if len(slugs) != len(set(slugs)):
            raise forms.ValidationError(_("Choose each theme only once."))
        data["theme_slugs"] = slugs
        return data

    def service_kwargs(self):
        data = self.cleaned_data
        return {
            "changes": {k: data[k] for k in ("challenges", "motivation", "experience")},
            "theme_slugs": data["theme_slugs"],
        }


class PreferencesForm(SectionForm):
    title = _("Partner preferences")
    slug = "preferences"

    preferred_regions = forms.MultipleChoiceField(
        label=_("Preferred partner regions"), required=False, widget=forms.CheckboxSelectMultiple
    )
    preferred_countries = forms.MultipleChoiceField(
        label=_("Preferred partner countries"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    languages = forms.MultipleChoiceField(
        label=_("Working languages"),
        required=False,
        choices=WORKING_LANGUAGES,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Languages your team can work in with a partner city."),
    )
    partners_wanted = forms.TypedChoiceField(
        label=_("Partners wanted"),
        choices=PARTNERS_WANTED_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
        initial=1,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        side = self.application.side if self.application else EU
        if side == EU:
            # EU cities choose among the partner regions and the call's partner countries.
            self.fields["preferred_regions"].choices = [
                (slug, name) for slug, name in REGION_NAMES.items() if slug != EU
            ]
            self.fields["preferred_countries"].choices = sorted(
                ((code, countries.name(code)) for code in self.call.partner_country_codes),
                key=lambda item: str(item[1]),
            )
        else:
            self.fields["preferred_regions"].choices = [(EU, REGION_NAMES[EU])]
            self.fields["preferred_countries"].choices = sorted(
                ((code, countries.name(code)) for code in EU_MEMBER_STATES),
                key=lambda item: str(item[1]),
            )

    def initial_from(self, application):
        return {
            "preferred_regions": [r.slug for r in application.preferred_regions.all()],
            "preferred_countries": [c.code for c in application.preferred_countries],
            "languages": application.languages,
            "partners_wanted": application.partners_wanted,
        }

    def service_kwargs(self):
        data = self.cleaned_data
        return {
            "changes": {
                "preferred_countries": data["preferred_countries"],
                "languages": data["languages"],
                "partners_wanted": data["partners_wanted"],
            },
            "region_slugs": data["preferred_regions"],
        }


class CommitmentForm(SectionForm):
    title = _("Commitment and documents")
    slug = "commitment"

    commits_to_18_months = forms.BooleanField(
        label=_(
            "Our city commits to at least 18 months of intensive cooperation with its partner "
            "city and to producing a Local Action Plan."
        ),
        required=False,
    )
    commitment_letter = forms.FileField(
        label=_("Signed letter of commitment (PDF, at most 10 MB)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf"}),
    )

    def initial_from(self, application):
        return {"commits_to_18_months": application.commits_to_18_months}

    def clean_commitment_letter(self):
        letter = self.cleaned_data.get("commitment_letter")
        if letter:
            validate_pdf_upload(letter)
        return letter

    def service_kwargs(self):
        return {
            "changes": {"commits_to_18_months": self.cleaned_data["commits_to_18_months"]},
            "letter": self.cleaned_data.get("commitment_letter") or None,
        }


SECTIONS = [CityForm, ContactForm, ThemesForm, PreferencesForm, CommitmentForm]
SECTION_BY_SLUG = {form.slug: form for form in SECTIONS}


def next_section(slug: str) -> str | None:
    slugs = [form.slug for form in SECTIONS]
    position = slugs.index(slug)
    return slugs[position + 1] if position + 1 < len(slugs) else None


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (optional)"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("Your answer"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )
