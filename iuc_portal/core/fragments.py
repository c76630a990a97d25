"""Parts of a page that read the same for everyone shown the same data, rendered once per
worker and then reused (the plan page's milestones, timeline and partner's plan; the
application form's fields).

A part's key is a digest of everything its output depends on: the template, the
language's catalogue, the time zone and the values it is rendered from, which are read
from the database on every request. So a change by any worker, in the portal or the
admin, shows at once (the values differ, so the key does), nothing needs invalidating,
and one person's part is never shown to another unless it would read exactly the same.
The parts are kept in the worker (a shared cache would keep a part across a deploy that
changes its template or translations); the CSRF token is never kept: a part is rendered
with a placeholder token, replaced by the request's on the way out."""

import hashlib
import itertools

from django.middleware.csrf import get_token
from django.template.loader import get_template
from django.utils import timezone, translation
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import trans_real

# The parts this worker rendered last (a few plans' worth); emptied when full.
_parts: dict[str, str] = {}
_PARTS_MAX = 256
_CSRF_PLACEHOLDER = "csrf-placeholder"
_CSRF_INPUT = '<input type="hidden" name="csrfmiddlewaretoken" value="{}">'
_versions = itertools.count(1)


def _version(obj) -> int:
    """A number for this template or catalogue object, new when it is loaded afresh (a
    template changed under runserver, translations reloaded)."""
    version = getattr(obj, "_plan_part_version", None)
    if version is None:
        version = next(_versions)
        obj._plan_part_version = version
    return version


def render_cached(template_name: str, context: dict, *, key_data=None, request=None) -> SafeString:
    """`template_name` rendered with `context` (no request: no context processors), kept
    under the digest of `key_data`, which must hold every value the output shows (default:
    `context` itself, which must then hold plain values whose repr is their content).
    With `request`, the template's {% csrf_token %} carries the request's token."""
    template = get_template(template_name)
    language = translation.get_language()
    digest = hashlib.sha256(repr((
        template_name, _version(template.template), language,
        _version(trans_real.translation(language)) if language else None,
        timezone.get_current_timezone_name(),
        context if key_data is None else key_data,
    )).encode()).hexdigest()
    html = _parts.get(digest)
    if html is None:
        html = str(template.render({**context, "csrf_token": _CSRF_PLACEHOLDER}))
        if len(_parts) >= _PARTS_MAX:
            _parts.clear()
        _parts[digest] = html
    if request is not None:
        # User text is escaped in the output, so only a {% csrf_token %} writes this tag.
        html = html.replace(_CSRF_INPUT.format(_CSRF_PLACEHOLDER),
                            format_html(_CSRF_INPUT, get_token(request)))
    return mark_safe(html)  # noqa: S308 -- rendered by the template engine, escaped there
