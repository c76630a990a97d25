from django.db import migrations

LEAD_PERMISSIONS = [
    "add_assessmentscheme", "change_assessmentscheme", "view_assessmentscheme",
    "add_criterion", "change_criterion", "delete_criterion", "view_criterion",
    "add_assessorprofile", "change_assessorprofile", "view_assessorprofile",
]  # fmt: skip


def create_roles(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    app_config = apps.get_app_config("assessments")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    Group.objects.get_or_create(name="Assessor")
    lead, _ = Group.objects.get_or_create(name="Assessment lead")
    lead.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="assessments", codename__in=LEAD_PERMISSIONS
        )
    )
    lead.permissions.add(
        *Permission.objects.filter(content_type__app_label="applications", codename="view_call")
    )


def default_criteria(apps, schema_editor):
    """Every existing call gets the default IUC criteria (new calls get them when the
    lead first assigns or opens the call's assessment)."""
    from assessments.models import DEFAULT_CRITERIA

    Call = apps.get_model("applications", "Call")
    Scheme = apps.get_model("assessments", "AssessmentScheme")
    Criterion = apps.get_model("assessments", "Criterion")
    for call in Call.objects.all():
        scheme, created = Scheme.objects.get_or_create(call=call)
        if created:
            for position, (name, description, weight, scale_max) in enumerate(
                DEFAULT_CRITERIA, start=1
            ):
                Criterion.objects.create(scheme=scheme, name=name, description=description,
                                         weight=weight, scale_max=scale_max, position=position)  # fmt: skip


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0001_initial"),
        ("applications", "0007_clarifications"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.RunPython(create_roles, migrations.RunPython.noop),
        migrations.RunPython(default_criteria, migrations.RunPython.noop),
    ]
