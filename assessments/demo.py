"""Demo assessment for `seed_demo`: the open `demo` call with criteria, a lead, three
assessors and scores (one application with a disagreement). Idempotent."""

from django.contrib.auth.models import Group

from applications.models import Call
from iuc_portal.accounts.services import ensure_user

from . import selectors, services
from .models import AssessorProfile, Assignment
from .roles import ASSESSOR_GROUP, LEAD_GROUP

# (email, full name, lead?, regions, languages)
DEMO_ASSESSORS = [
    ("lead@iuc.example.eu", "Lena Lead (assessment lead)", True, [], ["en"]),
    ("assessor1@iuc.example.eu", "Ana Assessor", False, ["eu", "latin-america-caribbean"],
     ["es", "pt", "en"]),
    ("assessor2@iuc.example.eu", "Bruno Assessor", False, ["eu"], ["it", "en"]),
    ("assessor3@iuc.example.eu", "Chen Assessor", False, ["asia"], ["zh", "en"]),
]  # fmt: skip

# The scores (same value on every criterion) each demo assessor gives, by city.
DEMO_SCORES = {
    "Barcelona": [5, 4],
    "Parma": [5, 1],  # a disagreement for the lead to see
    "Guangzhou": [4],  # one assessment still open
}


def seed_assessment(call: Call, *, password: str) -> list[tuple[str, str]]:
    users = []
    for email, name, is_lead, regions, languages in DEMO_ASSESSORS:
        user, _ = ensure_user(email=email, password=password, full_name=name, staff=is_lead)
        user.groups.add(Group.objects.get(name=LEAD_GROUP if is_lead else ASSESSOR_GROUP))
        if not is_lead:
            AssessorProfile.objects.update_or_create(
                user=user, defaults={"regions": regions, "languages": languages}
            )
        users.append(user)
    lead = users[0]
    services.set_up_assessment(call=call)
    services.auto_assign(call=call, by=lead)
    criteria = selectors.criteria_for(call)
    for city, values in DEMO_SCORES.items():
        assignments = Assignment.objects.filter(
            application__call=call, application__city_name=city, state="assigned"
        ).order_by("assessor_id")
        already = Assignment.objects.filter(
            application__call=call, application__city_name=city, state="submitted"
        ).count()
        for assignment, value in zip(assignments, values[already:], strict=False):
            services.save_scores(
                assignment=assignment,
                by=assignment.assessor,
                scores={c.pk: (min(value, c.scale_max), _comment(value)) for c in criteria},
            )
            services.submit_assessment(assignment=assignment, by=assignment.assessor)
    return [
        (email, "assessment lead, /assess/lead/" if is_lead else "assessor, /assess/")
        for email, _n, is_lead, _r, _l in DEMO_ASSESSORS
    ]


def _comment(value: int) -> str:
    if value >= 4:
        return "Clear and convincing."
    if value >= 2:
        return "Acceptable, with gaps."
    return "Not shown in the application."
