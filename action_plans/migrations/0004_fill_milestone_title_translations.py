"""Existing milestones keep their title as the English one; titles from the default
template get the other languages from the translation catalogues."""

from django.conf import settings
from django.db import migrations
from django.utils import translation

OTHER_LANGUAGES = [code for code, _name in settings.LANGUAGES if code != "en"]


def fill(apps, schema_editor):
    Milestone = apps.get_model("action_plans", "Milestone")
    for milestone in Milestone.objects.all():
        milestone.title_en = milestone.title_en or milestone.title
        for language in OTHER_LANGUAGES:
            with translation.override(language):
                title = translation.gettext(milestone.title_en)
            if title != milestone.title_en:
                setattr(milestone, f"title_{language}", title)
        milestone.save()


class Migration(migrations.Migration):
    dependencies = [("action_plans", "0003_programme_content_translations")]
    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
