from django.db import migrations

from iuc_portal.accounts.roles import grant_staff_permissions


def grant(apps, schema_editor):
    grant_staff_permissions(
        apps,
        "action_plans",
        [
            "view_localactionplan", "change_localactionplan",
            "view_milestone", "change_milestone", "view_evidence",
            "view_pilotproject", "change_pilotproject", "view_mou",
            "view_remindersent", "view_historicalmilestone", "view_historicallocalactionplan",
        ],
    )


class Migration(migrations.Migration):
    dependencies = [("action_plans", "0001_initial")]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
