from django.db import migrations

from iuc_portal.accounts.roles import grant_staff_permissions


def grant(apps, schema_editor):
    grant_staff_permissions(
        apps,
        "applications",
        [
            "view_application", "change_application",
            "view_municipality", "view_statuschange", "view_historicalapplication",
        ],
    )


class Migration(migrations.Migration):
    dependencies = [("applications", "0004_applications")]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
