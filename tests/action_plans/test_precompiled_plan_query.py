"""The plan page's query is compiled once per worker and run with each request's ids
(selectors.plan_for_page): it must answer exactly as the queryset it was compiled
from, for every user, whoever asked before."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from action_plans import selectors
from action_plans.models import LocalActionPlan
from pairings import services as pairing_services
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _compare(user, plans):
    for plan in plans:
        expected = selectors.plan_page_plans(user).filter(pk=plan.pk).first()
        found = selectors.plan_for_page(user, plan.pk)
        assert (found and found.pk) == (expected and expected.pk), (user, plan)
        if found:
            assert found.other_plan_id == expected.other_plan_id
            assert found.pairing.call.name == expected.pairing.call.name
            assert found.application.city_name == expected.application.city_name


def test_the_compiled_plan_query_reads_what_the_queryset_reads_for_each_user(pair):
    owners, plan, *_ = pair
    plans = list(LocalActionPlan.objects.all())
    stranger = UserFactory()
    staff = UserFactory(is_staff=True, is_superuser=True)
    plain_staff = UserFactory(is_staff=True)  # staff without the permission: own plans only
    # One after the other, each user with their own ids in the same compiled query.
    for user in (owners["rotterdam"], stranger, owners["surat"], staff, plain_staff,
                 owners["rotterdam"]):
        _compare(user, plans)
    assert selectors.plan_for_page(stranger, plan.pk) is None
    assert selectors.plan_for_page(AnonymousUser(), plan.pk) is None
    assert selectors.plan_for_page(owners["rotterdam"], 10**9) is None


def test_a_dissolved_pairing_ends_the_partners_reading_at_once_through_the_compiled_query(pair):
    owners, plan, *_ = pair
    assert selectors.plan_for_page(owners["surat"], plan.pk) is not None
    pairing_services.dissolve_pairing(pairing=plan.pairing, by=UserFactory(is_staff=True),
                                      reason="Stopped")
    assert selectors.plan_for_page(owners["surat"], plan.pk) is None
    assert selectors.plan_for_page(owners["rotterdam"], plan.pk) is not None
    _compare(owners["surat"], LocalActionPlan.objects.all())


def test_two_officials_each_open_their_own_plan_page_and_not_a_strangers(client, pair):
    owners, plan, *_ = pair
    stranger = UserFactory()
    client.force_login(owners["rotterdam"])
    assert client.get(reverse("action_plans:detail", args=[plan.pk])).status_code == 200
    client.force_login(stranger)
    assert client.get(reverse("action_plans:detail", args=[plan.pk])).status_code == 404
    client.force_login(owners["rotterdam"])
    html = client.get(reverse("action_plans:detail", args=[plan.pk])).content.decode()
    assert plan.application.city_name in html
