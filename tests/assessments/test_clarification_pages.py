"""The applicant's side of a clarification: e-mail, dashboard, one reopened section
after the deadline, the answer, the timeline; the assessors' diff."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from applications.models import Clarification
from assessments import services
from iuc_portal.mail.models import OutboundEmail
from tests.factories import CallFactory, UserFactory

from .helpers import assessor, lead, submitted

pytestmark = pytest.mark.django_db


@pytest.fixture
def setting():
    now = timezone.now()
    call = CallFactory(opens_at=now - timedelta(days=40), closes_at=now - timedelta(days=5))
    owner = UserFactory()
    application = submitted(call, "Porto", "PT", owner=owner, signing_authority="The Mayor")
    application.contact_name = "Old Name"
    application.save()
    boss, person = lead(), assessor()
    services.assign_assessor(application=application, assessor=person, by=boss)
    return {"call": call, "owner": owner, "application": application, "lead": boss,
            "assessor": person}  # fmt: skip


def _ask(setting, client):
    client.force_login(setting["assessor"])
    until = (timezone.localtime() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        reverse("assessments:ask", args=[setting["application"].pk]),
        {"question": "Who is the contact now?", "section": "contact", "until": until,
         "reason": "The contact left the city"},
    )  # fmt: skip
    assert response.status_code == 302
    return Clarification.objects.get()


def test_the_question_reaches_the_applicant_by_mail_and_on_the_dashboard(client, setting):
    clarification = _ask(setting, client)
    assert clarification.asked_by == setting["assessor"] and clarification.reopen_reason
    mail = OutboundEmail.objects.get(template="applications/email/clarification")
    assert mail.to_email == setting["owner"].email and "Who is the contact now?" in mail.body_text
    client.force_login(setting["owner"])
    body = client.get(reverse("applications:dashboard")).content.decode()
    assert "has a question about the application of Porto" in body
    body = client.get(reverse("applications:detail", args=[setting["application"].pk])).content
    assert "Who is the contact now?" in body.decode()


def test_after_the_deadline_only_the_reopened_section_can_be_changed(client, setting):
    _ask(setting, client)
    application = setting["application"]
    client.force_login(setting["owner"])
    themes = client.get(reverse("applications:edit", args=[application.pk, "themes"]))
    assert themes.status_code == 302  # locked: back to the application's page
    url = reverse("applications:edit", args=[application.pk, "contact"])
    assert client.get(url).status_code == 200
    client.post(url, {"contact_name": "New Name", "contact_email": "new@porto.example.pt",
                      "signing_authority": "The Mayor", "save": "1"})  # fmt: skip
    application.refresh_from_db()
    assert application.contact_name == "New Name" and application.status == "submitted"
    clarification = Clarification.objects.get()
    client.post(reverse("applications:answer", args=[application.pk, clarification.pk]),
                {"answer": "Our new contact is New Name."})  # fmt: skip
    clarification.refresh_from_db()
    assert clarification.state == "answered"
    assert client.get(url).status_code == 302  # locked again
    client.force_login(setting["assessor"])
    body = client.get(reverse("assessments:assess", args=[application.pk])).content.decode()
    assert "-Contact person: Old Name" in body and "+Contact person: New Name" in body


def test_the_reopening_ends_at_its_date(client, setting):
    _ask(setting, client)
    client.force_login(setting["owner"])
    url = reverse("applications:edit", args=[setting["application"].pk, "contact"])
    with time_machine.travel(timezone.now() + timedelta(days=4)):
        assert client.get(url).status_code == 302


def test_the_timeline_shows_steps_and_never_scores(client, setting):
    _ask(setting, client)
    client.force_login(setting["owner"])
    body = client.get(reverse("applications:detail", args=[setting["application"].pk]))
    text = body.content.decode()
    for step in ["Under assessment", "Clarification asked"]:
        assert step in text
    assert setting["assessor"].email not in text
