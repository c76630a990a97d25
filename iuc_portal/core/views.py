from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .health import CHECKS


@never_cache
@require_GET
def healthz(request):
    """Reports each dependency as "ok" or its error class; 503 when any is down."""
    problems = {name: check() for name, check in CHECKS.items()}
    body = {name: problem or "ok" for name, problem in problems.items()}
    healthy = not any(problems.values())
    body["status"] = "ok" if healthy else "unavailable"
    return JsonResponse(body, status=200 if healthy else 503)
