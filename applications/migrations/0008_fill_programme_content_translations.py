"""Existing programme content gets its English column and, where the text is one the
project ships (theme and region names, the default milestone template), the other
languages from the translation catalogues."""

from django.conf import settings
from django.db import migrations
from django.utils import translation

OTHER_LANGUAGES = [code for code, _name in settings.LANGUAGES if code != "en"]


def _translated(text, language):
    with translation.override(language):
        result = translation.gettext(text)
    return result if result != text else None


def fill(apps, schema_editor):
    for model_name in ("Theme", "Region"):
        model = apps.get_model("applications", model_name)
        for item in model.objects.all():
            item.name_en = item.name_en or item.name
            for language in OTHER_LANGUAGES:
                field = f"name_{language}"
                if not getattr(item, field):
                    setattr(item, field, _translated(item.name_en, language))
            item.save()
    Call = apps.get_model("applications", "Call")
    for call in Call.objects.all():
        call.name_en = call.name_en or call.name
        call.description_en = call.description_en or call.description
        call.milestone_template_en = call.milestone_template_en or call.milestone_template
        for language in OTHER_LANGUAGES:
            field = f"milestone_template_{language}"
            titles = [_translated(item["title"], language) for item in call.milestone_template_en]
            if all(titles):
                setattr(call, field, [
                    {"month": item["month"], "title": title}
                    for item, title in zip(call.milestone_template_en, titles, strict=True)
                ])
            else:
                setattr(call, field, None)
        call.save()


class Migration(migrations.Migration):
    dependencies = [("applications", "0007_programme_content_translations")]
    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
