from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

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
