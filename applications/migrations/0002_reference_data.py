from django.db import migrations

from applications.reference import REGIONS, THEMES


def load_reference_data(apps, schema_editor):
    Theme = apps.get_model("applications", "Theme")
    Region = apps.get_model("applications", "Region")
    for position, (slug, name, sdg) in enumerate(THEMES, start=1):
        Theme.objects.update_or_create(
            slug=slug, defaults={"name": name, "sdg": sdg, "position": position}
        )
    for slug, name, is_eu in REGIONS:
        Region.objects.update_or_create(slug=slug, defaults={"name": name, "is_eu": is_eu})


class Migration(migrations.Migration):
    dependencies = [("applications", "0001_initial")]
    operations = [migrations.RunPython(load_reference_data, migrations.RunPython.noop)]
