"""The assessor's and the lead's pages, driven through the test client."""

import csv
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from applications.models import Application, ApplicationStatus
from assessments import selectors, services
from assessments.models import Assignment, Score
from tests.factories import CallFactory

from .helpers import assessor, lead, score_all, submitted

pytestmark = pytest.mark.django_db


@pytest.fixture
def call():
    return CallFactory(slug="pages")


def test_an_assessor_scores_saves_a_draft_then_submits(client, call):
    application = submitted(call, "Porto", "PT")
    person = assessor()
    services.assign_assessor(application=application, assessor=person, by=lead())
    criteria = selectors.criteria_for(call)
    client.force_login(person)
    url = reverse("assessments:assess", args=[application.pk])
    page = client.get(url)
    assert page.status_code == 200 and criteria[1].name in page.content.decode()
    data = {f"score_{c.pk}": "3" for c in criteria[:2]} | {f"comment_{criteria[0].pk}": "fine"}
    assert client.post(url, data | {"save": "1"}).status_code == 302
    assert Score.objects.filter(assignment__assessor=person).count() == 2
    refused = client.post(url, data | {"submit": "1"})
    assert "Score every criterion first" in refused.content.decode()
    data = {f"score_{c.pk}": str(c.scale_max) for c in criteria}
    client.post(url, data | {"submit": "1"})
    assignment = Assignment.objects.get(assessor=person)
    assert assignment.state == "submitted" and assignment.weighted_score == Decimal("100.00")


def test_an_out_of_scale_or_garbage_score_is_an_error_not_a_500(client, call):
    application = submitted(call)
    person = assessor()
    services.assign_assessor(application=application, assessor=person, by=lead())
    criterion = selectors.criteria_for(call)[0]
    client.force_login(person)
    url = reverse("assessments:assess", args=[application.pk])
    for bad in ["9", "-1", "abc", "3.5", "\x00"]:
        response = client.post(url, {f"score_{criterion.pk}": bad, "submit": "1"})
        assert response.status_code == 200
    assert not Score.objects.exists()


def test_other_scores_appear_on_the_page_only_after_submitting(client, call):
    application = submitted(call)
    boss, me, them = lead(), assessor(), assessor()
    mine = services.assign_assessor(application=application, assessor=me, by=boss)
    theirs = services.assign_assessor(application=application, assessor=them, by=boss)
    score_all(theirs, 1, comment="Their private view")
    client.force_login(me)
    url = reverse("assessments:assess", args=[application.pk])
    assert "Their private view" not in client.get(url).content.decode()
    score_all(mine, 5)
    assert "Their private view" in client.get(url).content.decode()


def test_the_lead_decides_from_the_ranked_list(client, call):
    application = submitted(call, "Porto", "PT")
    other = submitted(call, "Braga", "PT")
    boss = lead()
    client.force_login(boss)
    url = reverse("assessments:decide", args=[application.pk])
    response = client.post(url, {"decision": "accept", "next": "ranked"})
    assert response["Location"] == reverse("assessments:ranked", args=[call.slug])
    application.refresh_from_db()
    assert application.status == ApplicationStatus.ACCEPTED
    client.post(reverse("assessments:decide", args=[other.pk]), {"decision": "reject"})
    other.refresh_from_db()
    assert other.status == ApplicationStatus.SUBMITTED  # no reason: refused


def test_export_lists_the_ranked_rows_as_csv_and_xlsx(client, call):
    boss, a, b = lead(), assessor(), assessor()
    for city, x, y in [("Porto", 5, 1), ("Braga", 4, 4), ("=cmd", 0, 0)]:
        application = submitted(call, city, "PT")
        score_all(services.assign_assessor(application=application, assessor=a, by=boss), x)
        score_all(services.assign_assessor(application=application, assessor=b, by=boss), y)
    client.force_login(boss)
    response = client.get(reverse("assessments:export", args=[call.slug, "csv"]))
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [r["city"] for r in rows] == ["Braga", "Porto", "'=cmd"]
    assert rows[1]["disagreement"] == "yes" and rows[0]["disagreement"] == "no"
    response = client.get(reverse("assessments:export", args=[call.slug, "xlsx"]) + "?side=partner")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.max_row == 1  # only the header: no partner city


def _bulk_call(call, applications: int):
    """`applications` submitted applications, two submitted assessments each (and one
    score row per assessment: 2 × applications scores)."""
    services.set_up_assessment(call=call)
    criterion = selectors.criteria_for(call)[0]
    a, b = assessor(), assessor()
    apps = Application.objects.bulk_create(
        Application(call=call, side="eu", city_name=f"City {i:04}", country="NL",
                    status=ApplicationStatus.SUBMITTED, population=200_000)
        for i in range(applications)
    )  # fmt: skip
    assignments = Assignment.objects.bulk_create(
        Assignment(application=app, assessor=person, state="submitted",
                   weighted_score=Decimal(10 + (i * 7 + j * 31) % 90))
        for i, app in enumerate(apps) for j, person in enumerate([a, b])
    )  # fmt: skip
    Score.objects.bulk_create(
        Score(assignment=x, criterion=criterion, value=3) for x in assignments
    )


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_ranked_list_queries_stay_flat_with_1000_applications_and_2000_scores(client):
    small, big = CallFactory(slug="small"), CallFactory(slug="big")
    _bulk_call(small, 5)
    _bulk_call(big, 1000)
    assert Score.objects.filter(assignment__application__call=big).count() == 2000
    boss = lead()
    client.force_login(boss)
    for name, args in [("ranked", []), ("export", ["csv"])]:
        few = _queries(client, reverse(f"assessments:{name}", args=["small", *args]))
        many = _queries(client, reverse(f"assessments:{name}", args=["big", *args]))
        assert many == few, name
    page = client.get(reverse("assessments:ranked", args=["big"]) + "?page=10&flag=disagreement")
    assert page.status_code == 200
