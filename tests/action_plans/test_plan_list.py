"""Staff's /plans/ lists every plan a page at a time, and finds a city by name."""

import pytest
from django.urls import reverse

from tests.core.test_query_budgets import many_plans
from tests.factories import CallFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_staff_plan_list_shows_fifty_plans_a_page(staff):
    many_plans(CallFactory(partner_countries=["JP"]), 30)  # 60 plans
    first = staff.get(reverse("action_plans:list")).content.decode()
    assert first.count("/plans/") - first.count('href="/plans/"') >= 50
    assert "Page 1 of 2" in first
    second = staff.get(reverse("action_plans:list"), {"page": 2}).content.decode()
    assert "Page 2 of 2" in second
    assert "EU city 00029" in second or "Partner city 00029" in second


def test_staff_plan_list_finds_a_city_and_says_when_nothing_matches(staff):
    many_plans(CallFactory(partner_countries=["JP"]), 30)
    found = staff.get(reverse("action_plans:list"), {"q": "city 00007"}).content.decode()
    assert "EU city 00007" in found and "Partner city 00007" in found
    assert "EU city 00008" not in found
    nothing = staff.get(reverse("action_plans:list"), {"q": "Atlantis"}).content.decode()
    assert "No plan matches “Atlantis”." in nothing


def test_plan_list_survives_a_hostile_page_number(staff):
    assert staff.get(reverse("action_plans:list"), {"page": "x' OR 1=1"}).status_code == 200
