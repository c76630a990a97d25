"""The city section's fields are rendered once for their values and reused
(applications.views._city_form_html): a change shows at once, each official sees their
own values, each language its own words, and nothing of a request is kept."""

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from applications import services
from applications.models import Application
from tests.factories import CallFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def call():
    return CallFactory(slug="demo", partner_countries=["BR"])


def _draft(call, owner, city, population, members=()):
    return services.start_application(
        call=call, by=owner, country="NL", city_name=city,
        changes={"is_group": bool(members), "population": None if members else population},
        members=list(members),
    )


def _signed_in(user, language="en"):
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = language
    return client


def _city_page(client, application):
    response = client.get(reverse("applications:edit", args=[application.pk, "city"]))
    assert response.status_code == 200
    return response.content.decode()


def test_a_changed_city_shows_at_once_in_the_cached_fields(call):
    owner = UserFactory()
    application = _draft(call, owner, "Rotterdam", 651_000)
    client = _signed_in(owner)
    assert 'value="Rotterdam"' in _city_page(client, application)
    # A change made elsewhere (another worker, the admin) shows on the next request.
    Application.objects.filter(pk=application.pk).update(city_name="Delft", population=104_000)
    html = _city_page(client, application)
    assert 'value="Delft"' in html and 'value="104000"' in html
    assert "Rotterdam" not in html and 'value="651000"' not in html


def test_changed_member_municipalities_show_at_once(call):
    owner = UserFactory()
    application = _draft(call, owner, "Foodvalley", None, [("Ede", 60_000), ("Wageningen", 40_000)])
    client = _signed_in(owner)
    assert 'value="Wageningen"' in _city_page(client, application)
    services.update_draft(application=application, by=owner, changes={"is_group": True},
                          members=[("Ede", 60_000), ("Barneveld", 61_000)])
    html = _city_page(client, application)
    assert 'value="Barneveld"' in html and "Wageningen" not in html
    assert 'value="61000"' in html


def test_two_officials_each_see_their_own_values_and_token(call):
    first, second = UserFactory(), UserFactory()
    mine = _draft(call, first, "Rotterdam", 651_000)
    theirs = _draft(call, second, "Porto", 232_000)
    first_client, second_client = _signed_in(first), _signed_in(second)
    html_first = _city_page(first_client, mine)
    html_second = _city_page(second_client, theirs)
    assert 'value="Rotterdam"' in html_first and "Porto" not in html_first
    assert 'value="Porto"' in html_second and "Rotterdam" not in html_second
    token_first = first_client.cookies["csrftoken"].value
    token_second = second_client.cookies["csrftoken"].value
    assert token_first != token_second
    # Each page's forms carry that visitor's own token, never the other's.
    assert html_second.count('name="csrfmiddlewaretoken"') >= 2
    for html, other in ((html_first, second_client), (html_second, first_client)):
        other_page = _city_page(other, theirs if other is second_client else mine)
        tokens = {
            part.split('"', 1)[0]
            for part in other_page.split('name="csrfmiddlewaretoken" value="')[1:]
        }
        assert tokens and not any(token in html for token in tokens)
    # Nor can one official open the other's draft.
    response = first_client.get(reverse("applications:edit", args=[theirs.pk, "city"]))
    assert response.status_code == 404


def test_the_cached_fields_are_in_the_visitors_language(call):
    owner = UserFactory()
    application = _draft(call, owner, "Rotterdam", 651_000)
    english = _city_page(_signed_in(owner, "en"), application)
    spanish = _city_page(_signed_in(owner, "es"), application)

    def label(html):
        return html.split('for="id_population"')[1].split("</label>")[0]

    assert "Population" in label(english)
    assert "Población" in label(spanish)

    def country(html):
        return html.split('<option value="NL" selected>')[1].split("<")[0]

    assert country(english) == "Netherlands" and country(spanish) == "Países Bajos"


def test_the_cached_fields_match_the_fields_drawn_afresh(call, settings):
    owner = UserFactory()
    application = _draft(call, owner, "Rotterdam", 651_000)
    client = _signed_in(owner)
    first = _city_page(client, application)  # rendered, then kept
    again = _city_page(client, application)  # from the store

    def form_of(html):
        return html.split('id="application-form">')[1].split("</form>")[0].split(
            "</button>", 1)[1]

    assert form_of(first) == form_of(again)
    assert f'max="{date.today().year}"' in form_of(again)


def test_an_invalid_post_shows_its_errors_not_a_kept_form(call):
    owner = UserFactory()
    application = _draft(call, owner, "Rotterdam", 651_000)
    client = _signed_in(owner)
    _city_page(client, application)
    response = client.post(
        reverse("applications:edit", args=[application.pk, "city"]),
        {"country": "NL", "city_name": "", "is_group": "0", "population": "abc",
         "members-TOTAL_FORMS": "0", "members-INITIAL_FORMS": "0"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="error-summary"' in html and "is-invalid" in html
    assert 'value="abc"' in html
