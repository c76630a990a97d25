from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class LanguagePreferenceForm(forms.Form):
    language = forms.ChoiceField(
        label=_("Language of the portal and of your e-mails"),
        choices=settings.LANGUAGES,
        widget=forms.RadioSelect,
    )
