"""The portal's admin site: no login form of its own, and no server error for an id in
the address that is not an id of the model."""

from functools import wraps

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import Http404
from django.utils import translation

# The app lists already built, by reader's language and permissions (see get_app_list).
_APP_LISTS: dict = {}
_APP_LISTS_KEPT = 64


def _valid_object_id(model, object_id) -> bool:
    """Whether `object_id` (from the URL) can be a primary key of `model` at all."""
    pk = model._meta.pk
    try:
        value = pk.to_python(unquote(object_id))
    except (ValidationError, ValueError, TypeError, OverflowError):
        return False
    if isinstance(value, int):
        low, high = connection.ops.integer_field_range(pk.get_internal_type())
        return (low is None or value >= low) and (high is None or value <= high)
    return True


def app_list_key(request):
    """What the app list of every admin page (the navigation sidebar) depends on: the
    reader's language and permissions. The registry is fixed in a process, and no model
    admin's `has_*_permission` looks at anything but the reader's permissions."""
    user = request.user
    permissions = () if user.is_superuser else tuple(sorted(user.get_all_permissions()))
    return (
        translation.get_language(),
        user.is_active,
        user.is_staff,
        user.is_superuser,
        permissions,
    )


class PortalAdminSite(admin.AdminSite):
    def get_app_list(self, request, app_label=None):
        """Django's, built once per language and set of permissions in a process (a
        reverse() and five permission checks per model, on every admin page)."""
        if app_label is not None:
            return super().get_app_list(request, app_label)
        key = app_list_key(request)
        app_list = _APP_LISTS.get(key)
        if app_list is None:
            if len(_APP_LISTS) >= _APP_LISTS_KEPT:
                _APP_LISTS.clear()
            app_list = _APP_LISTS[key] = super().get_app_list(request)
        request._admin_app_list = (key, app_list)
        return app_list

    def login(self, request, extra_context=None):
        from iuc_portal.accounts.views import admin_login

        return admin_login(request)

    def admin_view(self, view, cacheable=False):
        """Every model admin view that takes an object id (change, delete, history, a
        history record...) answers 404 for an id that cannot be one: the class of
        "non-numeric id gives 500", closed for every model admin at once."""
        model_admin = getattr(view, "__self__", None)
        model = getattr(model_admin, "model", None)
        if model is not None:
            inner = view

            @wraps(inner)
            def view(request, *args, **kwargs):
                object_id = kwargs.get("object_id")
                if object_id is not None and not _valid_object_id(model, object_id):
                    raise Http404
                return inner(request, *args, **kwargs)

        return super().admin_view(view, cacheable)


class PortalAdminConfig(AdminConfig):
    """`django.contrib.admin` with the portal's site as `admin.site`."""

    default_site = "iuc_portal.core.admin_site.PortalAdminSite"
