"""CSV export of applications, in the import's format (DESIGN.md "Applications import").

An exported file can be imported again with ``manage.py import_applications``. This
resource exports only: imports go through ``applications.importing``, which gives
the all-or-nothing rules and the web form's checks that django-import-export's own
import does not.
"""

from django.db.models import Prefetch
from import_export import fields, resources

from .importing import COLUMNS, FORMULA_PREFIXES
from .models import Application, ApplicationTheme


def _list(values) -> str:
    return "|".join(str(value) for value in values)


def _text(value: str) -> str:
    """Text a city typed in the web form, made safe to open in a spreadsheet.

    The importer refuses cells starting with = + - @ (formula injection); a value from
    the web form that starts with one is exported behind an apostrophe, as
    spreadsheets do, so it is never run.
    """
    value = value or ""
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


class ApplicationResource(resources.ModelResource):
    side = fields.Field(column_name="side")
    city = fields.Field(column_name="city")
    country = fields.Field(column_name="country")
    population = fields.Field(column_name="population")
    municipalities = fields.Field(column_name="municipalities")
    themes = fields.Field(column_name="themes")
    preferred_regions = fields.Field(column_name="preferred_regions")
    preferred_countries = fields.Field(column_name="preferred_countries")
    languages = fields.Field(column_name="languages")
    capacity = fields.Field(column_name="capacity")
    contact_name = fields.Field(column_name="contact_name")
    contact_email = fields.Field(column_name="contact_email")
    motivation = fields.Field(column_name="motivation")
    submitted_at = fields.Field(column_name="submitted_at")

    class Meta:
        model = Application
        fields = COLUMNS
        export_order = COLUMNS

    def filter_export(self, queryset, **kwargs):
        # Everything a row shows, in a fixed number of queries whatever the count.
        return queryset.select_related("call").prefetch_related(
            Prefetch("theme_choices", queryset=ApplicationTheme.objects.select_related("theme")),
            "municipalities",
            "preferred_regions",
        )

    def import_data(self, *args, **kwargs):
        raise NotImplementedError(
            "Import applications with applications.importing.import_applications_csv."
        )

    def dehydrate_side(self, application):
        return application.side

    def dehydrate_city(self, application):
        return _text(application.city_name)

    def dehydrate_country(self, application):
        return application.country.code

    def dehydrate_population(self, application):
        members = list(application.municipalities.all())
        if application.is_group and members:
            return sum(member.population for member in members)  # the total that counts
        return application.population if application.population is not None else ""

    def dehydrate_municipalities(self, application):
        if not application.is_group:
            return ""
        members = sorted(application.municipalities.all(), key=lambda m: (m.position, m.pk))
        return _list(f"{_text(member.name)}={member.population}" for member in members)

    def dehydrate_themes(self, application):
        choices = sorted(application.theme_choices.all(), key=lambda choice: choice.priority)
        return _list(choice.theme.slug for choice in choices)

    def dehydrate_preferred_regions(self, application):
        return _list(sorted(region.slug for region in application.preferred_regions.all()))

    def dehydrate_preferred_countries(self, application):
        return _list(country.code for country in application.preferred_countries)

    def dehydrate_languages(self, application):
        return _list(application.languages or [])

    def dehydrate_capacity(self, application):
        return application.partners_wanted

    def dehydrate_contact_name(self, application):
        return _text(application.contact_name)

    def dehydrate_contact_email(self, application):
        return _text(application.contact_email)

    def dehydrate_motivation(self, application):
        return _text(application.motivation)

    def dehydrate_submitted_at(self, application):
        if not application.submitted_at:
            return ""
        # ISO 8601 with the offset, in the call's time zone (as people read the deadline).
        return application.submitted_at.astimezone(application.call.tz).isoformat()
