from django import forms
from django.utils.translation import gettext_lazy as _

from .models import FundingStatus, MilestoneStatus


class MilestoneForm(forms.Form):
    """Validates a milestone update (prefix "m<pk>"). The plan page writes its fields out
    (templates/action_plans/_milestone_list.html): one per milestone through widgets
    cost more than the rest of the page."""

    status = forms.ChoiceField(label=_("Status"), choices=MilestoneStatus.choices)
    progress = forms.IntegerField(label=_("Progress (%)"), min_value=0, max_value=100)
    note = forms.CharField(label=_("Note"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2}))


class NewMilestoneForm(forms.Form):
    title = forms.CharField(label=_("Milestone"), max_length=200)
    due_date = forms.DateField(label=_("Due date"), widget=forms.DateInput(attrs={"type": "date"}))


class EditMilestoneForm(forms.Form):
    title = forms.CharField(label=_("Milestone"), max_length=200)
    due_date = forms.DateField(label=_("Due date"), widget=forms.DateInput(attrs={"type": "date"}))


class EvidenceForm(forms.Form):
    title = forms.CharField(label=_("What does this document show?"), max_length=200)
    file = forms.FileField(label=_("Document (PDF, at most 10 MB)"),
                           widget=forms.ClearableFileInput(attrs={"accept": "application/pdf"}))


class SectionsForm(forms.Form):
    context = forms.CharField(label=_("Context and challenges"), required=False,
                              max_length=10000, widget=forms.Textarea(attrs={"rows": 4}))
    objectives = forms.CharField(label=_("Objectives"), required=False, max_length=10000,
                                 widget=forms.Textarea(attrs={"rows": 4}))
    stakeholder_group = forms.CharField(label=_("Local stakeholder group"), required=False,
                                        max_length=10000,
                                        widget=forms.Textarea(attrs={"rows": 3}))
    actions = forms.CharField(label=_("Actions"), required=False, max_length=10000,
                              widget=forms.Textarea(attrs={"rows": 4}))


class PilotProjectForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(label=_("Description"), required=False, max_length=5000,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    budget_eur = forms.DecimalField(label=_("Budget (EUR)"), required=False, min_value=0,
                                    max_digits=14, decimal_places=2)
    funding_source = forms.CharField(label=_("Funding source"), required=False, max_length=200,
                                     help_text=_("For example an international financial "
                                                 "institution."))
    funding_status = forms.ChoiceField(label=_("Funding status"), choices=FundingStatus.choices)


class MouForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    signed_on = forms.DateField(label=_("Signed on"),
                                widget=forms.DateInput(attrs={"type": "date"}))
    parties = forms.CharField(label=_("Signed by"), required=False, max_length=300)
