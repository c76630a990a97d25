"""Whatever a browser can send gives field errors, never a 500 or a half-saved application."""

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from applications.models import Application
from tests.applications.helpers import ready_draft
from tests.factories import CallFactory, UserFactory

hostile_text = st.one_of(
    st.text(max_size=300),
    st.sampled_from([
        "", " ", "\x00", "<script>alert(1)</script>", "=cmd|' /C calc'!A0", "-1", "0",
        "99999999999999999999999", "1e6", "NaN", "１００００００", "' OR 1=1 --", "x" * 5000,
        "../../etc/passwd", "\u202eevil", "🏙️" * 50,
    ]),
)

SECTION_FIELDS = {
    "city": ["country", "city_name", "is_group", "population", "population_source",
             "population_year", "members-TOTAL_FORMS", "members-INITIAL_FORMS",
             "members-0-name", "members-0-population"],
    "contact": ["contact_name", "contact_role", "contact_email", "contact_phone",
                "signing_authority"],
    "themes": ["theme_1", "theme_2", "theme_3", "challenges", "motivation", "experience"],
    "preferences": ["preferred_regions", "preferred_countries", "languages", "partners_wanted"],
    "commitment": ["commits_to_18_months", "commitment_letter"],
}

SETTINGS = settings(
    max_examples=25, deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def setup(db):
    call = CallFactory(slug="demo")
    owner = UserFactory()
    application = ready_draft(call=call, owner=owner)
    client = Client(raise_request_exception=False)
    client.force_login(owner)
    return client, application


@pytest.mark.django_db
@pytest.mark.parametrize("section", list(SECTION_FIELDS))
@SETTINGS
@given(data=st.data())
def test_hostile_values_in_any_section_never_cause_a_server_error(setup, section, data):
    client, application = setup
    payload = {
        field: data.draw(hostile_text, label=field) for field in SECTION_FIELDS[section]
    }
    payload["continue"] = "1"
    response = client.post(reverse("applications:edit", args=[application.pk, section]), payload)
    assert response.status_code in {200, 302}
    application.refresh_from_db()
    assert application.city_name  # never blanked by a rejected post


@pytest.mark.django_db
@SETTINGS
@given(values=st.lists(hostile_text, min_size=4, max_size=4))
def test_a_rejected_first_section_saves_nothing(values):
    CallFactory(slug="demo")
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory())
    before = Application.objects.count()
    country, city, population, members = values
    response = client.post(
        reverse("applications:start", args=["demo"]),
        {"country": country, "city_name": city, "is_group": "1", "population": population,
         "members-TOTAL_FORMS": members, "members-INITIAL_FORMS": "0"},
    )
    assert response.status_code in {200, 302}
    if response.status_code == 200:
        assert Application.objects.count() == before
