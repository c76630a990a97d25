"""Staff reach the admin only with a second factor.

The admin has no login form of its own (`/admin/login/` redirects to the portal's
login, with allauth's rate limits, verified e-mail and MFA step). A staff member or
superuser who has not activated an authenticator app yet is sent to set one up
before any admin page opens.
"""

from allauth.mfa.utils import is_mfa_enabled
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _


def needs_second_factor(user) -> bool:
    """Staff and superusers must have an active authenticator (TOTP)."""
    return bool(
        getattr(user, "is_authenticated", False)
        and (user.is_staff or user.is_superuser)
        and not is_mfa_enabled(user)
    )


class StaffSecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        admin_prefix = reverse("admin:index")
        if request.path.startswith(admin_prefix) and needs_second_factor(request.user):
            messages.warning(
                request,
                _("Staff sign in with a second factor. Set up an authenticator app "
                  "to open the administration."),
            )
            return redirect("mfa_activate_totp")
        return self.get_response(request)
