"""People and applications of an assessment, made the way staff and cities do."""

from django.contrib.auth.models import Group

from applications.models import ApplicationStatus
from assessments.roles import ASSESSOR_GROUP, LEAD_GROUP
from tests.factories import UserFactory
from tests.pairings.helpers import accepted


def assessor(**fields):
    user = UserFactory(**fields)
    user.groups.add(Group.objects.get(name=ASSESSOR_GROUP))
    return user


def lead(**fields):
    user = UserFactory(is_staff=True, **fields)
    user.groups.add(Group.objects.get(name=LEAD_GROUP))
    return user


def submitted(call, city="Rotterdam", country="NL", *, owner=None, **fields):
    return accepted(
        call, city, country, ["climate-adaptation"], owner=owner or UserFactory(),
        status=ApplicationStatus.SUBMITTED, **fields,
    )  # fmt: skip


def score_all(assignment, value, *, by=None, comment="ok"):
    """Score every criterion with `value` (capped at each scale) and submit."""
    from assessments import selectors, services

    criteria = selectors.criteria_for(assignment.application.call)
    services.save_scores(
        assignment=assignment,
        by=by or assignment.assessor,
        scores={c.pk: (min(value, c.scale_max), comment) for c in criteria},
    )
    return services.submit_assessment(assignment=assignment, by=by or assignment.assessor)
