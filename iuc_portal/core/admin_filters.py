"""List filters the staff admin uses in several apps."""

from django.contrib import admin
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from iuc_portal.geography import REGION_COUNTRIES, REGION_NAMES


class YesNoFilter(admin.SimpleListFilter):
    """A two-way filter: `yes` keeps the rows matching `condition()`, `no` the others.

    Subclasses set title, parameter_name, yes_label, no_label and `condition()`; a
    `no_condition()` may say "no" more precisely than "not yes" (e.g. to leave out
    rows the question does not apply to).
    """

    yes_label = _("Yes")
    no_label = _("No")

    def condition(self) -> Q:
        raise NotImplementedError

    def no_condition(self) -> Q:
        return ~self.condition()

    def lookups(self, request, model_admin):
        return [("yes", self.yes_label), ("no", self.no_label)]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(self.condition())
        if self.value() == "no":
            return queryset.filter(self.no_condition())
        return queryset


class RegionFilter(admin.SimpleListFilter):
    """Rows whose country (at `country_field`) lies in the chosen programme region."""

    title = _("region")
    parameter_name = "region"
    country_field = "country"

    def lookups(self, request, model_admin):
        return list(REGION_NAMES.items())

    def queryset(self, request, queryset):
        codes = REGION_COUNTRIES.get(self.value() or "")
        if codes:
            return queryset.filter(**{f"{self.country_field}__in": sorted(codes)})
        return queryset
