"""Staff reach staff-wide data only with a second factor.

The admin has no login form of its own (`/admin/login/` redirects to the portal's
login, with allauth's rate limits, verified e-mail and MFA step). A staff member or
superuser who has not activated an authenticator app yet is sent to set one up
before any page opens — the admin, every city's plans, the assessment — except the
account pages where they set it up, and the public pages.
"""

from allauth.mfa.utils import is_mfa_enabled
from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _

# Where a staff member without an authenticator may still go: the account pages (to
# set one up or sign out), the language switch, health checks, static files and the
# public side of the portal.
OPEN_WITHOUT_SECOND_FACTOR = (
    "/accounts/", "/i18n/", "/healthz", "/static/", "/programme/", "/api/v1/",
)


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
        if not request.path.startswith(OPEN_WITHOUT_SECOND_FACTOR) and needs_second_factor(
            request.user
        ):
            messages.warning(
                request,
                _("Staff sign in with a second factor. Set up an authenticator app "
                  "to open the administration."),
            )
            return redirect("mfa_activate_totp")
        return self.get_response(request)
