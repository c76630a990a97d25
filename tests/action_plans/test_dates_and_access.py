"""Dates a city enters are kept in range; whatever is stored still renders; access to
the partner's plan ends with the pairing."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from action_plans import selectors, services
from action_plans.dating import add_months, months_between
from action_plans.models import LocalActionPlan, Milestone
from pairings import services as pairing_services
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("months", [10**6, -(10**6), 12 * 8000])
def test_add_months_never_raises_it_clamps_to_the_calendar(months):
    result = add_months(date(2025, 1, 31), months)
    assert result in {date.max, date.min} or isinstance(result, date)
    assert add_months(date(9999, 12, 31), 1) == date.max
    assert add_months(date(1, 1, 1), -1) == date.min


def test_months_between_handles_the_last_day_of_the_calendar():
    assert months_between(date(2025, 1, 1), date.max) > 18 * 400


def _store_far_milestone(plan, day=date(9999, 12, 31)):
    """Like a row written before the range check existed: straight into the table."""
    return Milestone.objects.create(plan=plan, month=60, title="Far away", due_date=day,
                                    is_custom=True)


@pytest.mark.parametrize("day", [date(9999, 12, 31), date(1, 1, 1)])
def test_a_plan_with_a_stored_extreme_date_renders_for_owner_partner_and_staff(client, pair, day):
    owners, plan, *_ = pair
    far = _store_far_milestone(plan, day)
    staff = UserFactory(is_staff=True, is_superuser=True)
    partner_plan = LocalActionPlan.objects.exclude(pk=plan.pk).get(pairing=plan.pairing)
    for user in (owners["rotterdam"], owners["surat"], staff):
        client.force_login(user)
        for url in (
            reverse("action_plans:detail", args=[plan.pk]),
            reverse("action_plans:detail", args=[partner_plan.pk]),
            reverse("action_plans:milestone", args=[plan.pk, far.pk]),
            reverse("action_plans:list"),
            reverse("admin:action_plans_localactionplan_change", args=[plan.pk]),
            reverse("admin:action_plans_localactionplan_changelist"),
        ):
            if url.startswith("/admin/") and user is not staff:
                continue
            assert client.get(url).status_code == 200, (user, url)
    assert services.render_plan_pdf(plan_id=plan.pk) in {True, False}
    plan.refresh_from_db()
    assert plan.pdf


def test_the_owner_deletes_the_broken_milestone_and_history_keeps_who(client, pair):
    owners, plan, *_ = pair
    far = _store_far_milestone(plan)
    client.force_login(owners["rotterdam"])
    response = client.post(reverse("action_plans:delete_milestone", args=[plan.pk, far.pk]))
    assert response.status_code == 302
    assert not Milestone.objects.filter(pk=far.pk).exists()
    deleted = Milestone.history.filter(id=far.pk, history_type="-").get()
    assert deleted.history_user == owners["rotterdam"]


def test_the_owner_re_dates_a_milestone_within_the_plan_with_history(client, pair):
    owners, plan, milestone, *_ = pair
    client.force_login(owners["rotterdam"])
    url = reverse("action_plans:edit_milestone", args=[plan.pk, milestone.pk])
    response = client.post(url, {"title": "Kick-off meeting", "due_date": "2025-03-15"})
    assert response.status_code == 302
    milestone.refresh_from_db()
    assert (milestone.title, milestone.due_date, milestone.month) == (
        "Kick-off meeting", date(2025, 3, 15), 2)
    assert milestone.history.first().history_user == owners["rotterdam"]

    response = client.post(url, {"title": "Kick-off meeting", "due_date": "9999-12-31"})
    assert response.status_code == 200
    assert "within the plan" in response.content.decode()
    milestone.refresh_from_db()
    assert milestone.due_date == date(2025, 3, 15)


def test_a_programme_milestone_cannot_be_deleted_only_re_dated(pair):
    owners, plan, milestone, *_ = pair
    with pytest.raises(ValidationError):
        services.delete_milestone(milestone=milestone, by=owners["rotterdam"])
    assert Milestone.objects.filter(pk=milestone.pk).exists()


def test_the_partner_cannot_edit_or_delete_a_milestone(client, pair):
    owners, plan, *_ = pair
    mine = services.add_milestone(plan=plan, by=owners["rotterdam"], title="Visit",
                                  due_date=date(2025, 6, 1))
    client.force_login(owners["surat"])
    for name in ("edit_milestone", "delete_milestone"):
        response = client.post(reverse(f"action_plans:{name}", args=[plan.pk, mine.pk]),
                               {"title": "x", "due_date": "2025-07-01"})
        assert response.status_code == 403
    mine.refresh_from_db()
    assert mine.title == "Visit"


@pytest.mark.parametrize("due", ["9999-12-31", "1900-01-01", "2023-12-31", "2028-07-02"])
def test_a_milestone_outside_the_plan_period_is_refused_by_the_service(client, pair, due):
    owners, plan, *_ = pair
    client.force_login(owners["rotterdam"])
    before = plan.milestones.count()
    response = client.post(reverse("action_plans:add_milestone", args=[plan.pk]),
                           {"title": "Far", "due_date": due}, follow=True)
    assert response.status_code == 200
    assert "within the plan" in response.content.decode()
    assert plan.milestones.count() == before


@pytest.mark.parametrize("due", ["2024-01-01", "2025-06-01", "2028-07-01"])
def test_a_milestone_within_the_period_and_margin_is_accepted(pair, due):
    owners, plan, *_ = pair
    milestone = services.add_milestone(plan=plan, by=owners["rotterdam"], title="Ok",
                                       due_date=date.fromisoformat(due))
    assert milestone.pk


@pytest.mark.parametrize("signed_on", ["9999-12-31", "0001-01-01", "1990-05-01"])
def test_an_mou_date_out_of_range_is_refused_with_a_message(client, pair, signed_on):
    owners, plan, *_ = pair
    client.force_login(owners["rotterdam"])
    response = client.post(reverse("action_plans:add_mou", args=[plan.pk]),
                           {"title": "MoU", "signed_on": signed_on})
    assert response.status_code == 200
    assert plan.mous.count() == 0


def test_an_mou_within_the_cooperation_is_recorded(client, pair):
    owners, plan, *_ = pair
    client.force_login(owners["rotterdam"])
    response = client.post(reverse("action_plans:add_mou", args=[plan.pk]),
                           {"title": "MoU", "signed_on": "2026-05-01"})
    assert response.status_code == 302
    assert plan.mous.count() == 1


# --- Access ends with the pairing -----------------------------------------------------


def _dissolve(plan):
    pairing_services.dissolve_pairing(pairing=plan.pairing, by=UserFactory(is_staff=True),
                                      reason="Stopped")


def test_a_former_partner_reads_nothing_of_the_other_plan(client, pair):
    owners, plan, milestone, evidence, pilot = pair
    _dissolve(plan)
    client.force_login(owners["surat"])
    for url in (
        reverse("action_plans:detail", args=[plan.pk]),
        reverse("action_plans:milestone", args=[plan.pk, milestone.pk]),
        reverse("action_plans:evidence", args=[plan.pk, evidence.pk]),
        reverse("action_plans:pdf", args=[plan.pk]),
        reverse("action_plans:pdf_status", args=[plan.pk]),
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("action_plans:prepare_pdf", args=[plan.pk])).status_code == 404
    assert plan not in selectors.plans_visible_to(owners["surat"])


def test_after_dissolution_the_own_plan_stays_without_the_partner_beside_it(client, pair):
    owners, plan, *_ = pair
    _dissolve(plan)
    client.force_login(owners["rotterdam"])
    response = client.get(reverse("action_plans:detail", args=[plan.pk]))
    assert response.status_code == 200
    assert response.context["partner"] is None
    plan = LocalActionPlan.objects.get(pk=plan.pk)
    assert services.pdf_context(plan)["partner_plan"] is None
    # The former partner's own plan is still theirs.
    theirs = LocalActionPlan.objects.exclude(pk=plan.pk).get(pairing=plan.pairing)
    client.force_login(owners["surat"])
    assert client.get(reverse("action_plans:detail", args=[theirs.pk])).status_code == 200
