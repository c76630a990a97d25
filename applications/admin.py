"""The programme staff's side: calls and reference data, and reviewing applications.

The admin is an interface only. Every decision about an application (accept,
reject, extend, import) is an admin action or page that calls the service in
`applications.services` or `applications.importing`; the admin never sets a
status, a decision or an extension itself, and those fields are read-only here.
"""

import hashlib
import pickle
from collections import defaultdict
from datetime import datetime
from functools import lru_cache

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import quote
from django.contrib.admin.views.main import ChangeList
from django.contrib.auth import get_permission_codename
from django.core.exceptions import PermissionDenied
from django.core.paginator import InvalidPage
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import connection
from django.db.models import Count, F, Max, Min, Q, QuerySet, Sum
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.templatetags.static import static
from django.urls import NoReverseMatch, path, reverse
from django.utils import formats, timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import get_language, gettext, ngettext_lazy
from django.utils.translation import gettext_lazy as _
from django_countries import countries
from import_export.admin import ExportMixin
from import_export.formats import base_formats
from modeltranslation.admin import TranslationAdmin
from modeltranslation.utils import build_localized_fieldname
from simple_history.admin import SimpleHistoryAdmin

from iuc_portal.core.admin_filters import RegionFilter, YesNoFilter
from iuc_portal.core.admin_list_cache import CachedChangeList, ListContentCache, cached_page
from iuc_portal.core.admin_widgets import ACCESSIBLE_FORMFIELD_OVERRIDES

from . import services
from .admin_forms import ExtensionForm, ImportCSVForm, RejectForm
from .geonames import known_coordinates
from .models import (
    Application,
    ApplicationTheme,
    Call,
    Clarification,
    Municipality,
    Region,
    StatusChange,
    Theme,
)

try:
    from .resources import ApplicationResource
except ModuleNotFoundError as error:  # written in parallel; until then, the default resource
    if error.name != "applications.resources":
        raise
    ApplicationResource = None

# How many names an action's message or confirmation page lists before "and N more".
NAMES_SHOWN = 20


@admin.register(Theme)
class ThemeAdmin(TranslationAdmin):
    list_display = ["name", "slug", "sdg", "position", "is_active"]
    list_editable = ["position", "is_active"]
    list_filter = ["is_active", "sdg"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Region)
class RegionAdmin(TranslationAdmin):
    list_display = ["name", "slug", "is_eu"]
    search_fields = ["name", "slug"]


