from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from iuc_portal.accounts.views import preferences, switch_language
from iuc_portal.core.views import healthz
from programme.api import api
from programme.views import home

admin.site.site_header = _("IUC programme staff")
admin.site.site_title = _("IUC portal administration")
admin.site.index_title = _("Programme administration")
# admin.site is iuc_portal.core.admin_site.PortalAdminSite: /admin/login/ leads to the
# portal's login (the admin has no login form of its own).

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("i18n/setlang/", switch_language, name="set_language"),
    path("accounts/preferences/", preferences, name="account_preferences"),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("applications/", include("applications.urls")),
    path("assess/", include("assessments.urls")),
    path("partnerships/", include("pairings.urls")),
    path("plans/", include("action_plans.urls")),
    path("programme/", include("programme.urls")),
    path("api/v1/", api.urls),
    path("", home, name="home"),
]
