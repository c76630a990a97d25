"""Forms parse and validate input only; the services hold the rules."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from applications.models import ApplicationStatus, Side
from applications.sections import SECTION_CHOICES


class ScoreForm(forms.Form):
    """One score (0 to the criterion's maximum) and a comment per criterion."""

    def __init__(self, *args, criteria, scores=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        scores = scores or {}
        for criterion in criteria:
            existing = scores.get(criterion.pk)
            self.fields[f"score_{criterion.pk}"] = forms.TypedChoiceField(
                label=criterion.name,
                help_text=criterion.description,
                choices=[(str(v), str(v)) for v in range(criterion.scale_max + 1)],
                coerce=int,
                empty_value=None,
                required=False,
                widget=forms.RadioSelect(attrs={"class": "form-check-inline"}),
                initial=str(existing.value) if existing else None,
            )
            self.fields[f"comment_{criterion.pk}"] = forms.CharField(
                label=_("Comment on “%(criterion)s”") % {"criterion": criterion.name},
                required=False,
                max_length=3000,
                widget=forms.Textarea(attrs={"rows": 2}),
                initial=existing.comment if existing else "",
            )

    def rows(self):
        return [
            (criterion, self[f"score_{criterion.pk}"], self[f"comment_{criterion.pk}"])
            for criterion in self.criteria
        ]

    def scores(self) -> dict:
        return {
            c.pk: (self.cleaned_data[f"score_{c.pk}"], self.cleaned_data[f"comment_{c.pk}"])
            for c in self.criteria
        }


class ConflictForm(forms.Form):
    reason = forms.CharField(
        label=_("What is the conflict of interest?"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For example: you worked for this city, or a relative works there."),
    )


class ClarificationForm(forms.Form):
    question = forms.CharField(
        label=_("Question for the applicant"),
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    section = forms.ChoiceField(
        label=_("Reopen one section"),
        choices=[("", _("No, only a question"))] + SECTION_CHOICES,
        required=False,
    )
    until = forms.DateTimeField(
        label=_("Reopened until"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        help_text=_("Also after the call's deadline; the rest of the application stays locked."),
    )
    reason = forms.CharField(
        label=_("Why is it reopened?"), max_length=500, required=False,
        help_text=_("Kept for audit with your name and the end date."),
    )  # fmt: skip

    def clean(self):
        data = super().clean()
        if data.get("section") and not data.get("until"):
            self.add_error("until", _("Give the end of the reopening."))
        if data.get("until") and timezone.is_naive(data["until"]):
            data["until"] = timezone.make_aware(data["until"])
        return data


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("accept", _("Accept")), ("reject", _("Reject"))])
    reason = forms.CharField(label=_("Reason (sent to the city)"), max_length=2000, required=False)


class AssignForm(forms.Form):
    assessor = forms.ModelChoiceField(label=_("Assessor"), queryset=None)

    def __init__(self, *args, assessors, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assessor"].queryset = assessors
        self.fields["assessor"].widget.attrs["class"] = "form-select"


class RankFilterForm(forms.Form):
    side = forms.ChoiceField(
        label=_("Side"), choices=[("", _("Both sides"))] + Side.choices, required=False
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("Any status"))]
        + [c for c in ApplicationStatus.choices if c[0] != ApplicationStatus.DRAFT],
        required=False,
    )
    flag = forms.ChoiceField(
        label=_("Show"),
        choices=[
            ("", _("All applications")),
            ("disagreement", _("Assessors disagree")),
            ("incomplete", _("Assessments still open")),
            ("unassigned", _("No assessor yet")),
        ],
        required=False,
    )
    q = forms.CharField(label=_("City"), max_length=100, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.widget.attrs["class"] = "form-control" if name == "q" else "form-select"
