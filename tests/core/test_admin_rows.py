"""The admin lists whose rows the portal builds itself (`{% fast_result_list %}`) show
exactly the rows Django's own `{% result_list %}` would."""

from datetime import timedelta

import pytest
from django.contrib.admin.templatetags import admin_list
from django.utils import timezone

from applications.models import (
    Application,
    ApplicationStatus,
    ApplicationTheme,
    Municipality,
    Theme,
)
from iuc_portal.core.templatetags.admin_rows import fast_result_list
from tests.factories import CallFactory, UserFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/applications/application/"


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def applications():
    call = CallFactory(closes_at=timezone.now() + timedelta(days=3))
    housing = Theme.objects.get(slug="housing")
    rows = [
        Application.objects.create(
            call=call, city_name="Lyon & <Villeurbanne>", country="FR", side="eu",
            status=ApplicationStatus.SUBMITTED, submitted_at=call.closes_at + timedelta(hours=1),
            population=500_000,
        ),
        Application.objects.create(
            call=call, city_name="Twente", country="NL", side="eu", is_group=True,
            status=ApplicationStatus.DRAFT, population=None,
            extension_until=call.closes_at + timedelta(days=2), has_eligibility_problems=True,
        ),
        Application.objects.create(
            call=call, city_name="Osaka", country="JP", side="partner",
            status=ApplicationStatus.SUBMITTED, submitted_at=call.closes_at - timedelta(days=1),
            population=None,
        ),
    ]  # fmt: skip
    ApplicationTheme.objects.create(application=rows[0], theme=housing, priority=1)
    Municipality.objects.create(application=rows[1], name="Enschede", population=160_000)
    return rows


@pytest.mark.parametrize("query", ["", "?o=-2.4", "?q=Lyon", "?_popup=1", "?late=yes"])
def test_rows_are_the_markup_djangos_result_list_would_render(staff_client, applications, query):
    cl = staff_client.get(CHANGELIST + query).context["cl"]
    ours = [list(row) for row in fast_result_list(cl)["results"]]
    djangos = [list(row) for row in admin_list.result_list(cl)["results"]]
    assert ours == djangos
    assert ours, "the list shows rows"
