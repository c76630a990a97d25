from django.conf import settings


def site(request):
    """Names every page needs, without each view passing them."""
    return {"SITE_NAME": settings.SITE_NAME}
