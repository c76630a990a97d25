"""Public pages served from the cache to anonymous visitors.

A page is cached per language and per path, under a key that also digests the data it
shows (so a changed call changes the key: no stale page, nothing to invalidate by
hand), and for at most a minute (its countdowns move). Only a visitor with no session
and no pending message gets the cached page, and a page holding a CSRF token is never
stored: cached HTML is the same for everyone.
"""

import hashlib
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.utils.translation import get_language

SECONDS = 60


def cacheable(request) -> bool:
    return (
        request.method in {"GET", "HEAD"}
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "messages" not in request.COOKIES
        and not request.user.is_authenticated
    )


def key(page: str, request, data) -> str:
    """`data`: what the page shows (rows of plain values), digested into the key."""
    digest = hashlib.sha256(repr(data).encode()).hexdigest()
    path = hashlib.sha256(request.get_full_path().encode()).hexdigest()[:16]
    return f"public-page:{page}:{get_language()}:{path}:{digest}"


def cached_response(cache_key: str, render: Callable[[], str]) -> HttpResponse:
    html = cache.get(cache_key)
    if html is None:
        html = render()
        if "csrfmiddlewaretoken" not in html:
            cache.set(cache_key, html, SECONDS)
    return HttpResponse(html)
