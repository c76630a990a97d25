"""`{{ field|as_field }}`: a form field as crispy-forms' Bootstrap 5 pack draws it, drawn
in Python (see iuc_portal.core.fields)."""

from django import template

from iuc_portal.core.fields import render_field

register = template.Library()


@register.filter
def as_field(field):
    return render_field(field)
