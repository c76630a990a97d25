from django import forms
from django.utils.translation import gettext_lazy as _


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("Why does your city decline this partner?"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The programme team reads it; the other city does not."),
    )
