"""The programme staff's side: calls and reference data, and reviewing applications.

The admin is an interface only. Every decision about an application (accept,
reject, extend, import) is an admin action or page that calls the service in
`applications.services` or `applications.importing`; the admin never sets a
status, a decision or an extension itself, and those fields are read-only here.
"""

from collections import defaultdict

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth import get_permission_codename
from django.core.exceptions import PermissionDenied
from django.db.models import F, Prefetch, Q
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils import formats, timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy
from django_countries import countries
from import_export.admin import ExportMixin
from import_export.formats import base_formats
from modeltranslation.admin import TranslationAdmin
from simple_history.admin import SimpleHistoryAdmin

from iuc_portal.core.admin_filters import RegionFilter, YesNoFilter
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


class ThemeFilter(admin.SimpleListFilter):
    title = _("theme")
    parameter_name = "theme"

    def lookups(self, request, model_admin):
        return [(slug, name) for slug, name in Theme.objects.values_list("slug", "name")]

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
        "theme_slugs",
        "submitted_at",
        "is_late",
        "has_extension",
        "is_eligible",
    ]
    list_display_links = ["city_name"]
    list_select_related = ["call"]
    list_filter = [
        "call",
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
        return (
            super()
            .get_queryset(request)
            .select_related("call")
            .prefetch_related(
                Prefetch(
                    "theme_choices",
                    queryset=ApplicationTheme.objects.select_related("theme").order_by("priority"),
                ),
                "municipalities",
            )
        )

    def get_export_queryset(self, request):
        # The changelist's filters and search, without its prefetches: the export
        # resource prefetches what its columns need.
        return super().get_export_queryset(request).prefetch_related(None)

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
        return application.country.name

    @admin.display(description=_("population"), ordering="population")
    @admin.display(description=_("GeoNames coordinates"))
    def geonames_coordinates(self, application):
        found = known_coordinates(application.city_name, application.country.code)
        if found is None:
            return _("GeoNames does not know this city: enter its coordinates.")
        return f"{found[0]:.4f}, {found[1]:.4f}"

    def population_total(self, application):
        if application.is_group:
            members = application.municipalities.all()
            total = sum(member.population for member in members)
            return _("%(total)s (group of %(count)s)") % {
                "total": formats.number_format(total, force_grouping=True),
                "count": len(members),
            }
        if application.population is None:
            return "—"
        return formats.number_format(application.population, force_grouping=True)

    @admin.display(description=_("themes"))
    def theme_slugs(self, application):
        return ", ".join(choice.theme.slug for choice in application.theme_choices.all())

    @admin.display(description=_("late"), boolean=True)
    def is_late(self, application):
        if not application.submitted_at:
            return None
        return application.submitted_late

    @admin.display(description=_("extension"), boolean=True)
    def has_extension(self, application):
        return application.extension_until is not None

    @admin.display(description=_("eligible"), boolean=True, ordering="has_eligibility_problems")
    def is_eligible(self, application):
        return not application.has_eligibility_problems

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
