"""The portal's admin site: no login form of its own, and no server error for an id in
the address that is not an id of the model."""

from functools import wraps

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import Http404


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


class PortalAdminSite(admin.AdminSite):
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
