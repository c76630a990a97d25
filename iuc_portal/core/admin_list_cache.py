"""A changelist page's content (filters, search, date hierarchy, actions, rows,
pagination), cached until the data it shows changes.

The content of a list page is the same for every staff member who reads it in the same
language and time zone, at the same URL, with the same permissions on the model, while
the data does not change. The model admin gives a stamp of that data (one cheap
query: see `applications.admin.list_stamp`); the stamp is part of the key, so a change
shows at once, in every worker, without signals. The rest of the page (header, the
navigation sidebar, messages) is rendered for each request as usual, and the content's
CSRF token is left out of the cached copy and put back for each reader.

On a hit the model admin builds no ChangeList: `CachedChangeList` gives Django's
`changelist_view` the little it reads of one (title, counts) so that the page around
the content is Django's own. Searches are never cached (they reach other tables, e.g.
the official's e-mail), nor popups, POSTs (actions) or error pages.
"""

import hashlib
import re
import secrets

from django.contrib.admin.options import IS_POPUP_VAR, TO_FIELD_VAR
from django.contrib.admin.views.main import ERROR_FLAG, SEARCH_VAR
from django.middleware.csrf import get_token
from django.utils import timezone, translation
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from .cache import rendered_pages

SECONDS = 10 * 60
# Templates and code change with a deploy: an entry belongs to the process that made it
# (a worker builds its own copy once per change of the data).
_PROCESS = secrets.token_hex(4)
# What `{% csrf_token %}` renders; the token differs for every reader (and every render).
_CSRF_INPUT = re.compile(r'<input type="hidden" name="csrfmiddlewaretoken" value="[^"<>]*">')
# Data is escaped in the content, so "<!--" only ever comes from a template.
_CSRF_MARK = "<!--list-content-csrf-token-->"
_UNCACHED_PARAMETERS = (SEARCH_VAR, IS_POPUP_VAR, TO_FIELD_VAR, ERROR_FLAG)
REQUEST_ATTRIBUTE = "_admin_list_content_cache"


class ListContentCache:
    """The cached content of one list page for one request: `entry` is None on a miss."""

    def __init__(self, key: str):
        self.key = key
        self.entry = rendered_pages().get(key)

    @classmethod
    def for_request(cls, request, model_admin, stamp: str):
        """The page's cache, or None when this request's page is not cached."""
        if request.method not in ("GET", "HEAD") or any(
            name in request.GET for name in _UNCACHED_PARAMETERS
        ):
            return None
        has_export = getattr(model_admin, "has_export_permission", None)
        parts = (
            model_admin.opts.label_lower,
            translation.get_language(),
            timezone.get_current_timezone_name(),
            request.get_full_path(),
            stamp,
            # What the reader's permissions change in the content: actions, tools.
            tuple(model_admin.get_actions(request)),
            model_admin.has_view_permission(request),
            model_admin.has_change_permission(request),
            model_admin.has_add_permission(request),
            model_admin.has_delete_permission(request),
            has_export(request) if has_export else None,
        )
        digest = hashlib.sha1(repr(parts).encode()).hexdigest()  # noqa: S324 - a cache key
        page = cls(f"admin-list:{_PROCESS}:{digest}")
        setattr(request, REQUEST_ATTRIBUTE, page)
        return page

    def store(self, html: str, cl) -> None:
        entry = {
            "content": _CSRF_INPUT.sub(_CSRF_MARK, html),
            "result_count": cl.result_count,
            "page_length": len(cl.result_list),
        }
        rendered_pages().set(self.key, entry, SECONDS)

    def content(self, request) -> str:
        token = format_html(
            '<input type="hidden" name="csrfmiddlewaretoken" value="{}">', get_token(request)
        )
        return mark_safe(self.entry["content"].replace(_CSRF_MARK, token))  # noqa: S308


def cached_page(request) -> ListContentCache | None:
    """The request's page cache when it has the content (a hit)."""
    page = getattr(request, REQUEST_ATTRIBUTE, None)
    return page if page is not None and page.entry is not None else None


class CachedChangeList:
    """What Django's `changelist_view` and the templates around the content read of a
    ChangeList, for a page whose content comes from the cache (GET only)."""

    formset = None
    list_editable = ()
    is_popup = False
    to_field = None

    def __init__(self, model_admin, request, entry):
        self.model_admin = model_admin
        self.model = model_admin.model
        self.opts = self.lookup_opts = model_admin.model._meta
        self.result_count = entry["result_count"]
        self.result_list = range(entry["page_length"])  # only its length is read
        if model_admin.has_change_permission(request):
            title = translation.gettext("Select %s to change")
        else:
            title = translation.gettext("Select %s to view")
        self.title = title % self.opts.verbose_name

    def get_queryset(self, request, exclude_parameters=None):
        raise RuntimeError("a cached list page has no queryset (actions are POSTed)")
