from django.utils.cache import patch_cache_control


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
