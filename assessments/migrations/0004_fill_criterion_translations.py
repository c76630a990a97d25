"""Existing criteria keep their text as the English one; the default criteria get the
other languages from the translation catalogues."""

from django.conf import settings
from django.db import migrations
from django.utils import translation

OTHER_LANGUAGES = [code for code, _name in settings.LANGUAGES if code != "en"]


def fill(apps, schema_editor):
    Criterion = apps.get_model("assessments", "Criterion")
    for criterion in Criterion.objects.all():
        criterion.name_en = criterion.name_en or criterion.name
        criterion.description_en = criterion.description_en or criterion.description
        for language in OTHER_LANGUAGES:
            with translation.override(language):
                for field in ("name", "description"):
                    english = getattr(criterion, f"{field}_en")
                    translated = translation.gettext(english) if english else ""
                    if translated and translated != english:
                        setattr(criterion, f"{field}_{language}", translated)
        criterion.save()


class Migration(migrations.Migration):
    dependencies = [("assessments", "0003_criterion_translations")]
    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
