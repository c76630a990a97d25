from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import Call, Region, Theme


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "sdg", "position", "is_active"]
    list_editable = ["position", "is_active"]
    list_filter = ["is_active", "sdg"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "is_eu"]
    search_fields = ["name", "slug"]


@admin.register(Call)
class CallAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "opens_at", "deadline", "time_zone", "min_population"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["themes"]
    fieldsets = [
        (None, {"fields": ["name", "slug", "description"]}),
        (_("Dates"), {"fields": ["opens_at", "closes_at", "time_zone"]}),
        (_("Eligibility"), {"fields": ["min_population", "partner_countries", "themes"]}),
        (_("Local Action Plan"), {"fields": ["milestone_template"]}),
    ]

    @admin.display(description=_("deadline (local)"), ordering="closes_at")
    def deadline(self, call):
        return call.last_minute.strftime("%Y-%m-%d %H:%M %Z")
