from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import OutboundEmail

# What can carry a secret link or code: shown for ordinary e-mails only, and never
# searchable or filterable (a filter like ?body_text__startswith= would be an oracle).
SECRET_BEARING_FIELDS = ("body_text", "body_html", "context")


@admin.register(OutboundEmail)
class OutboundEmailAdmin(admin.ModelAdmin):
    list_display = [
        "subject",
        "to_email",
        "language",
        "state",
        "sensitive",
        "attempts",
        "created_at",
        "sent_at",
    ]
    list_filter = ["state", "sensitive", "language", "template"]
    search_fields = ["to_email", "subject", "idempotency_key"]
    date_hierarchy = "created_at"
    list_per_page = 50

    def get_fields(self, request, obj=None):
        fields = [f.name for f in OutboundEmail._meta.fields if f.name != "id"]
        if obj is None or obj.sensitive:
            # Even a superuser does not read a password-reset or verification link.
            fields = [name for name in fields if name not in SECRET_BEARING_FIELDS]
            fields.append("body_withheld")
        return fields

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)

    @admin.display(description=_("body"))
    def body_withheld(self, obj):
        return _("Withheld: this e-mail carries a secret link or code.")

    def lookup_allowed(self, lookup, value, request=None):
        if lookup.split("__", 1)[0] in SECRET_BEARING_FIELDS:
            return False
        return super().lookup_allowed(lookup, value, request)

    def has_add_permission(self, request):
        return False
