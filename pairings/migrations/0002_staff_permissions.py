from django.db import migrations

from iuc_portal.accounts.roles import grant_staff_permissions


def grant(apps, schema_editor):
    grant_staff_permissions(
        apps,
        "pairings",
        [
            "view_pairing", "add_pairing", "change_pairing",
            "view_matchrun", "add_matchrun",
            "view_pairdecision", "add_pairdecision", "change_pairdecision",
            "delete_pairdecision",
            "view_matchingsettings", "change_matchingsettings", "add_matchingsettings",
            "view_pairingtransition", "view_historicalpairing",
        ],
    )


class Migration(migrations.Migration):
    dependencies = [("pairings", "0001_initial")]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
