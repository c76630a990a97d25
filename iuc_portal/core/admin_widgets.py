"""Admin widgets that screen readers can name (Django's leave some inputs unlabelled)."""

from django import forms
from django.contrib.admin.widgets import AdminSplitDateTime
from django.db import models
from django.utils.translation import gettext_lazy as _


class LabelledSplitDateTime(AdminSplitDateTime):
    """Django's date and time inputs, each with its own accessible name."""

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.widgets[0].attrs["aria-label"] = _("Date")
        self.widgets[1].attrs["aria-label"] = _("Time")


# For ModelAdmin.formfield_overrides: labelled date-times, and plain checkboxes instead
# of Django's two-box selector, whose search icons misuse ARIA.
ACCESSIBLE_FORMFIELD_OVERRIDES = {
    models.DateTimeField: {"widget": LabelledSplitDateTime},
    models.ManyToManyField: {"widget": forms.CheckboxSelectMultiple},
}
