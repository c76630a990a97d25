"""The lead edits each call's criteria and settings here; assessing happens at /assess/."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationTabularInline
from simple_history.admin import SimpleHistoryAdmin

from .models import AssessmentScheme, AssessorProfile, Criterion


class CriterionInline(TranslationTabularInline):
    model = Criterion
    extra = 3
    fields = ["position", "name", "description", "weight", "scale_max"]


@admin.register(AssessmentScheme)
class AssessmentSchemeAdmin(SimpleHistoryAdmin):
    list_display = ["call", "assessors_per_application", "disagreement_threshold", "criteria_count"]
    inlines = [CriterionInline]
    autocomplete_fields = []

    @admin.display(description=_("criteria"))
    def criteria_count(self, scheme):
        return scheme.criteria.count()


@admin.register(AssessorProfile)
class AssessorProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "regions", "languages"]
    search_fields = ["user__email"]
    raw_id_fields = ["user"]
