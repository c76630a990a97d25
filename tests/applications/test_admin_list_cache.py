"""The application list's content comes from the cache while the data it shows is
unchanged (iuc_portal/core/admin_list_cache.py): the same page as when it is built, a
change shows at once, and each reader keeps their own CSRF token and permissions."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from applications import services
from applications.models import (
    Application,
    ApplicationStatus,
    ApplicationTheme,
    Municipality,
    Theme,
)
from tests.applications.test_admin import CHANGELIST, bulk_applications, make_application
from tests.factories import CallFactory, UserFactory

pytestmark = pytest.mark.django_db

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')


@pytest.fixture
def call():
    from django.utils import timezone

    now = timezone.now()
    return CallFactory(
        slug="review", opens_at=now - timedelta(days=60), closes_at=now + timedelta(days=30)
    )


@pytest.fixture
def superuser_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def page(client, url=CHANGELIST) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def hit(client, url=CHANGELIST) -> str:
    """The page, asserting its content came from the cache (no list was built)."""
    response = client.get(url)
    assert response.status_code == 200
    assert type(response.context["cl"]).__name__ == "CachedChangeList"
    return response.content.decode()


@pytest.mark.parametrize("query", ["", "?o=-2.4", "?late=no", "?all=", "?p=2", "?theme=housing"])
def test_list_page_from_the_cache_is_the_page_built_without_it(superuser_client, call, query):
    bulk_applications(call, 60)
    built = page(superuser_client, CHANGELIST + query)
    cached = hit(superuser_client, CHANGELIST + query)
    assert CSRF.sub("", cached) == CSRF.sub("", built)
    assert "list-content-csrf-token" not in cached


def test_cached_list_shows_a_new_applications_country_and_row_at_once(superuser_client, call):
    make_application(call, "Lyon", "FR")
    page(superuser_client)
    assert "Brazil" not in hit(superuser_client)
    make_application(call, "Curitiba", "BR")
    content = page(superuser_client)
    assert "Curitiba" in content
    assert '?country=BR"' in content  # the country filter offers Brazil
    assert "0 of 2 selected" in content


def test_cached_list_shows_a_renamed_theme_at_once(superuser_client, call):
    make_application(call, "Lyon", themes=("housing",))
    assert '<td class="field-theme_names">Housing</td>' in page(superuser_client)
    theme = Theme.objects.get(slug="housing")
    theme.name_en = "Homes"
    theme.save()
    content = page(superuser_client)
    assert '<td class="field-theme_names">Homes</td>' in content
    assert "?theme=housing" in content and ">Homes</a>" in content


def test_cached_list_shows_a_renamed_call_at_once(superuser_client, call):
    make_application(call, "Lyon")
    old_name = call.name
    assert old_name in page(superuser_client)
    call.name_en = "Second call for cities"
    call.save()
    content = page(superuser_client)
    assert '<td class="field-call nowrap">Second call for cities</td>' in content
    assert old_name not in content


def test_cached_list_shows_a_decision_taken_through_the_service_at_once(superuser_client, call):
    lyon = make_application(call, "Lyon")
    assert '<td class="field-status">Submitted</td>' in page(superuser_client)
    services.accept_application(application=lyon, by=UserFactory(is_staff=True))
    content = page(superuser_client)
    assert '<td class="field-status">Accepted for matching</td>' in content
    assert '<td class="field-status">Submitted</td>' not in content


def test_cached_list_shows_a_decision_taken_through_an_admin_action_at_once(
    superuser_client, call
):
    lyon = make_application(call, "Lyon")
    page(superuser_client)
    response = superuser_client.post(
        CHANGELIST, {"action": "accept_for_matching", "_selected_action": [lyon.pk]}
    )
    assert response.status_code == 302
    assert '<td class="field-status">Accepted for matching</td>' in page(superuser_client)


def test_cached_list_shows_changed_theme_choices_and_group_members_at_once(
    superuser_client, call
):
    group = make_application(call, "Twente", "NL", is_group=True, population=None)
    Municipality.objects.create(application=group, name="Enschede", population=160_000)
    assert "160,000 (group of 1)" in page(superuser_client)
    # Bulk writes, as the import and the city's draft make them (no history row).
    Municipality.objects.filter(application=group).update(population=170_000)
    assert "170,000 (group of 1)" in page(superuser_client)
    ApplicationTheme.objects.filter(application=group).delete()
    ApplicationTheme.objects.create(
        application=group, theme=Theme.objects.get(slug="air-quality"), priority=1
    )
    assert '<td class="field-theme_names">Air quality</td>' in page(superuser_client)


def test_cached_list_shows_bulk_created_applications_at_once(superuser_client, call):
    bulk_applications(call, 3)
    page(superuser_client)
    bulk_applications(call, 2, start=3)
    assert "City 00004" in page(superuser_client)
    Application.objects.filter(city_name="City 00004").update(
        status=ApplicationStatus.REJECTED, updated_at=call.closes_at
    )
    assert '<td class="field-status">Rejected</td>' in page(superuser_client)


def test_cached_list_gives_each_reader_their_own_csrf_token(call):
    lyon = make_application(call, "Lyon")
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    for client in (first, second):
        client.force_login(UserFactory(is_staff=True, is_superuser=True))
    page(first)
    content = hit(second)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', content)[1]
    response = second.post(
        CHANGELIST,
        {
            "action": "accept_for_matching",
            "_selected_action": [lyon.pk],
            "csrfmiddlewaretoken": token,
        },
    )
    assert response.status_code == 302
    lyon.refresh_from_db()
    assert lyon.status == ApplicationStatus.ACCEPTED


def test_cached_list_content_follows_the_readers_permissions(superuser_client, client, call):
    make_application(call, "Lyon")
    assert 'value="accept_for_matching"' in page(superuser_client)
    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_application"))
    reader = Client()
    reader.force_login(viewer)
    content = page(reader)
    assert "Lyon" in content
    assert 'value="accept_for_matching"' not in content
    assert "Import CSV" not in content


def test_cached_list_page_asks_only_session_user_permissions_and_the_stamp(
    superuser_client, call
):
    bulk_applications(call, 30)
    page(superuser_client)
    with CaptureQueriesContext(connection) as queries:
        hit(superuser_client)
    # session, user, second factor, the stamp
    assert len(queries.captured_queries) <= 5, [q["sql"] for q in queries.captured_queries]


def test_search_is_never_answered_from_the_cache(superuser_client, call):
    lyon = make_application(call, "Lyon")
    lyon.owner = UserFactory(email="mayor@lyon.example")
    lyon.save()
    assert "Lyon" in page(superuser_client, CHANGELIST + "?q=mayor%40lyon")
    lyon.owner.email = "office@lyon.example"
    lyon.owner.save()  # not a change of any application
    assert "0 results" in page(superuser_client, CHANGELIST + "?q=mayor%40lyon")


def test_language_is_part_of_the_cached_content(superuser_client, call):
    Theme.objects.filter(slug="housing").update(name_en="Housing", name_fr="Logement")
    make_application(call, "Lyon", themes=("housing",))
    assert '<td class="field-theme_names">Housing</td>' in page(superuser_client)
    superuser_client.cookies["django_language"] = "fr"
    assert '<td class="field-theme_names">Logement</td>' in page(superuser_client)


def test_navigation_sidebar_follows_the_readers_permissions_at_once(client, call):
    user = UserFactory(is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_application"))
    client.force_login(user)
    assert "/admin/applications/theme/" not in page(client)
    user.user_permissions.add(Permission.objects.get(codename="view_theme"))
    assert "/admin/applications/theme/" in page(client)

