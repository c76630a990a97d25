"""The public pages, for anonymous visitors, straight from the cache.

Most visitors of the home page, the catalogue and the map arrive without a session: for
them a page is the same for everyone who reads the same language. This middleware sits
before sessions, CSRF, authentication and messages, and answers such a visitor from the
cache when it can: one small stamp query (`selectors.data_stamp`: the latest recorded
change to pairings, applications and plans, and every call and theme) is all the
request costs, and a change shows at once, in every worker.

A page is stored only when its view says it may be shared (`share(response)`: the
canonical URL of a known view, no search, no mistake) and it answers 200 without
setting a cookie or holding a CSRF token. Entries live a minute at most, since the
home page's countdown moves. Anyone with a session or a pending message gets the
page rendered as usual.

Where the cache is shared (Redis), each worker also keeps the pages it served in its
own memory (the `local` cache) and asks Redis only for a page it does not have: the
key holds the data stamp, so a copy in memory is never older than the data.
"""

import hashlib
import time

from django.conf import settings
from django.core.cache import caches
from django.utils import translation

from iuc_portal.core.cache import rendered_pages

from . import selectors

SECONDS = 60
PUBLIC_PATHS = ("/programme/",)  # and the home page, "/"
_SHARE = "_iuc_public_page"


def share(response):
    """Mark a response as the same for every anonymous visitor of this URL."""
    setattr(response, _SHARE, True)
    return response


def _anonymous_public_read(request) -> bool:
    return (
        request.method in ("GET", "HEAD")
        and (request.path == "/" or request.path.startswith(PUBLIC_PATHS))
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "messages" not in request.COOKIES
    )


def _key(request) -> str:
    # v2: entries are (stored at, response); the version keeps older entries unread.
    language = translation.get_language_from_request(request)
    url = hashlib.sha1(request.get_full_path().encode()).hexdigest()  # noqa: S324 - a key
    return f"public-page:v2:{language}:{url}:{selectors.data_stamp()[1]}"


def _storable(response) -> bool:
    return (
        getattr(response, _SHARE, False)
        and response.status_code == 200
        and not response.streaming
        and not response.cookies
        and b"csrfmiddlewaretoken" not in response.content
    )


def _levels():
    """The caches a page is kept in, nearest first."""
    if "local" in settings.CACHES:
        return [caches["local"], rendered_pages()]
    return [rendered_pages()]


def _cached(key):
    levels = _levels()
    for depth, level in enumerate(levels):
        entry = level.get(key)
        if entry is not None:
            stored_at, response = entry
            left = SECONDS - (time.time() - stored_at)
            for nearer in levels[:depth]:
                if left >= 1:
                    nearer.set(key, entry, int(left))
            return response
    return None


def _store(key, response):
    entry = (time.time(), response)
    for level in _levels():
        level.set(key, entry, SECONDS)


class PublicPageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not _anonymous_public_read(request):
            return self.get_response(request)
        key = _key(request)
        response = _cached(key)
        if response is None:
            response = self.get_response(request)
            if _storable(response):
                _store(key, response)
        return response
