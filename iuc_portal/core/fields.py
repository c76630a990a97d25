"""Form fields drawn fast, with the markup they had.

`PortalFormRenderer` is Django's own form renderer, except that its plainest widget
templates (an <input>, a <textarea>, a <select> and its options) are written out in
Python: the same HTML, without a template render per field and per option.

`render_field` draws a field as crispy-forms' Bootstrap 5 pack does (`|as_crispy_field`
with no helper): the same wrapper, label, help text, errors and aria attributes, built
in Python instead of through half a dozen nested templates per field. Any field it does
not know how to draw exactly (files, multi-widgets, forms with a crispy helper) goes to
crispy itself. tests/core/test_field_rendering.py holds both to the markup they replace.
"""

from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field, optgroups
from django import forms
from django.conf import settings
from django.forms.renderers import DjangoTemplates
from django.templatetags.l10n import unlocalize
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe


def flat_attrs(attrs: dict) -> str:
    """django/forms/widgets/attrs.html: ` name="value"`, ` name` for True, nothing for False."""
    return "".join(
        f" {conditional_escape(name)}"
        if value is True
        else f' {conditional_escape(name)}="{conditional_escape(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


def _input(widget: dict) -> str:
    value = widget["value"]
    value = "" if value is None else f' value="{conditional_escape(value)}"'
    return (
        f'<input type="{conditional_escape(widget["type"])}" '
        f'name="{conditional_escape(widget["name"])}"{value}{flat_attrs(widget["attrs"])}>'
    )


def _textarea(widget: dict) -> str:
    value = conditional_escape(widget["value"]) if widget["value"] else ""
    return (
        f'<textarea name="{conditional_escape(widget["name"])}"{flat_attrs(widget["attrs"])}>'
        f"\n{value}</textarea>"
    )


def _option(option: dict) -> str:
    return (
        f'<option value="{conditional_escape(option["value"])}"{flat_attrs(option["attrs"])}>'
        f'{conditional_escape(option["label"])}</option>'
    )


def _select(widget: dict) -> str | None:
    parts = [f'<select name="{conditional_escape(widget["name"])}"{flat_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
        for option in group_choices:
            if option["template_name"] != SELECT_OPTION:
                return None
            parts.append(f"\n  {_option(option)}\n")
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


SELECT_OPTION = "django/forms/widgets/select_option.html"
_WIDGETS = {
    **{
        f"django/forms/widgets/{kind}.html": _input
        for kind in ("text", "number", "email", "url", "password", "hidden", "checkbox",
                     "date", "datetime", "time", "search", "tel", "color")
    },
    "django/forms/widgets/textarea.html": _textarea,
    "django/forms/widgets/select.html": _select,
}  # fmt: skip


def _hidden_only_form(context) -> str | None:
    """django/forms/div.html for a form of hidden fields only and no errors (a formset's
    management form): the fields, one after the other."""
    if context.get("fields") or context.get("errors") or "hidden_fields" not in context:
        return None
    return "".join(str(field) for field in context["hidden_fields"])


class PortalFormRenderer(DjangoTemplates):
    """Django's template renderer, with the plain widgets drawn in Python."""

    def render(self, template_name, context, request=None):
        if template_name == "django/forms/div.html":
            html = _hidden_only_form(context)
            if html is not None:
                return html
        draw = _WIDGETS.get(template_name)
        if draw is not None and "widget" in context:
            html = draw(context["widget"])
            if html is not None:
                return html
        return super().render(template_name, context, request)


PORTAL_RENDERER = PortalFormRenderer()


# --- crispy-forms' Bootstrap 5 field, in Python ------------------------------------


def _add_classes(widget, classes: str) -> None:
    """What crispy's {% crispy_field field 'class' '…' %} does to the widget's class."""
    class_name = widget.__class__.__name__.lower()
    css_class = widget.attrs.get("class", "")
    if css_class:
        if css_class.find(class_name) == -1:
            css_class += f" {class_name}"
    else:
        css_class = class_name
    present = css_class.split()
    for name in classes.split():
        if name not in present:
            css_class += f" {name}"
            present.append(name)
    widget.attrs["class"] = css_class


def _errors(field) -> str:
    errors = field.errors
    if not errors:
        return ""
    auto_id = conditional_escape(field.auto_id)
    items = "\n".join(
        f'<p id="error_{number}_{auto_id}"><strong>{conditional_escape(error)}</strong></p>'
        for number, error in enumerate(errors, start=1)
    )
    return (
        f'\n<div id="{conditional_escape(errors.field_id)}_error" class="invalid-feedback">\n'
        f"{items}\n</div>\n"
    )


def _help(field) -> str:
    if not field.help_text:
        return ""
    id_ = f'id="{conditional_escape(field.auto_id)}_helptext" ' if field.auto_id else ""
    return f'\n<div {id_}class="form-text">{field.help_text}</div>\n'


def _label_text(field) -> str:
    asterisk = '<span class="asteriskField">*</span>' if field.field.required else ""
    return f"\n{conditional_escape(field.label)}{asterisk}\n"


def _choices(field) -> str:
    """bootstrap5/layout/radio_checkbox_select.html: radios or checkboxes, one a line."""
    invalid = " is-invalid" if field.errors else ""
    name = conditional_escape(field.html_name)
    groups = optgroups(field)
    parts = ["\n<div >\n"]
    for group_number, (group, options, _index) in enumerate(groups, start=1):
        if group:
            parts.append(f"<strong>{conditional_escape(group)}</strong>\n")
        for number, option in enumerate(options, start=1):
            parts.append(
                f'<div class="form-check">\n'
                f'<input type="{conditional_escape(option["type"])}" '
                f'class="form-check-input{invalid}" name="{name}" '
                f'value="{conditional_escape(unlocalize(option["value"]))}" '
                f"{flat_attrs(option['attrs'])}>\n"
                f'<label for="{conditional_escape(option["attrs"].get("id", ""))}" '
                f'class="form-check-label">\n'
                f"{conditional_escape(unlocalize(option['label']))}\n</label>\n"
            )
            if invalid and number == len(options) and group_number == len(groups):
                parts.append(_errors(field))
            parts.append("</div>\n")
    parts.append("</div>\n")
    parts.append(_help(field))
    return "".join(parts)


def _is_plain(field) -> bool:
    widget = field.field.widget
    return not (
        getattr(field.form, "helper", None) is not None
        or isinstance(widget, forms.FileInput | forms.MultiWidget)
        or hasattr(widget, "widget")
        or hasattr(widget, "widgets")
        or getattr(settings, "CRISPY_CLASS_CONVERTERS", None)
    )


def render_field(field) -> str:
    """The field as `{{ field|as_crispy_field }}` draws it (Bootstrap 5 pack)."""
    if field.is_hidden:
        return str(field)
    if not _is_plain(field):
        return as_crispy_field(field)
    widget = field.field.widget
    required = " requiredField" if field.field.required else ""
    css_classes = field.css_classes()
    css_classes = f" {conditional_escape(css_classes)}" if css_classes else ""
    auto_id = conditional_escape(field.auto_id)
    invalid = " is-invalid" if field.errors else ""

    if isinstance(widget, forms.CheckboxInput):
        _add_classes(widget, f"form-check-input{invalid}")
        return mark_safe(  # noqa: S308 - every value above is escaped
            f'\n<div class="mb-3">\n<div id="div_{auto_id}" class="form-check{css_classes}">\n'
            f"{field}\n"
            f'<label for="{conditional_escape(field.id_for_label)}" '
            f'class="form-check-label{required}">{_label_text(field)}</label>\n'
            f"{_errors(field)}{_help(field)}</div>\n</div>\n"
        )

    parts = [f'\n<div id="div_{auto_id}" class="mb-3{css_classes}">\n']
    fieldset = bool(field.label and field.use_fieldset)
    if field.label:
        tag = "legend" if fieldset else "label"
        if fieldset:
            described = field.aria_describedby
            described = f' aria-describedby="{conditional_escape(described)}"' if described else ""
            parts.append(f"<fieldset{described}>\n")
        for_ = (
            f'for="{conditional_escape(field.id_for_label)}" ' if field.id_for_label else ""
        )
        parts.append(
            f'<{tag}\n{for_}class="form-label{required}{" fs-6" if fieldset else ""}">'
            f"{_label_text(field)}</{tag}>\n"
        )
    if isinstance(widget, forms.RadioSelect):  # and CheckboxSelectMultiple, its subclass
        parts.append(_choices(field))
    else:
        kind = "form-select" if isinstance(widget, forms.Select) else "form-control"
        _add_classes(widget, kind + invalid)
        parts.append(f"\n{field}\n{_errors(field)}{_help(field)}")
    if fieldset:
        parts.append("</fieldset>\n")
    parts.append("</div>\n")
    return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped
