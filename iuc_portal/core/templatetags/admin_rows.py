"""`{% fast_result_list cl %}`: Django's `{% result_list cl %}`, the same markup, with the
work that is the same for every row (each column's kind, CSS class, empty value, link)
done once per column instead of once per cell.

A changelist page of 50 rows and 13 columns otherwise asks, for each of its 650 cells,
whether the column is a model field (an exception for every method column), for the
admin's empty value, and formats the cell with `format_html`. Lists with editable
columns (a formset) are left to Django.
"""

import datetime

from django import template
from django.contrib.admin.templatetags import admin_list
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.contrib.admin.templatetags.base import InclusionAdminNode
from django.contrib.admin.utils import (
    FieldIsAForeignKeyColumnName,
    _get_non_gfk_field,
    display_for_field,
    display_for_value,
    lookup_field,
)
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist
from django.db import models
from django.urls import NoReverseMatch
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe

register = template.Library()


class _Column:
    def __init__(self, cl, index, name, is_link, is_first_link):
        self.name = name
        self.classes = [f"field-{admin_list._coerce_field_name(name, index)}"]
        self.is_link = is_link
        self.tag = "th" if is_first_link else "td"
        self.empty = cl.model_admin.get_empty_value_display()
        self.field = None
        self.method = None  # the model admin's (or a callable's) column
        try:
            self.field = _get_non_gfk_field(cl.lookup_opts, name)
        except FieldDoesNotExist:
            if callable(name):
                self.method = name
            elif hasattr(cl.model_admin, name) and name != "__str__":
                self.method = getattr(cl.model_admin, name)
        except FieldIsAForeignKeyColumnName:
            pass  # Django's handling, cell by cell (_generic_display)
        if self.method is not None:
            self.empty = getattr(self.method, "empty_value_display", self.empty)
            self.boolean = getattr(self.method, "boolean", False)
            if name == "action_checkbox":
                self.classes = ["action-checkbox"]
        elif self.field is not None:
            self.foreign = isinstance(self.field.remote_field, models.ManyToOneRel)
            if isinstance(self.field, (models.DateField, models.TimeField, models.ForeignKey)):
                self.classes.append("nowrap")

    def display(self, cl, result):
        """The cell's text (or markup) and its CSS classes, as Django's would be."""
        if self.method is not None:
            value = self.method(result)
            if isinstance(value, str) and value.strip() == "":
                value = ""
            classes = self.classes
            if isinstance(value, (datetime.date, datetime.time)):
                classes = [*classes, "nowrap"]
            return display_for_value(value, self.empty, self.boolean), classes
        if self.field is not None and not self.field.auto_created:
            try:
                value = getattr(result, self.name)
            except ObjectDoesNotExist:
                return self.empty, self.classes
            if self.foreign:
                return (self.empty if value is None else value), self.classes
            if isinstance(value, str) and value.strip() == "":
                value = ""
            repr_ = display_for_field(value, self.field, self.empty, avoid_link=self.is_link)
            return repr_, self.classes
        return _generic_display(cl, result, self)


def _generic_display(cl, result, column):
    """Django's own handling, cell by cell, for the columns the fast path does not know."""
    empty = cl.model_admin.get_empty_value_display()
    classes = list(column.classes)
    try:
        f, attr, value = lookup_field(column.name, result, cl.model_admin)
    except ObjectDoesNotExist:
        return empty, classes
    empty = getattr(attr, "empty_value_display", empty)
    if isinstance(value, str) and value.strip() == "":
        value = ""
    if f is None or f.auto_created:
        boolean = getattr(attr, "boolean", False)
        if isinstance(attr, property) and hasattr(attr, "fget"):
            boolean = getattr(attr.fget, "boolean", False)
        if isinstance(value, (datetime.date, datetime.time)):
            classes.append("nowrap")
        return display_for_value(value, empty, boolean), classes
    if isinstance(f.remote_field, models.ManyToOneRel):
        value = getattr(result, f.name)
        return (empty if value is None else value), classes
    return display_for_field(value, f, empty, avoid_link=column.is_link), classes


