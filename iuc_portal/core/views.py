from django.http import JsonResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import render
from django.views import i18n
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from .health import CHECKS


@never_cache
@require_GET
def healthz(request):
    """Reports each dependency as "ok" or its error class; 503 when any is down.

    Also reports the e-mail backlog under "mail" (pending, sending, failed, and the
    age of the oldest waiting e-mail in seconds).
    """
    problems = {name: check() for name, check in CHECKS.items()}
    body = {name: problem or "ok" for name, problem in problems.items()}
    healthy = not any(problems.values())
    body["status"] = "ok" if healthy else "unavailable"
    if not problems["database"]:
        # The outbox backlog is information for monitoring, not a reason for a 503.
        from iuc_portal.mail.selectors import backlog

        body["mail"] = backlog()
    return JsonResponse(body, status=200 if healthy else 503)


@csrf_exempt
@require_POST
def set_language(request):
    """Django's `set_language`, which an anonymous visitor may call without a CSRF token:
    it changes only their language cookie, and so the public pages need no CSRF cookie
    (and can come from the cache). A signed-in user's request is checked as usual."""
    if request.user.is_authenticated:
        rejected = CsrfViewMiddleware(lambda request: None).process_view(request, None, (), {})
        if rejected is not None:
            return rejected
    return i18n.set_language(request)


def csrf_failure(request, reason=""):
    """A form refused by the CSRF check: the portal's page, in the reader's language,
    saying what to do (Django's own is a bare English page)."""
    return render(request, "403_csrf.html", status=403)
