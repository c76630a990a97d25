"""Each person's language, kept: switching it saves it, and the account page changes it."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from iuc_portal.core.views import set_language

from .forms import LanguagePreferenceForm
from .language import set_language_cookie
from .services import set_preferred_language


@csrf_exempt  # checked inside for signed-in people (see iuc_portal.core.views.set_language)
@require_POST
def switch_language(request):
    """The portal's set_language, which also remembers the choice of a signed-in person."""
    response = set_language(request)
    language = request.POST.get("language", "")
    accepted = response.status_code in (200, 302)
    if accepted and request.user.is_authenticated and language in dict(settings.LANGUAGES):
        set_preferred_language(user=request.user, language=language)
    return response


@login_required
def preferences(request):
    form = LanguagePreferenceForm(request.POST or None, initial={"language": request.user.language})
    if request.method == "POST" and form.is_valid():
        language = form.cleaned_data["language"]
        set_preferred_language(user=request.user, language=language)
        with translation.override(language):
            messages.success(
                request, _("Your language is saved: the portal and your e-mails use it.")
            )
        response = HttpResponseRedirect(reverse("account_preferences"))
        set_language_cookie(response, language)
        return response
    return render(request, "account/preferences.html", {"form": form})


def admin_login(request, extra_context=None):
    """The admin has no login form: everyone signs in through the portal's login. A
    signed-in person the admin turned away is not staff: signing in again would only
    lead back here, round and round, so they are told no."""
    if request.user.is_authenticated:
        raise PermissionDenied(_("The administration is for programme staff."))
    next_url = request.GET.get(REDIRECT_FIELD_NAME) or reverse("admin:index")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = reverse("admin:index")
    return redirect(f"{reverse('account_login')}?{urlencode({REDIRECT_FIELD_NAME: next_url})}")
