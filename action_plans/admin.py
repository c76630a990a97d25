"""The programme staff's overview of every pairing's Local Action Plans, in the admin.

Read-only: the cities keep their plans up to date in the portal, through
`action_plans.services`; staff follow progress here, filter, export to CSV and read
the history. Every figure of the list is computed in the list's own query (one
subquery per figure), so the page costs the same few queries for 3 plans or 300.
"""

import csv
from datetime import date

from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.db.models import (
    Avg,
    Count,
    Exists,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from applications.importing import FORMULA_PREFIXES
from iuc_portal.core.admin_filters import RegionFilter, YesNoFilter

from .models import (
    FundingStatus,
    LocalActionPlan,
    Milestone,
    MilestoneStatus,
    Mou,
    PilotProject,
)

# --- Figures, computed in the database ---------------------------------------------


def overdue_milestones(today: date) -> QuerySet[Milestone]:
    """The open milestones past due of the plan in the outer query."""
    return Milestone.objects.filter(plan=OuterRef("pk"), due_date__lt=today).exclude(
        status=MilestoneStatus.DONE
    )


def _per_plan(queryset: QuerySet, aggregate, output_field):
    """One figure per plan, as a subquery: no join, so figures never multiply each other."""
    return Subquery(
        queryset.order_by().values("plan").annotate(value=aggregate).values("value")[:1],
        output_field=output_field,
    )


def with_overview_figures(queryset: QuerySet[LocalActionPlan], today: date):
    milestones = Milestone.objects.filter(plan=OuterRef("pk"))
    pilots = PilotProject.objects.filter(plan=OuterRef("pk"))
    return queryset.annotate(
        progress_value=Coalesce(
            _per_plan(milestones, Avg("progress"), FloatField()), Value(0.0)
        ),
        overdue_count=Coalesce(
            _per_plan(overdue_milestones(today), Count("pk"), IntegerField()), Value(0)
        ),
        milestone_count=Coalesce(_per_plan(milestones, Count("pk"), IntegerField()), Value(0)),
        pilot_count=Coalesce(_per_plan(pilots, Count("pk"), IntegerField()), Value(0)),
    )


def funding_breakdown(pilots) -> str:
    """'1 secured, 1 applied': where the pilot projects' funding stands."""
    counts = {}
    for pilot in pilots:
        counts[pilot.funding_status] = counts.get(pilot.funding_status, 0) + 1
    return ", ".join(
        f"{counts[status]} {str(label).lower()}"
        for status, label in FundingStatus.choices
        if counts.get(status)
    )


def funding_summary(pilots) -> str:
    """'2 (1 secured, 1 applied)': how many pilot projects, and where their funding is."""
    pilots = list(pilots)
    if not pilots:
        return "0"
    return f"{len(pilots)} ({funding_breakdown(pilots)})"


def _cell(value) -> str:
    """A value made safe to open in a spreadsheet: no formula runs from a city's text."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


# --- Filters -----------------------------------------------------------------------


class HasOverdueFilter(YesNoFilter):
    title = _("overdue milestones")
    parameter_name = "overdue"
    yes_label = _("Has overdue milestones")
    no_label = _("Nothing overdue")

    def condition(self):
        return Q(Exists(overdue_milestones(timezone.localdate())))


class PilotFundingFilter(admin.SimpleListFilter):
    title = _("funding of pilot projects")
    parameter_name = "funding"

    def lookups(self, request, model_admin):
        return [*FundingStatus.choices, ("none", _("No pilot project"))]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "none":
            return queryset.filter(~Exists(PilotProject.objects.filter(plan=OuterRef("pk"))))
        if value in FundingStatus.values:
            return queryset.filter(
                Exists(PilotProject.objects.filter(plan=OuterRef("pk"), funding_status=value))
            )
        return queryset


class CityRegionFilter(RegionFilter):
    title = _("region of the city")
    country_field = "application__country"


# --- Inlines (read-only) -----------------------------------------------------------


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class MilestoneInline(ReadOnlyInline):
    model = Milestone
    fields = ["month", "title", "due_date", "status", "progress", "overdue", "completed_on",
              "note", "updated_at"]
    readonly_fields = fields

    @admin.display(description=_("overdue"), boolean=True)
    def overdue(self, milestone):
        return milestone.is_overdue()


class PilotProjectInline(ReadOnlyInline):
    model = PilotProject
    fields = ["title", "budget_eur", "funding_source", "funding_status", "created_at"]
    readonly_fields = fields


class MouInline(ReadOnlyInline):
    model = Mou
    fields = ["title", "signed_on", "parties"]
    readonly_fields = fields


# --- The staff overview ------------------------------------------------------------


class ReadOnlyAdmin(SimpleHistoryAdmin):
    """Staff look; the cities write, through the services."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(LocalActionPlan)
class LocalActionPlanAdmin(ReadOnlyAdmin):
    change_list_template = "admin/action_plans/localactionplan/change_list.html"
    list_display = [
        "pairing_display",
        "application",
        "call",
        "pairing_status",
        "progress",
        "overdue",
        "updated_at",
        "pilots",
    ]
    list_display_links = ["application"]
    list_select_related = [
        "application",
        "pairing__call",
        "pairing__eu_application",
        "pairing__partner_application",
    ]
    list_filter = [
        "pairing__call",
        "pairing__status",
        HasOverdueFilter,
        PilotFundingFilter,
        CityRegionFilter,
        "application__side",
    ]
    search_fields = [
        "application__city_name",
        "pairing__eu_application__city_name",
        "pairing__partner_application__city_name",
    ]
    search_help_text = _("A city of the pairing")
    list_per_page = 50
    ordering = ["pairing__call__name", "pairing_id", "application__side"]
    actions = ["export_csv"]
    inlines = [MilestoneInline, PilotProjectInline, MouInline]
    fieldsets = [
        (None, {"fields": ["pairing_display", "application", "call", "pairing_status",
                           "start_date", "portal_page"]}),
        (_("Progress"), {"fields": ["progress", "overdue", "pilots", "updated_at",
                                    "updated_by"]}),
        (_("The plan"), {"fields": ["context", "objectives", "stakeholder_group", "actions"]}),
    ]
    readonly_fields = [
        "pairing_display", "application", "call", "pairing_status", "start_date", "portal_page",
        "progress", "overdue", "pilots", "updated_at", "updated_by",
        "context", "objectives", "stakeholder_group", "actions",
    ]

    def get_queryset(self, request):
        queryset = super().get_queryset(request).select_related(*self.list_select_related)
        return with_overview_figures(queryset, timezone.localdate()).prefetch_related(
            "pilot_projects"
        )

    # Columns

    @admin.display(description=_("pairing"), ordering="pairing_id")
    def pairing_display(self, plan):
        try:
            url = reverse("admin:pairings_pairing_change", args=[plan.pairing_id])
        except NoReverseMatch:
            return str(plan.pairing)
        return format_html('<a href="{}">{}</a>', url, plan.pairing)

    @admin.display(description=_("call"), ordering="pairing__call__name")
    def call(self, plan):
        return plan.pairing.call

    @admin.display(description=_("pairing status"), ordering="pairing__status")
    def pairing_status(self, plan):
        return plan.pairing.get_status_display()

    @admin.display(description=_("progress"), ordering="progress_value")
    def progress(self, plan):
        return f"{round(float(plan.progress_value))} %"

    @admin.display(description=_("overdue milestones"), ordering="overdue_count")
    def overdue(self, plan):
        return plan.overdue_count

    @admin.display(description=_("pilot projects (funding)"), ordering="pilot_count")
    def pilots(self, plan):
        return funding_summary(plan.pilot_projects.all())

    @admin.display(description=_("page in the portal"))
    def portal_page(self, plan):
        try:
            url = reverse("action_plans:detail", args=[plan.pk])
        except NoReverseMatch:
            return "—"
        return format_html('<a href="{}">{}</a>', url, gettext("Open the plan"))

    # CSV export: of the selected plans (action) or of the filtered list (link)

    def get_urls(self):
        return [
            path(
                "export-csv/",
                self.admin_site.admin_view(self.export_csv_view),
                name="action_plans_localactionplan_export_csv",
            ),
        ] + super().get_urls()

    @admin.action(description=_("Export selected to CSV"), permissions=["view"])
    def export_csv(self, request, queryset):
        return self.csv_response(queryset)

    def export_csv_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            self.message_user(request, gettext("Those filters are not valid."), messages.ERROR)
            return HttpResponseRedirect(reverse("admin:action_plans_localactionplan_changelist"))
        return self.csv_response(changelist.get_queryset(request))

    CSV_COLUMNS = [
        _("call"), _("EU city"), _("partner city"), _("city"), _("progress (%)"),
        _("overdue milestones"), _("last update"), _("pilot projects"), _("funding"),
    ]

    def csv_response(self, queryset) -> HttpResponse:
        # The filtered list may come without the figures (an action's queryset has them).
        if "progress_value" not in queryset.query.annotations:
            queryset = with_overview_figures(queryset, timezone.localdate())
        queryset = queryset.select_related(*self.list_select_related).prefetch_related(
            "pilot_projects"
        )
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        stamp = timezone.localtime().strftime("%Y-%m-%d")
        response["Content-Disposition"] = f'attachment; filename="plans-{stamp}.csv"'
        response.write("\ufeff")  # a BOM, so spreadsheets read the file as UTF-8
        writer = csv.writer(response)
        writer.writerow([str(column) for column in self.CSV_COLUMNS])
        for plan in queryset:
            pilots = list(plan.pilot_projects.all())
            writer.writerow(
                [
                    _cell(plan.pairing.call.name),
                    _cell(plan.pairing.eu_application),
                    _cell(plan.pairing.partner_application),
                    _cell(plan.application),
                    round(float(plan.progress_value)),
                    plan.overdue_count,
                    timezone.localdate(plan.updated_at).isoformat(),
                    len(pilots),
                    _cell(funding_breakdown(pilots)),
                ]
            )
        return response


# --- Milestones and pilot projects, minimally ----------------------------------------


class OverdueMilestoneFilter(YesNoFilter):
    title = _("overdue")
    parameter_name = "overdue"
    yes_label = _("Overdue")
    no_label = _("Not overdue")

    def condition(self):
        return Q(due_date__lt=timezone.localdate()) & ~Q(status=MilestoneStatus.DONE)


@admin.register(Milestone)
class MilestoneAdmin(ReadOnlyAdmin):
    list_display = ["title", "city", "call", "due_date", "status", "progress", "overdue"]
    list_select_related = ["plan__application", "plan__pairing__call"]
    list_filter = ["status", OverdueMilestoneFilter, "plan__pairing__call"]
    search_fields = ["title", "plan__application__city_name"]
    ordering = ["due_date", "id"]

    @admin.display(description=_("city"), ordering="plan__application__city_name")
    def city(self, milestone):
        return milestone.plan.application

    @admin.display(description=_("call"), ordering="plan__pairing__call__name")
    def call(self, milestone):
        return milestone.plan.pairing.call

    @admin.display(description=_("overdue"), boolean=True)
    def overdue(self, milestone):
        return milestone.is_overdue()


@admin.register(PilotProject)
class PilotProjectAdmin(ReadOnlyAdmin):
    list_display = ["title", "city", "call", "funding_status", "funding_source", "budget_eur"]
    list_select_related = ["plan__application", "plan__pairing__call"]
    list_filter = ["funding_status", "plan__pairing__call"]
    search_fields = ["title", "plan__application__city_name", "funding_source"]

    @admin.display(description=_("city"), ordering="plan__application__city_name")
    def city(self, pilot):
        return pilot.plan.application

    @admin.display(description=_("call"), ordering="plan__pairing__call__name")
    def call(self, pilot):
        return pilot.plan.pairing.call
