"""Every URL of the assessment feature, as every role: who reaches what.

A city and programme staff without an assessment role reach nothing; an assessor
only the applications assigned to it; a conflicted assessor nothing of that
application (not even its name); the lead everything. Refused writes change nothing.
"""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from applications import services as application_services
from applications.models import Clarification
from assessments import services
from assessments.models import Assignment
from tests.applications.helpers import pdf_bytes
from tests.factories import CallFactory, UserFactory

from .helpers import assessor, lead, score_all, submitted

pytestmark = pytest.mark.django_db

CITY = "Secretville"
ROLES = ["anonymous", "city", "staff", "assessor", "other_assessor", "conflicted", "lead"]
ASSESSOR_PAGES = {"assess", "conflict", "letter", "assess_post", "conflict_post"}
LEAD_PAGES = {"calls", "ranked", "csv", "xlsx", "lead_application",
              "assign", "third", "decide", "auto_assign"}  # fmt: skip


@pytest.fixture
def world():
    call = CallFactory(slug="sweep")
    owner = UserFactory()
    application = submitted(call, CITY, "NL", owner=owner)
    application.commitment_letter.save("letter.pdf", ContentFile(pdf_bytes()), save=True)
    boss = lead()
    mine, other, conflicted, spare = assessor(), assessor(), assessor(), assessor()
    services.assign_assessor(application=application, assessor=mine, by=boss)
    gone = services.assign_assessor(application=application, assessor=conflicted, by=boss)
    services.declare_conflict(assignment=gone, by=conflicted, reason="former employee")
    scored = services.assign_assessor(application=application, assessor=spare, by=boss)
    score_all(scored, 4, comment="A confidential comment")
    clarification = services.ask_applicant(
        application=application, by=boss, question="Which department leads?",
        section="contact", until=timezone.now() + timedelta(days=3), reason="unclear",
    )  # fmt: skip
    staff = UserFactory(is_staff=True)
    staff.groups.add(Group.objects.get(name="Programme staff"))
    return {
        "call": call, "application": application, "clarification": clarification,
        "users": {"anonymous": None, "city": owner, "staff": staff, "assessor": mine,
                  "other_assessor": other, "conflicted": conflicted, "lead": boss},
    }  # fmt: skip


def requests(world):
    pk, slug = world["application"].pk, world["call"].slug
    cid = world["clarification"].pk
    return [  # GETs first, then the writes, the one that ends access last
        ("mine", "get", reverse("assessments:mine"), {}),
        ("assess", "get", reverse("assessments:assess", args=[pk]), {}),
        ("conflict", "get", reverse("assessments:conflict", args=[pk]), {}),
        ("letter", "get", reverse("assessments:letter", args=[pk]), {}),
        ("calls", "get", reverse("assessments:calls"), {}),
        ("ranked", "get", reverse("assessments:ranked", args=[slug]), {}),
        ("csv", "get", reverse("assessments:export", args=[slug, "csv"]), {}),
        ("xlsx", "get", reverse("assessments:export", args=[slug, "xlsx"]), {}),
        ("lead_application", "get", reverse("assessments:lead_application", args=[pk]), {}),
        ("ask", "post", reverse("assessments:ask", args=[pk]), {"question": "Another one?"}),
        ("assess_post", "post", reverse("assessments:assess", args=[pk]), {"save": "1"}),
        ("assign", "post", reverse("assessments:assign", args=[pk]), {"assessor": "0"}),
        ("third", "post", reverse("assessments:third", args=[pk]), {}),
        ("auto_assign", "post", reverse("assessments:auto_assign", args=[slug]), {}),
        ("answer", "post", reverse("applications:answer", args=[pk, cid]), {"answer": "HR"}),
        ("decide", "post", reverse("assessments:decide", args=[pk]), {"decision": "accept"}),
        ("conflict_post", "post", reverse("assessments:conflict", args=[pk]), {"reason": "x"}),
    ]


def expected(role: str, name: str) -> int:
    if role == "anonymous":
        return 302  # to the sign-in page
    if name == "answer":
        return 302 if role == "city" else 404
    if role in {"city", "staff"}:
        return 403
    if name == "mine":
        return 200
    if name == "ask":
        return 302 if role in {"assessor", "lead"} else 404
    if role == "lead":
        if name in LEAD_PAGES or name == "letter":
            return 302 if name in {"assign", "third", "decide", "auto_assign"} else 200
        return 404  # the lead is not an assessor of this application
    if name in LEAD_PAGES:
        return 403
    if role == "assessor":
        return 302 if name.endswith("_post") else 200
    return 404  # not assigned, or conflicted


@pytest.mark.parametrize("role", ROLES)
def test_every_assessment_url_as_every_role(client, world, role):
    user = world["users"][role]
    if user is not None:
        client.force_login(user)
    seen = []
    for name, method, url, data in requests(world):
        response = getattr(client, method)(url, data)
        seen.append((name, response.status_code, expected(role, name)))
        if role == "anonymous":
            assert "/accounts/login/" in response["Location"], name
        if expected(role, name) in {403, 404} or role in {"conflicted", "other_assessor"}:
            body = response.content.decode(errors="replace")
            assert CITY not in body, f"{role} sees the application on {name}"
            assert "confidential comment" not in body, f"{role} sees a comment on {name}"
    assert [(n, got) for n, got, _ in seen] == [(n, want) for n, _, want in seen]


@pytest.mark.parametrize("role", ["anonymous", "city", "staff", "other_assessor", "conflicted"])
def test_refused_writes_change_nothing(client, world, role):
    user = world["users"][role]
    if user is not None:
        client.force_login(user)
    for _name, method, url, data in requests(world):
        if method == "post" and _name != "answer":
            getattr(client, method)(url, data)
    application = world["application"]
    application.refresh_from_db()
    assert application.status == "submitted"
    assert Clarification.objects.filter(application=application).count() == 1
    assert Assignment.objects.filter(application=application).count() == 3
    assert Assignment.objects.get(assessor=world["users"]["assessor"]).state == "assigned"


def test_a_city_never_sees_scores_or_assessors_on_its_own_pages(client, world):
    client.force_login(world["users"]["city"])
    application = world["application"]
    for url in [reverse("applications:detail", args=[application.pk]),
                reverse("applications:dashboard")]:  # fmt: skip
        body = client.get(url).content.decode()
        assert "confidential comment" not in body
        assert world["users"]["assessor"].email not in body
        assert "Weighted" not in body and "80.00" not in body
    body = client.get(reverse("applications:detail", args=[application.pk])).content.decode()
    assert "Under assessment" in body and "Clarification asked" in body


def test_a_lead_with_a_conflict_sees_nothing_of_that_application(client, world):
    boss = world["users"]["lead"]
    boss.groups.add(Group.objects.get(name="Assessor"))
    application = world["application"]
    assignment = Assignment.objects.create(application=application, assessor=boss)
    services.declare_conflict(assignment=assignment, by=boss, reason="my city")
    client.force_login(boss)
    assert (
        client.get(reverse("assessments:lead_application", args=[application.pk])).status_code
        == 404
    )
    body = client.get(reverse("assessments:ranked", args=[world["call"].slug])).content.decode()
    assert CITY not in body
    with pytest.raises(services.NotAllowed):
        services.decide_application(application=application, by=boss, decision="accept")
    assert application_services  # the application rules were not reached
