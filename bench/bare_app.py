"""The yardstick of `make bench-web`: a bare one-view Django app, served by gunicorn
exactly like the portal. Run as `gunicorn bench.bare_app:application`."""

from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.http import HttpResponse
from django.urls import path

settings.configure(
    DEBUG=False,
    SECRET_KEY="bare-benchmark-app-not-a-secret",  # noqa: S106
    ALLOWED_HOSTS=["127.0.0.1", "localhost"],
    ROOT_URLCONF=__name__,
    MIDDLEWARE=[],
    INSTALLED_APPS=[],
    USE_I18N=False,
)

PAGE = b"<!DOCTYPE html><html lang=en><title>Bare</title><p>Hello from a bare Django view."


def hello(request):
    return HttpResponse(PAGE)


urlpatterns = [path("", hello)]

application = get_wsgi_application()