@admin.register(Call)
class CallAdmin(TranslationAdmin):
    list_display = ["name", "slug", "opens_at", "deadline", "time_zone", "min_population"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    formfield_overrides = ACCESSIBLE_FORMFIELD_OVERRIDES
    fieldsets = [
        (None, {"fields": ["name", "slug", "description"]}),
        (_("Dates"), {"fields": ["opens_at", "closes_at", "time_zone"]}),
        (_("Eligibility"), {"fields": ["min_population", "partner_countries", "themes"]}),
        (_("Local Action Plan"), {"fields": ["milestone_template"]}),
    ]

    @admin.display(description=_("deadline (local)"), ordering="closes_at")
    def deadline(self, call):
        return call.last_minute.strftime("%Y-%m-%d %H:%M %Z")


# --- Applications: list filters ------------------------------------------------------


class CountryPresentFilter(admin.SimpleListFilter):
    """Only the countries some application comes from, by name."""

    title = _("country")
    parameter_name = "country"

    def lookups(self, request, model_admin):
        codes = Application.objects.order_by().values_list("country", flat=True).distinct()
        return sorted(
            ((code, countries.name(code) or code) for code in codes if code),
            key=lambda item: str(item[1]),
        )

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(country=self.value())
        return queryset


def _themes(request) -> list[Theme]:
    """Every theme, with its name in the active language: read once per request (the
    theme filter and the themes column both need them)."""
    read = request.__dict__.setdefault("_application_admin_themes", {})
    language = get_language()
    if language not in read:
        read[language] = list(Theme.objects.only("pk", "slug", "name"))
    return read[language]


class CallFilter(admin.RelatedFieldListFilter):
    """The calls by name, read as (id, name) pairs rather than whole calls with every
    translation of their description and milestone template."""

    def field_choices(self, field, request, model_admin):
        ordering = self.field_admin_ordering(field, request, model_admin)
        calls = Call._default_manager.all()
        if ordering:
            calls = calls.order_by(*ordering)
        return list(calls.values_list("pk", "name"))  # str(call) is its name


class ThemeFilter(admin.SimpleListFilter):
    title = _("theme")
    parameter_name = "theme"

    def lookups(self, request, model_admin):
        return [(theme.slug, theme.name) for theme in _themes(request)]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(themes__slug=self.value())
        return queryset


class SubmittedLateFilter(YesNoFilter):
    title = _("submitted late")
    parameter_name = "late"
    yes_label = _("Late")
    no_label = _("On time")

    def condition(self):
        return Q(submitted_at__gte=F("call__closes_at"))

    def no_condition(self):
        return Q(submitted_at__lt=F("call__closes_at"))  # drafts are neither


class ExtensionFilter(YesNoFilter):
    title = _("individual extension")
    parameter_name = "extension"
    yes_label = _("Has an extension")
    no_label = _("No extension")

    def condition(self):
        return Q(extension_until__isnull=False)


class ReadOnlyInline(admin.TabularInline):
    """Part of the application record: whoever may see the application sees it."""

    extra = 0
    can_delete = False
    show_change_link = False

    def has_view_permission(self, request, obj=None):
        opts = Application._meta
        return any(
            request.user.has_perm(f"{opts.app_label}.{get_permission_codename(action, opts)}")
            for action in ("view", "change")
        )

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class MunicipalityInline(ReadOnlyInline):
    """Members of a group; the city changes them in its draft (eligibility follows)."""

    model = Municipality
    fields = ["name", "population"]
    readonly_fields = fields


class ThemeChoiceInline(ReadOnlyInline):
    model = ApplicationTheme
    fields = ["priority", "theme"]
    readonly_fields = fields
    verbose_name = _("theme chosen")
    verbose_name_plural = _("themes chosen, in priority order")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("theme").order_by("priority")


class StatusChangeInline(ReadOnlyInline):
    model = StatusChange
    fields = ["at", "from_status", "to_status", "by", "note"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("by")


class ClarificationInline(ReadOnlyInline):
    """Questions asked after submission and sections reopened: who, why, until when."""

    model = Clarification
    fields = ["asked_at", "asked_by", "question", "section", "reopen_until", "reopen_reason",
              "state", "answered_at", "answer"]  # fmt: skip
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("asked_by")


# --- Applications --------------------------------------------------------------------


def _boolean_icon(value: bool | None) -> str:
    """The admin's own yes/no/unknown icon, as a `boolean=True` column shows it; built
    once per process and static URL rather than once per cell."""
    key = (settings.STATIC_URL, value)
    if key not in _BOOLEAN_ICONS:
        name = {True: "yes", False: "no", None: "unknown"}[value]
        _BOOLEAN_ICONS[key] = format_html(
            '<img src="{}" alt="{}">', static(f"admin/img/icon-{name}.svg"), value
        )
    return _BOOLEAN_ICONS[key]


_BOOLEAN_ICONS: dict = {}


class PeriodsQuerySet(QuerySet):
    """A queryset whose `datetimes(field, "year" | "month")` (what the date hierarchy asks
    for) counts rows per period in one query, instead of truncating each row's date to
    its period in the current time zone, which SQLite does in Python, row by row.

    An aggregate asked twice of the same queryset is read once: the date hierarchy asks
    for the first and last date, and so does `datetimes`."""

    def aggregate(self, *args, **kwargs):
        key = _aggregate_key(args, kwargs)
        read = self.__dict__.setdefault("_aggregates_read", {})
        if key not in read:
            read[key] = super().aggregate(*args, **kwargs)
        return dict(read[key])

    def count_and_span(self, field_name) -> int:
        """The number of rows, in the query that also reads the first and last
        `field_name` the date hierarchy will ask for."""
        read = super().aggregate(rows=Count("pk"), first=Min(field_name), last=Max(field_name))
        span = {"first": Min(field_name), "last": Max(field_name)}
        self.__dict__.setdefault("_aggregates_read", {})[_aggregate_key((), span)] = {
            "first": read["first"],
            "last": read["last"],
        }
        return read["rows"]

    def datetimes(self, field_name, kind, order="ASC", tzinfo=None):
        if kind not in ("year", "month") or order != "ASC" or tzinfo or not settings.USE_TZ:
            return super().datetimes(field_name, kind, order, tzinfo)
        span = self.aggregate(first=Min(field_name), last=Max(field_name))
        if span["first"] is None:
            return []
        zone = timezone.get_current_timezone()
        first, last = (timezone.localtime(span[end], zone) for end in ("first", "last"))
        starts = [_period_start(first, kind)]
        while starts[-1] < _period_start(last, kind):
            starts.append(_next_period(starts[-1], kind))
        # The first and the last period have a row; ask only about those in between.
        bounds = [
            timezone.make_aware(start, zone) for start in [*starts, _next_period(starts[-1], kind)]
        ]
        between = range(1, len(starts) - 1)
        counts = (
            self.aggregate(
                **{
                    f"p{i}": Count(
                        "pk",
                        filter=Q(
                            **{f"{field_name}__gte": bounds[i], f"{field_name}__lt": bounds[i + 1]}
                        ),
                    )
                    for i in between
                }
            )
            if between
            else {}
        )
        return [
            bounds[i] for i in range(len(starts)) if i in (0, len(starts) - 1) or counts[f"p{i}"]
        ]


def _aggregate_key(args, kwargs):
    return tuple(map(repr, args)), tuple((k, repr(v)) for k, v in sorted(kwargs.items()))


def _period_start(moment, kind):
    """The naive local start of the year or month `moment` (local) lies in."""
    return datetime(moment.year, 1 if kind == "year" else moment.month, 1)


def _next_period(start, kind):
    if kind == "year" or start.month == 12:
        return datetime(start.year + 1, 1, 1)
    return datetime(start.year, start.month + 1, 1)


class ApplicationChangeList(ChangeList):
    """The applications list with less work per page: the page shows 50 of 1,000 and
    more applications, and every column is computed for each of its rows."""

    # What the list's columns (and each row's checkbox label) read of a row: the call's
    # name in every language, as the name falls back to English.
    row_fields = [
        "id", "call", "status", "side", "city_name", "country", "is_group", "population",
        "submitted_at", "extension_until", "has_eligibility_problems", "call__closes_at",
        "call__name",
        *(f"call__{build_localized_fieldname('name', code)}" for code, _name in settings.LANGUAGES),
    ]  # fmt: skip

    def get_queryset(self, request, exclude_parameters=None):
        queryset = super().get_queryset(request, exclude_parameters)
        if type(queryset) is QuerySet:  # the list's date hierarchy counts per period
            queryset.__class__ = PeriodsQuerySet
        return queryset

    def get_results(self, request):
        """Django's, except: the count without filters is the count when no filter or
        search applies (not counted twice), the page reads only what its columns show,
        and the themes and group members of the page's rows are read in two queries."""
        paginator = self.model_admin.get_paginator(
            request, self.queryset.only(*self.row_fields), self.list_per_page
        )
        if self.date_hierarchy and isinstance(self.queryset, PeriodsQuerySet):
            paginator.count = self.queryset.count_and_span(self.date_hierarchy)
        result_count = paginator.count
        if not self.model_admin.show_full_result_count:
            full_result_count = None
        elif self.queryset.query.where or self.root_queryset.query.where:
            full_result_count = self.root_queryset.count()
        else:
            full_result_count = result_count
        can_show_all = result_count <= self.list_max_show_all
        multi_page = result_count > self.list_per_page
        if (self.show_all and can_show_all) or not multi_page:
            result_list = paginator.object_list._clone()
        else:
            try:
                result_list = paginator.page(self.page_num).object_list
            except InvalidPage:
                raise IncorrectLookupParameters from None
        self.result_count = result_count
        self.show_full_result_count = self.model_admin.show_full_result_count
        self.show_admin_actions = not self.show_full_result_count or bool(full_result_count)
        self.full_result_count = full_result_count
        self.result_list = result_list
        self.can_show_all = can_show_all
        self.multi_page = multi_page
        self.paginator = paginator
        _read_row_details(request, list(result_list))

    def url_for_result(self, result):
        pk = getattr(result, self.pk_attname)
        if not isinstance(pk, int):
            return super().url_for_result(result)
        if not hasattr(self, "_change_url"):
            self._change_url = reverse(
                f"admin:{self.opts.app_label}_{self.opts.model_name}_change",
                args=("0",),
                current_app=self.model_admin.admin_site.name,
            ).rsplit("/0/", 1)
        return f"{self._change_url[0]}/{quote(pk)}/{self._change_url[1]}"


def _read_row_details(request, rows: list[Application]) -> None:
    """Give each row, for the list's columns, its country's name and its theme names
    (in the reader's language; the themes by priority) and, for a group, its members'
    total population and number."""
    if not rows:
        return
    names = {theme.pk: str(theme) for theme in _themes(request)}
    themes = defaultdict(list)
    chosen = (
        ApplicationTheme.objects.filter(application__in=[row.pk for row in rows])
        .order_by("application_id", "priority")
        .values_list("application_id", "theme_id")
    )
    for application_id, theme_id in chosen:
        if theme_id not in names:  # a theme added since the themes were read
            names[theme_id] = str(Theme.objects.get(pk=theme_id))
        themes[application_id].append(names[theme_id])
    groups = [row.pk for row in rows if row.is_group]
    members = {}
    if groups:
        members = {
            application_id: (total or 0, count)
            for application_id, total, count in Municipality.objects.filter(application__in=groups)
            .order_by()
            .values("application_id")
            .annotate(total=Sum("population"), count=Count("pk"))
            .values_list("application_id", "total", "count")
        }
    country_names = {}
    for row in rows:
        code = row.country.code
        if code not in country_names:
            country_names[code] = row.country.name
        row.admin_country_name = country_names[code]
        row.admin_theme_names = themes[row.pk]
        if row.is_group:
            row.admin_members = members.get(row.pk, (0, 0))


# --- The list's cache stamp ----------------------------------------------------------


@lru_cache(maxsize=1)
def _list_stamp_sql() -> str:
    """One query, every value as text: how many applications, theme choices and group
    members there are and the latest of each (ids never come back), the latest
    recorded change of an application (every save and delete through the ORM leaves a
    history row; bulk imports change the count or `updated_at`), and every column of
    every call and theme (few rows; a renamed call or theme must show at once)."""
    quote = connection.ops.quote_name
    table = {model: quote(model._meta.db_table) for model in (Application, ApplicationTheme,
             Municipality, Call, Theme)}  # fmt: skip
    history = quote(Application.history.model._meta.db_table)
    aggregates = [
        ("MAX", quote("history_id"), history),
        ("COUNT", "*", table[Application]),
        ("MAX", quote("updated_at"), table[Application]),
        ("COUNT", "*", table[ApplicationTheme]),
        ("MAX", quote("id"), table[ApplicationTheme]),
        ("COUNT", "*", table[Municipality]),
        ("MAX", quote("id"), table[Municipality]),
        ("SUM", quote("population"), table[Municipality]),
    ]
    subqueries = [f"(SELECT {f}({c}) FROM {t})" for f, c, t in aggregates]  # noqa: S608
    rows = [("'stamp'", subqueries, None)]
    rows += [
        (f"'{model._meta.model_name}'",
         [quote(field.column) for field in model._meta.concrete_fields], table[model])
        for model in (Call, Theme)
    ]  # fmt: skip
    width = max(len(columns) for _tag, columns, _table in rows)
    selects = []
    for tag, columns, source in rows:
        cells = [tag, *(f"CAST({column} AS TEXT)" for column in columns)]
        cells += ["NULL"] * (width - len(columns))
        # Names come from the models, never from a request.
        selects.append(f"SELECT {', '.join(cells)}{f' FROM {source}' if source else ''}")  # noqa: S608
    return " UNION ALL ".join(selects) + " ORDER BY 1, 2"


def list_stamp() -> str:
    """A version of everything the application list shows (its rows, filters, counts
    and date hierarchy): it changes with every change a staff member or a city can
    make, through the services, the admin, an import or the shell."""
    with connection.cursor() as cursor:
        cursor.execute(_list_stamp_sql())
        rows = cursor.fetchall()
    return hashlib.sha1(pickle.dumps(rows, protocol=5)).hexdigest()[:16]  # noqa: S324


@admin.register(Application)
class ApplicationAdmin(ExportMixin, SimpleHistoryAdmin):
    resource_classes = [ApplicationResource] if ApplicationResource else []
    export_formats = [base_formats.CSV, base_formats.XLSX]
    import_export_change_list_template = "admin/applications/application/change_list.html"

    list_display = [
        "city_name",
        "country_name",
        "side",
        "call",
        "status",
        "population_total",
        "theme_names",
        "submitted_at",
        "is_late",
        "has_extension",
        "is_eligible",
    ]
    list_display_links = ["city_name"]
    list_select_related = ["call"]
    list_filter = [
        ("call", CallFilter),
        "side",
        CountryPresentFilter,
        RegionFilter,
        ThemeFilter,
        "status",
        "has_eligibility_problems",
        SubmittedLateFilter,
        ExtensionFilter,
    ]
    search_fields = ["city_name", "contact_name", "contact_email", "owner__email"]
    search_help_text = _("City or group, contact person, contact e-mail or the official's e-mail")
    list_per_page = 50
    date_hierarchy = "submitted_at"
    ordering = [F("submitted_at").desc(nulls_last=True), "city_name"]  # drafts last
    actions = ["accept_for_matching", "reject", "grant_extension"]
    inlines = [MunicipalityInline, ThemeChoiceInline, StatusChangeInline, ClarificationInline]

    fieldsets = [
        (
            None,
            {"fields": ["call", "owner", "status", "side", "city_name", "country"]},
        ),
        (
            _("Population"),
            {
                "fields": [
                    "is_group",
                    "population",
                    "population_total",
                    "population_source",
                    "population_year",
                ]
            },
        ),
        (
            _("Place on the map"),
            {"fields": ["geonames_coordinates", "latitude", "longitude"]},
        ),
        (
            _("Contact"),
            {
                "fields": [
                    "contact_name",
                    "contact_role",
                    "contact_email",
                    "contact_phone",
                    "signing_authority",
                ]
            },
        ),
        (_("Challenges and motivation"), {"fields": ["challenges", "motivation", "experience"]}),
        (
            _("Partner preferences"),
            {
                "fields": [
                    "preferred_regions",
                    "preferred_countries",
                    "languages",
                    "partners_wanted",
                ]
            },
        ),
        (_("Commitment and documents"), {"fields": ["commits_to_18_months", "documents"]}),
        (
            _("Submission and decision"),
            {
                "fields": [
                    "submitted_at",
                    "deadline_local",
                    "is_late",
                    "late_override",
                    "has_eligibility_problems",
                    "eligibility_report",
                    "decision_reason",
                    "extension_until",
                    "extension_reason",
                    "extension_granted_by",
                    "created_at",
                    "updated_at",
                ]
            },
        ),
    ]
    # What decides eligibility (country, population, group) is the city's, through its
    # draft; status, decision, extension and submission change only through actions.
    readonly_fields = [
        "geonames_coordinates",
        "call",
        "owner",
        "status",
        "side",
        "country",
        "is_group",
        "population",
        "population_total",
        "commits_to_18_months",
        "documents",
        "submitted_at",
        "deadline_local",
        "is_late",
        "late_override",
        "has_eligibility_problems",
        "eligibility_report",
        "decision_reason",
        "extension_until",
        "extension_reason",
        "extension_granted_by",
        "created_at",
        "updated_at",
    ]

    # --- queries ---------------------------------------------------------------

    def get_queryset(self, request):
        # The list reads its rows' themes and group members itself (ApplicationChangeList).
        return super().get_queryset(request).select_related("call")

    def get_changelist(self, request, **kwargs):
        return ApplicationChangeList

    def get_changelist_instance(self, request):
        page = cached_page(request)
        if page is not None:  # the content comes from the cache: no list to build
            return CachedChangeList(self, request, page.entry)
        return super().get_changelist_instance(request)

    def action_checkbox(self, obj):
        # Django's markup, written out: Django renders a checkbox widget through the
        # template engine for every row.
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            helpers.ACTION_CHECKBOX_NAME,
            str(obj.pk),
            format_html(gettext("Select this object for an action - {}"), str(obj)),
        )

    # --- permissions -----------------------------------------------------------

    def has_add_permission(self, request):
        # Applications start with a city official (or an import), never in the admin.
        return False

    def has_export_permission(self, request):
        return self.has_view_permission(request)

    def revert_disabled(self, request, obj=None):
        # Reverting to a historical version would rewrite status and decisions.
        return True

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "population_year" and field is not None:
            # The range the city's form and the service keep (FIRST_POPULATION_YEAR to this
            # year), on this admin field only: the model field is shared by every form.
            first, latest = services.FIRST_POPULATION_YEAR, services.latest_population_year()
            field.min_value, field.max_value = first, latest
            field.validators = [
                *(v for v in field.validators
                  if not isinstance(v, MinValueValidator | MaxValueValidator)),
                MinValueValidator(first),
                MaxValueValidator(latest),
            ]
            field.widget.attrs.update(min=first, max=latest)
        return field

    def save_model(self, request, obj, form, change):
        """Save only what the form changed, so a concurrent transition is never undone."""
        obj._history_user = request.user
        concrete = {field.name for field in obj._meta.concrete_fields}
        fields = [name for name in form.changed_data if name in concrete]
        if change and fields:
            obj.save(update_fields=[*fields, "updated_at"])
        elif not change:
            obj.save()

    # --- columns and read-only fields ------------------------------------------

    @admin.display(description=_("country"), ordering="country")
    def country_name(self, application):
        # A method, not the field: the admin would rebuild the ~250 country choices for
        # every row (display_for_field) to find one name.
        if hasattr(application, "admin_country_name"):  # the list page's, by country
            return application.admin_country_name
        return application.country.name

    @admin.display(description=_("GeoNames coordinates"))
    def geonames_coordinates(self, application):
        found = known_coordinates(application.city_name, application.country.code)
        if found is None:
            return _("GeoNames does not know this city: enter its coordinates.")
        return f"{found[0]:.4f}, {found[1]:.4f}"

    @admin.display(description=_("population"), ordering="population")
    def population_total(self, application):
        if application.is_group:
            total, count = getattr(application, "admin_members", None) or (
                sum(member.population for member in application.municipalities.all()),
                application.municipalities.count(),
            )
            return _("%(total)s (group of %(count)s)") % {
                "total": formats.number_format(total, force_grouping=True),
                "count": count,
            }
        if application.population is None:
            return "—"
        return formats.number_format(application.population, force_grouping=True)

    @admin.display(description=_("themes"))
    def theme_names(self, application):
        """The chosen themes by priority, named in the reader's language (a semicolon
        between them: some theme names have a comma)."""
        names = getattr(application, "admin_theme_names", None)
        if names is None:
            choices = application.theme_choices.select_related("theme").order_by("priority")
            names = [str(choice.theme) for choice in choices]
        return "; ".join(names)

    # The three yes/no columns show the admin's icons (as `boolean=True` would), built
    # once rather than once per cell.

    @admin.display(description=_("late"))
    def is_late(self, application):
        if not application.submitted_at:
            return _boolean_icon(None)
        return _boolean_icon(application.submitted_late)

    @admin.display(description=_("extension"))
    def has_extension(self, application):
        return _boolean_icon(application.extension_until is not None)

    @admin.display(description=_("eligible"), ordering="has_eligibility_problems")
    def is_eligible(self, application):
        return _boolean_icon(not application.has_eligibility_problems)

    @admin.display(description=_("deadline for this application"))
    def deadline_local(self, application):
        local = application.deadline.astimezone(application.call.tz)
        return _("%(when)s, %(tz)s (first late instant)") % {
            "when": local.strftime("%Y-%m-%d %H:%M"),
            "tz": application.call.time_zone,
        }

    @admin.display(description=_("eligibility check"))
    def eligibility_report(self, application):
        problems = services.eligibility_problems(application)
        if not problems:
            return _("No problem found.")
        return format_html(
            "<ul>{}</ul>",
            format_html_join("", "<li>{}</li>", ((problem.message,) for problem in problems)),
        )

    @admin.display(description=_("documents"))
    def documents(self, application):
        documents = [
            ("applications:pdf", application.pdf, _("Application (PDF)"),
             _("The PDF has not been prepared yet.")),
            ("applications:letter", application.commitment_letter,
             _("Signed letter of commitment (PDF)"), _("No letter uploaded.")),
        ]  # fmt: skip
        items = []
        for url_name, file, label, missing in documents:
            if not file:
                items.append(format_html("<li>{}</li>", missing))
                continue
            try:
                url = reverse(url_name, args=[application.pk])
            except NoReverseMatch:
                items.append(
                    format_html("<li>{} ({})</li>", label, _("download not available yet"))
                )
            else:
                items.append(format_html('<li><a href="{}">{}</a></li>', url, label))
        return format_html("<ul>{}</ul>", format_html_join("", "{}", ((i,) for i in items)))

    # --- actions ---------------------------------------------------------------

    @admin.action(description=_("Accept for matching"), permissions=["change"])
    def accept_for_matching(self, request, queryset):
        self._apply(
            request,
            queryset,
            lambda application: services.accept_application(
                application=application, by=request.user
            ),
            done=ngettext_lazy(
                "%(count)d application accepted for matching: %(names)s.",
                "%(count)d applications accepted for matching: %(names)s.",
                "count",
            ),
            refused=ngettext_lazy(
                "%(count)d application not accepted (%(reason)s): %(names)s.",
                "%(count)d applications not accepted (%(reason)s): %(names)s.",
                "count",
            ),
        )

    @admin.action(description=_("Reject…"), permissions=["change"])
    def reject(self, request, queryset):
        form = RejectForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            reason = form.cleaned_data["reason"]
            self._apply(
                request,
                queryset,
                lambda application: services.reject_application(
                    application=application, by=request.user, reason=reason
                ),
                done=ngettext_lazy(
                    "%(count)d application rejected; the city is told by e-mail: %(names)s.",
                    "%(count)d applications rejected; each city is told by e-mail: %(names)s.",
                    "count",
                ),
                refused=ngettext_lazy(
                    "%(count)d application not rejected (%(reason)s): %(names)s.",
                    "%(count)d applications not rejected (%(reason)s): %(names)s.",
                    "count",
                ),
            )
            return None
        return self._action_page(
            request,
            queryset,
            action="reject",
            form=form,
            title=_("Reject applications"),
            intro=_(
                "The selected applications will be rejected and each city receives the "
                "reason below by e-mail. Only submitted or accepted applications can be "
                "rejected; the others are left as they are and listed afterwards."
            ),
            submit=_("Reject and inform the cities"),
        )

    @admin.action(description=_("Grant an extension…"), permissions=["change"])
    def grant_extension(self, request, queryset):
        time_zones = sorted(
            set(queryset.order_by().values_list("call__time_zone", flat=True).distinct())
        )
        if len(time_zones) > 1:
            self.message_user(
                request,
                _(
                    "The selected applications belong to calls in different time zones "
                    "(%(zones)s). Grant extensions to one call's applications at a time."
                )
                % {"zones": ", ".join(time_zones)},
                messages.ERROR,
            )
            return None
        time_zone = time_zones[0] if time_zones else "UTC"
        form = ExtensionForm(request.POST if "apply" in request.POST else None, time_zone=time_zone)
        if form.is_valid():
            until, reason = form.cleaned_data["until"], form.cleaned_data["reason"]
            self._apply(
                request,
                queryset,
                lambda application: services.grant_extension(
                    application=application, by=request.user, until=until, reason=reason
                ),
                done=ngettext_lazy(
                    "%(count)d application may now be submitted until %(until)s: %(names)s.",
                    "%(count)d applications may now be submitted until %(until)s: %(names)s.",
                    "count",
                ),
                refused=ngettext_lazy(
                    "%(count)d application not extended (%(reason)s): %(names)s.",
                    "%(count)d applications not extended (%(reason)s): %(names)s.",
                    "count",
                ),
                extra={
                    "until": _("%(when)s %(tz)s (first late instant)")
                    % {
                        "when": until.astimezone(form.time_zone).strftime("%Y-%m-%d %H:%M"),
                        "tz": time_zone,
                    }
                },
            )
            return None
        now_there = timezone.now().astimezone(form.time_zone)
        return self._action_page(
            request,
            queryset,
            action="grant_extension",
            form=form,
            title=_("Grant an individual extension"),
            intro=_(
                "A draft may be completed and submitted until the new deadline. The date "
                "and time are read in %(tz)s, the call's time zone (it is now %(now)s "
                "there). Only drafts can be given more time."
            )
            % {"tz": time_zone, "now": now_there.strftime("%Y-%m-%d %H:%M")},
            submit=_("Grant the extension"),
            show_deadlines=True,
        )

    def _apply(self, request, queryset, change, *, done, refused, extra=None):
        """Run one service per application; report what was done and what was refused."""
        succeeded, refusals = [], defaultdict(list)
        for application in queryset.select_related("call").order_by("city_name", "pk"):
            try:
                change(application)
            except services.ApplicationError as error:
                refusals[error.message].append(str(application))
            else:
                succeeded.append(str(application))
        if succeeded:
            self.message_user(
                request,
                done % {"count": len(succeeded), "names": _names(succeeded), **(extra or {})},
                messages.SUCCESS,
            )
        for reason, names in refusals.items():
            self.message_user(
                request,
                refused % {"count": len(names), "reason": reason, "names": _names(names)},
                messages.WARNING,
            )

    def _action_page(self, request, queryset, *, action, form, title, intro, submit,
                     show_deadlines=False):  # fmt: skip
        opts = self.model._meta
        count = queryset.count()
        shown = list(queryset.select_related("call").order_by("city_name", "pk")[:NAMES_SHOWN])
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "intro": intro,
            "submit_label": submit,
            "opts": opts,
            "form": form,
            "action": action,
            "applications": [
                {
                    "application": application,
                    "deadline": application.deadline.astimezone(application.call.tz).strftime(
                        "%Y-%m-%d %H:%M"
                    ),
                }
                for application in shown
            ],
            "more": count - len(shown),
            "count": count,
            "show_deadlines": show_deadlines,
            "selected": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
            "select_across": request.POST.get("select_across", "0"),
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "media": self.media + form.media,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/applications/application/action_form.html", context)

    # --- CSV import page -------------------------------------------------------

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "import-csv/",
                self.admin_site.admin_view(self.import_csv_view),
                name="{}_{}_import_csv".format(*info),
            ),
            *super().get_urls(),
        ]

    def has_import_permission(self, request):
        return self.has_change_permission(request)

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "has_csv_import_permission": self.has_import_permission(request),
        }
        if self.has_view_or_change_permission(request):  # else Django refuses the page
            extra_context["list_content_cache"] = ListContentCache.for_request(
                request, self, list_stamp()
            )
        return super().changelist_view(request, extra_context)

    def import_csv_view(self, request):
        if not self.has_import_permission(request):
            raise PermissionDenied
        report = None
        unavailable = False
        form = ImportCSVForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                from .importing import import_applications_csv
            except ModuleNotFoundError as error:
                if error.name != "applications.importing":
                    raise
                unavailable = True
            else:
                data = form.cleaned_data
                try:
                    report = import_applications_csv(
                        data["text"],
                        call=data["call"],
                        accept=data["accept"],
                        dry_run=data["dry_run"],
                        allow_late=data["allow_late"],
                        by=request.user,
                    )
                except services.ApplicationError as error:
                    form.add_error(None, error.message)
                else:
                    if report.ok and not report.dry_run:
                        self.message_user(
                            request,
                            _(
                                "Imported %(rows)s rows into %(call)s: %(created)s new "
                                "applications, %(updated)s updated."
                            )
                            % {
                                "rows": report.rows,
                                "call": data["call"],
                                "created": report.created,
                                "updated": report.updated,
                            },
                            messages.SUCCESS,
                        )
                        changelist = reverse(
                            f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist",
                            current_app=self.admin_site.name,
                        )
                        call_id = data["call"].pk
                        return HttpResponseRedirect(f"{changelist}?call__id__exact={call_id}")
        context = {
            **self.admin_site.each_context(request),
            "title": _("Import applications from CSV"),
            "opts": self.opts,
            "form": form,
            "report": report,
            "unavailable": unavailable,
            "media": self.media + form.media,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/applications/application/import_csv.html", context)


def _names(names: list[str]) -> str:
    shown = ", ".join(names[:NAMES_SHOWN])
    if len(names) > NAMES_SHOWN:
        return _("%(names)s and %(more)s more") % {
            "names": shown,
            "more": len(names) - NAMES_SHOWN,
        }
    return shown
