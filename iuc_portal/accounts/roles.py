"""The "Programme staff" group: staff review applications and pair cities in the admin.

Each app's data migration grants the group the permissions on its own models with
`grant_staff_permissions`, so the group follows the models as they are added.
"""

STAFF_GROUP = "Programme staff"


def grant_staff_permissions(apps, app_label: str, codenames: list[str]) -> None:
    """For data migrations: give the staff group these permissions of one app."""
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after migrate; create them now so they exist.
    app_config = apps.get_app_config(app_label)
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=STAFF_GROUP)
    permissions = Permission.objects.filter(
        content_type__app_label=app_label, codename__in=codenames
    )
    missing = set(codenames) - set(permissions.values_list("codename", flat=True))
    if missing:
        raise RuntimeError(f"Unknown permissions for {app_label}: {sorted(missing)}")
    group.permissions.add(*permissions)
