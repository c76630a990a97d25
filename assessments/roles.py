"""The two assessment roles, held as groups (created by a data migration)."""

ASSESSOR_GROUP = "Assessor"
LEAD_GROUP = "Assessment lead"


def _groups(user) -> set[str]:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return set()
    cached = getattr(user, "_assessment_groups", None)
    if cached is None:
        cached = set(user.groups.values_list("name", flat=True))
        user._assessment_groups = cached
    return cached


def is_lead(user) -> bool:
    return bool(getattr(user, "is_superuser", False) and user.is_active) or LEAD_GROUP in _groups(
        user
    )


def is_assessor(user) -> bool:
    return ASSESSOR_GROUP in _groups(user)
