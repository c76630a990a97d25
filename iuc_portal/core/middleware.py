"""Middleware of the portal's own."""

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject, CSPMiddleware
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.cache import patch_cache_control
from django.views.defaults import bad_request

_POLICIES: dict[str, str] = {}
_PER_RESPONSE = ("_csp_config", "_csp_update", "_csp_replace", "_csp_exempt",
                 "_csp_config_ro", "_csp_update_ro", "_csp_replace_ro", "_csp_exempt_ro")


class ConstantCSPMiddleware(CSPMiddleware):
    """django-csp's middleware, building the policy header once instead of per response.

    The portal's policy is the same for every response (no nonce, no per-view policy);
    a response that asks for a nonce or carries its own policy goes through django-csp
    as usual."""

    def process_response(self, request, response):
        if (
            getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None)
            or (getattr(settings, "CONTENT_SECURITY_POLICY", None) or {}).get(
                "EXCLUDE_URL_PREFIXES"
            )
            or getattr(request, "_csp_nonce", None) is not None
            or any(hasattr(response, name) for name in _PER_RESPONSE)
            or HEADER in response
            or HEADER_REPORT_ONLY in response
        ):
            return super().process_response(request, response)
        if "policy" not in _POLICIES:
            response = super().process_response(request, response)
            _POLICIES["policy"] = response.get(HEADER, "")
            return response
        if _POLICIES["policy"]:
            response[HEADER] = _POLICIES["policy"]
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response


@receiver(setting_changed)
def _forget_policy(*, setting, **kwargs):
    if setting.startswith("CONTENT_SECURITY_POLICY"):
        _POLICIES.clear()


class PrivateNoStoreMiddleware:
    """A page shown to a signed-in person is theirs: no cache keeps it.

    Responses that set their own Cache-Control (a static file, say) keep it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if getattr(user, "is_authenticated", False) and not response.has_header("Cache-Control"):
            patch_cache_control(response, private=True, no_store=True)
        return response


class HeadWithoutBodyMiddleware:
    """A HEAD request gets the headers of its GET and no body (RFC 9110, 9.3.2).

    Django leaves the body in and so does gunicorn; a client or proxy reading the next
    response on the connection would take that body for it. First in the list, so the
    caches behind it keep the whole page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.method == "HEAD":
            if response.streaming:
                response.streaming_content = []  # the file stays registered to be closed
            else:
                response.content = b""
        return response


class NoNulInQueryMiddleware:
    """A NUL character in the query string is a 400 with the portal's page (in the
    visitor's language: after LocaleMiddleware), before any view reads it: PostgreSQL
    refuses NUL in a string, so a filter value such as `?status=%00` would otherwise end
    in a server error (Django's admin lists too)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        query = request.META.get("QUERY_STRING", "")
        if "%00" in query or "\x00" in query:
            return bad_request(request, exception=None)
        return self.get_response(request)
