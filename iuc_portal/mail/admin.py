from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import selectors, services
from .models import OutboundEmail

# What can carry a secret link or code: shown for ordinary e-mails only, and never
# searchable or filterable (a filter like ?body_text__startswith= would be an oracle).
SECRET_BEARING_FIELDS = ("body_text", "body_html", "context")


@admin.register(OutboundEmail)
class OutboundEmailAdmin(admin.ModelAdmin):
    list_display = ["subject", "to_email", "language", "state", "sensitive", "attempts",
                    "created_at", "sent_at", "next_attempt_at", "short_error"]
    list_filter = ["state", "sensitive", "language", "template"]
    search_fields = ["to_email", "subject", "idempotency_key"]
    date_hierarchy = "created_at"
    list_per_page = 50
    actions = ["resend"]

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

    @admin.display(description=_("last error"))
    def short_error(self, email):
        return email.last_error[:120]

    @admin.action(description=_("Re-send the selected failed e-mails"),
                  permissions=["change"])
    def resend(self, request, queryset):
        count = services.resend_emails(emails=queryset, by=request.user)
        if count:
            self.message_user(request, ngettext(
                "%(count)d e-mail will be sent again.",
                "%(count)d e-mails will be sent again.", count) % {"count": count},
                messages.SUCCESS)
        else:
            self.message_user(request, _("Only failed e-mails can be re-sent."),
                              messages.WARNING)

    def changelist_view(self, request, extra_context=None):
        backlog = selectors.backlog()
        if backlog["failed"]:
            self.message_user(request, ngettext(
                "%(count)d e-mail failed: filter by state to see why, then re-send it.",
                "%(count)d e-mails failed: filter by state to see why, then re-send them.",
                backlog["failed"]) % {"count": backlog["failed"]}, messages.WARNING)
        if backlog["oldest_pending_seconds"] is not None:
            self.message_user(request, _(
                "%(pending)d e-mails wait to be sent; the oldest for %(minutes)d minutes."
            ) % {"pending": backlog["pending"] + backlog["sending"],
                 "minutes": backlog["oldest_pending_seconds"] // 60}, messages.INFO)
        return super().changelist_view(request, extra_context)
