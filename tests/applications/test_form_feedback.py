"""After a failed save the official learns exactly what is wrong and how to go on."""

import pytest
from django.urls import reverse
from django.utils import translation

from applications import services
from tests.applications.helpers import ready_draft
from tests.factories import CallFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def official(client):
    CallFactory(slug="demo", partner_countries=["BR", "US"])
    user = UserFactory()
    client.force_login(user)
    return user


def test_a_failed_save_shows_an_error_summary_linking_each_field_and_says_error_in_the_title(
    client, official
):
    response = client.post(reverse("applications:start", args=["demo"]), {"continue": "1"})
    html = response.content.decode()
    assert "<title>Error:" in html
    summary = html.split('id="error-summary"')[1].split("</div>")[0]
    assert 'href="#id_country"' in summary and 'href="#id_city_name"' in summary


def test_a_form_level_error_is_shown_once(client, official):
    call = CallFactory(slug="demo")
    application = ready_draft(call=call, owner=official)
    response = client.post(
        reverse("applications:edit", args=[application.pk, "themes"]),
        {"theme_1": "housing", "theme_2": "housing", "motivation": "Learn.", "continue": "1"},
    )
    assert response.status_code == 200
    assert response.content.decode().count("Choose each theme only once.") == 1


def test_the_eligibility_message_names_countries_in_the_visitors_language(client, official):
    application = services.start_application(
        call=CallFactory(slug="demo"), by=official, country="GB", city_name="Leeds",
        changes={"is_group": False, "population": 800_000},
    )
    client.cookies["django_language"] = "es"
    html = client.get(reverse("applications:edit", args=[application.pk, "contact"])).content
    text = html.decode()
    assert "Reino Unido" in text and "Brasil" in text
    assert "(BR" not in text and " GB " not in text


def test_an_ineligible_but_complete_application_is_told_the_rule_not_to_complete_it(
    client, official
):
    call = CallFactory(slug="demo")
    application = ready_draft(call=call, owner=official, population=90_000)
    html = client.get(reverse("applications:review", args=[application.pk])).content.decode()
    assert "does not meet the rules of this call" in html
    assert "Complete the sections above" not in html
    response = client.post(reverse("applications:submit", args=[application.pk]), follow=True)
    assert "does not meet a rule of the call" in response.content.decode()
    application.refresh_from_db()
    assert application.status == "draft"


def test_a_submit_with_missing_answers_says_they_are_missing(client, official):
    call = CallFactory(slug="demo")
    application = services.start_application(
        call=call, by=official, country="NL", city_name="Utrecht",
        changes={"is_group": False, "population": 361_000},
    )
    response = client.post(reverse("applications:submit", args=[application.pk]), follow=True)
    assert "some answers are missing" in response.content.decode()
    with translation.override("en"):
        assert "Complete the sections above" in response.content.decode()
