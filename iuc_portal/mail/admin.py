from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import selectors, services
from .models import OutboundEmail


@admin.register(OutboundEmail)
class OutboundEmailAdmin(admin.ModelAdmin):
    list_display = ["subject", "to_email", "language", "state", "attempts", "created_at",
                    "sent_at", "next_attempt_at", "short_error"]
    list_filter = ["state", "language", "template"]
    search_fields = ["to_email", "subject", "idempotency_key"]
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in OutboundEmail._meta.fields]
    list_per_page = 50
    actions = ["resend"]

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
