from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from applications.views import home
from iuc_portal.core.views import healthz, set_language

admin.site.site_header = _("IUC programme staff")
admin.site.site_title = _("IUC portal administration")
admin.site.index_title = _("Programme administration")

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("applications/", include("applications.urls")),
    path("partnerships/", include("pairings.urls")),
    path("plans/", include("action_plans.urls")),
    path("", home, name="home"),
]
