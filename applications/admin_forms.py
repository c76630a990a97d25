"""Forms for the staff's intermediate admin pages: reject, extend, import.

Forms only read and check what staff typed; the change itself is made by the
service the admin action calls (`applications.services`).
"""

import zoneinfo

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Call

MAX_IMPORT_BYTES = 5 * 1024 * 1024


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for the rejection"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6, "cols": 80}),
        help_text=_("The city receives this reason by e-mail, word for word."),
    )

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("Give the reason for the rejection."))
        return reason


class LocalDateTimeField(forms.DateTimeField):
    """A date and time read on the wall clock of a given time zone (the call's),
    not the server's."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")

    def __init__(self, *, time_zone: zoneinfo.ZoneInfo | None = None, **kwargs):
        self.time_zone = time_zone
        super().__init__(**kwargs)

    def to_python(self, value):
        if self.time_zone is None:
            return super().to_python(value)
        with timezone.override(self.time_zone):
            return super().to_python(value)

    def prepare_value(self, value):
        if self.time_zone is None:
            return super().prepare_value(value)
        with timezone.override(self.time_zone):
            return super().prepare_value(value)


class ExtensionForm(forms.Form):
    until = LocalDateTimeField(
        label=_("New deadline"),
        help_text=_("The first instant at which this application is late."),
    )
    reason = forms.CharField(
        label=_("Reason for the extension"),
        max_length=300,
        widget=forms.TextInput(attrs={"size": 80}),
    )

    def __init__(self, *args, time_zone: str, now=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.time_zone = zoneinfo.ZoneInfo(time_zone)
        self.now = now
        self.fields["until"].time_zone = self.time_zone
        self.fields["until"].help_text = _(
            "Date and time in %(tz)s, the call's time zone: the first instant at which "
            "the application is late."
        ) % {"tz": time_zone}

    def clean_until(self):
        until = self.cleaned_data["until"]
        if until <= (self.now or timezone.now()):
            raise forms.ValidationError(_("An extension must end in the future."))
        return until

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("Give the reason for the extension."))
        return reason


class ImportCSVForm(forms.Form):
    call = forms.ModelChoiceField(
        label=_("Call"), queryset=Call.objects.order_by("-closes_at"), empty_label=None
    )
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("UTF-8 CSV with a header row, at most 5 MB."),
    )
    accept = forms.BooleanField(
        label=_("Accept the imported applications for matching"), required=False
    )
    allow_late = forms.BooleanField(
        label=_("Allow late submissions (recorded as a staff override)"), required=False
    )
    dry_run = forms.BooleanField(
        label=_("Dry run: check the file, save nothing"), required=False, initial=True
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.BooleanField):
                field.label_suffix = ""  # the label follows its checkbox

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError(
                _("The file is too large (%(size)s MB); the limit is 5 MB.")
                % {"size": f"{upload.size / 1024 / 1024:.1f}"}
            )
        raw = upload.read()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise forms.ValidationError(
                _(
                    "The file is not UTF-8 text (byte %(position)s cannot be read). "
                    "Save it as “CSV UTF-8” and upload it again."
                )
                % {"position": error.start + 1}
            ) from error
        if "\x00" in text:
            raise forms.ValidationError(_("The file is not a CSV text file."))
        if not text.strip():
            raise forms.ValidationError(_("The file is empty."))
        self.cleaned_data["text"] = text
        return upload
