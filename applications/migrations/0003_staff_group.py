from django.db import migrations

from iuc_portal.accounts.roles import grant_staff_permissions


def grant(apps, schema_editor):
    grant_staff_permissions(
        apps,
        "applications",
        [
            "view_call", "add_call", "change_call",
            "view_theme", "add_theme", "change_theme",
            "view_region",
        ],
    )
    grant_staff_permissions(apps, "mail", ["view_outboundemail"])
    grant_staff_permissions(apps, "accounts", ["view_user"])


class Migration(migrations.Migration):
    dependencies = [
        ("applications", "0002_reference_data"),
        ("mail", "0001_initial"),
        ("accounts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