def _columns(cl):
    columns, first = [], True
    for index, name in enumerate(cl.list_display):
        if cl.list_display_links is None:
            is_link = False
        elif first and not cl.list_display_links:
            is_link = True
        else:
            is_link = name in cl.list_display_links
        columns.append(_Column(cl, index, name, is_link, is_link and first))
        if is_link:
            first = False
    return columns


def _row(cl, result, columns):
    cells = []
    for column in columns:
        result_repr, classes = column.display(cl, result)
        row_class = ' class="{}"'.format(" ".join(classes))
        if column.is_link:
            try:
                url = cl.url_for_result(result)
            except NoReverseMatch:
                content = conditional_escape(result_repr)
            else:
                url = add_preserved_filters(
                    {"preserved_filters": cl.preserved_filters, "opts": cl.opts}, url
                )
                popup = ""
                if cl.is_popup:
                    pk = str(cl.to_field) if cl.to_field else cl.lookup_opts.pk.attname
                    popup = format_html(' data-popup-opener="{}"', result.serializable_value(pk))
                content = format_html('<a href="{}"{}>{}</a>', url, popup, result_repr)
        else:
            content = conditional_escape(result_repr)
        tag = column.tag if column.is_link else "td"
        # The classes are column names; the content is escaped or markup already.
        cells.append(mark_safe(f"<{tag}{row_class}>{content}</{tag}>"))  # noqa: S308
    return admin_list.ResultList(None, cells)


def fast_result_list(cl):
    """The context of Django's `result_list`, its rows built column by column."""
    if cl.formset:
        return admin_list.result_list(cl)
    headers = list(admin_list.result_headers(cl))
    columns = _columns(cl)
    return {
        "cl": cl,
        "result_hidden_fields": [],
        "result_headers": headers,
        "num_sorted_fields": sum(1 for h in headers if h["sortable"] and h["sorted"]),
        "results": [_row(cl, result, columns) for result in cl.result_list],
    }


@register.tag(name="fast_result_list")
def fast_result_list_tag(parser, token):
    return InclusionAdminNode(
        parser,
        token,
        func=fast_result_list,
        template_name="change_list_results.html",
        takes_context=False,
    )


class CachedListContentNode(template.Node):
    def __init__(self, nodelist):
        self.nodelist = nodelist

    def render(self, context):
        page = context.get("list_content_cache")
        if page is None:
            return self.nodelist.render(context)
        if page.entry is not None:
            return page.content(context.request)
        html = self.nodelist.render(context)
        page.store(html, context["cl"])
        return html


@register.tag(name="cached_list_content")
def cached_list_content_tag(parser, token):
    """`{% cached_list_content %}…{% endcached_list_content %}`: the list's content from
    the cache when the view found it there (iuc_portal/core/admin_list_cache.py), else
    rendered and stored."""
    nodelist = parser.parse(("endcached_list_content",))
    parser.delete_first_token()
    return CachedListContentNode(nodelist)


# The navigation sidebars already rendered, by app list (language and permissions) and
# path (it marks the current app and model).
_NAV_SIDEBARS: dict = {}
_NAV_SIDEBARS_KEPT = 256


class CachedNavSidebarNode(template.Node):
    def __init__(self, nodelist):
        self.nodelist = nodelist

    def render(self, context):
        request = context.get("request")
        built = getattr(request, "_admin_app_list", None)
        if built is None or context.get("available_apps") is not built[1]:
            return self.nodelist.render(context)  # an app list the site did not build
        key = (built[0], request.path)
        html = _NAV_SIDEBARS.get(key)
        if html is None:
            if len(_NAV_SIDEBARS) >= _NAV_SIDEBARS_KEPT:
                _NAV_SIDEBARS.clear()
            html = _NAV_SIDEBARS[key] = self.nodelist.render(context)
        return html


@register.tag(name="cached_nav_sidebar")
def cached_nav_sidebar_tag(parser, token):
    """`{% cached_nav_sidebar %}…{% endcached_nav_sidebar %}`: the admin's navigation
    sidebar, rendered once per app list and path in a process (it shows only the app
    list of `PortalAdminSite.get_app_list`, translated, and marks the current page)."""
    nodelist = parser.parse(("endcached_nav_sidebar",))
    parser.delete_first_token()
    return CachedNavSidebarNode(nodelist)
