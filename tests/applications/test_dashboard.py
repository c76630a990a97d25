"""The applicant dashboard reads narrow rows with hand-written SQL and keeps rendered
parts in memory: it must list exactly what the scoped ORM selectors list, in the
official's language, and show any change at once."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from applications import selectors
from applications.models import Application, ApplicationStatus, Call, Clarification
from pairings.models import Pairing, PairingStatus
from pairings.selectors import proposal_titles_for, proposals_for
from tests.factories import CallFactory, UserFactory
from tests.pairings.helpers import accepted

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    """Rotterdam's official with two applications, open and answered questions, open,
    expired and declined proposals; and another official's city with a question."""
    now = timezone.now()
    call = CallFactory(partner_countries=["IN", "BR"])
    official, other = UserFactory(), UserFactory()
    staff = UserFactory(is_staff=True)
    rotterdam = accepted(call, "Rotterdam", "NL", ["climate-adaptation"], owner=official)
    delft = accepted(call, "Delft", "NL", ["climate-adaptation"], owner=official)
    surat = accepted(call, "Surat", "IN", ["climate-adaptation"], owner=other)
    recife = accepted(call, "Recife", "BR", ["climate-adaptation"], owner=other)
    for application, state in [(rotterdam, "open"), (delft, "open"), (delft, "answered"),
                               (surat, "open")]:
        Clarification.objects.create(application=application, question="Why?",
                                     asked_by=staff, state=state)
    for eu, partner, status, respond_by in [
        (rotterdam, surat, PairingStatus.PROPOSED, now + timedelta(days=3)),
        (delft, recife, PairingStatus.PROPOSED, None),
        (delft, surat, PairingStatus.PROPOSED, now - timedelta(days=1)),  # expired
        (rotterdam, recife, PairingStatus.DISSOLVED, now + timedelta(days=3)),
    ]:
        Pairing.objects.create(call=call, eu_application=eu, partner_application=partner,
                               status=status, respond_by=respond_by)
    return {"call": call, "official": official, "other": other, "rotterdam": rotterdam}


def test_dashboard_reads_list_exactly_what_the_scoped_selectors_list(world):
    for user in (world["official"], world["other"]):
        assert [(a.pk, a.city_name, a.country_code, a.call_name, a.status_label, a.updated_at)
                for a in selectors.dashboard_applications(user)] == [
            (a.pk, a.city_name, a.country.code, a.call.name, a.get_status_display(), a.updated_at)
            for a in selectors.applications_for(user).order_by("-updated_at")
        ]
        assert sorted(selectors.dashboard_questions(user)) == sorted(
            (q.application_id, q.application.city_name)
            for q in selectors.open_clarifications_for(user)
        )
        assert proposal_titles_for(user) == [
            (p.pk, p.eu_application.city_name, p.partner_application.city_name)
            for p in proposals_for(user, answerable=True)
        ]
    assert len(proposal_titles_for(world["official"])) == 2
    assert [c.slug for c in selectors.open_call_rows()] == [
        c.slug for c in selectors.open_calls()
    ]


def test_dashboard_reads_nothing_for_an_anonymous_visitor(world):
    from django.contrib.auth.models import AnonymousUser

    nobody = AnonymousUser()
    assert selectors.dashboard_applications(nobody) == []
    assert selectors.dashboard_questions(nobody) == []
    assert proposal_titles_for(nobody) == []


def test_dashboard_shows_call_names_in_the_officials_language_falling_back_to_english(
    client, world
):
    Call.objects.filter(pk=world["call"].pk).update(name_en="Call for cities",
                                                    name_es="Convocatoria para ciudades")
    Call.objects.filter(pk=CallFactory(slug="untranslated").pk).update(
        name_en="Only in English", name_es="")
    client.force_login(world["official"])
    client.cookies["django_language"] = "es"
    html = client.get(reverse("applications:dashboard")).content.decode()
    assert html.count("Convocatoria para ciudades") == 3  # two applications, one open call
    assert "Only in English" in html
    with translation.override("es"):
        assert Call.objects.get(slug="untranslated").name == "Only in English"


def test_a_change_shows_at_once_on_the_dashboard_without_any_signal(client, world):
    """Rows are read on every request (queryset updates send no signal): rendered parts
    are keyed on them."""
    client.force_login(world["official"])
    url = reverse("applications:dashboard")
    before = client.get(url).content.decode()
    assert "Apply to" in before and "Paired" not in before
    Call.objects.filter(pk=world["call"].pk).update(name_en="A renamed call")
    Application.objects.filter(city_name="Delft").update(status=ApplicationStatus.PAIRED)
    after = client.get(url).content.decode()
    assert after.count("A renamed call") == 3 and "Paired" in after
    Call.objects.filter(pk=world["call"].pk).update(closes_at=timezone.now())
    assert "Apply to" not in client.get(url).content.decode()


def test_one_officials_dashboard_never_shows_anothers_rows(client, world):
    client.force_login(world["official"])
    client.get(reverse("applications:dashboard"))
    client.force_login(world["other"])
    html = client.get(reverse("applications:dashboard")).content.decode()
    assert "question about the application of Surat" in html
    assert "question about the application of Rotterdam" not in html
    rotterdam = reverse("applications:detail", args=[world["rotterdam"].pk])
    assert f'href="{rotterdam}">Rotterdam' not in html
