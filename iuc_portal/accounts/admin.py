from allauth.mfa.models import Authenticator
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "language", "is_staff", "is_active", "date_joined"]
    list_filter = ["is_staff", "is_active", "groups", "language"]
    search_fields = ["email", "full_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Personal info"), {"fields": ["full_name", "language"]}),
        (_("Permissions"), {"fields": ["is_active", "is_staff", "is_superuser", "groups"]}),
        (_("Important dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]


# allauth's own admin would show an authenticator's TOTP seed and recovery codes
# (`data`). Staff see that it exists, not what it holds. (E-mail confirmation keys
# are HMACs, never stored, so allauth registers no admin for them.)
admin.site.unregister(Authenticator)


@admin.register(Authenticator)
class AuthenticatorAdmin(admin.ModelAdmin):
    list_display = ["user", "type", "created_at", "last_used_at"]
    list_filter = ["type", "created_at", "last_used_at"]
    fields = ["user", "type", "created_at", "last_used_at"]
    readonly_fields = fields
    search_fields = ["user__email"]

    def has_add_permission(self, request):
        return False

    def lookup_allowed(self, lookup, value, request=None):
        return not lookup.startswith("data") and super().lookup_allowed(lookup, value, request)
