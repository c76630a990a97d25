"""Query budgets of the pages people use most, and flat counts as the data grows:
a page asks the same number of queries with 10 and with 1,000 applications or plans."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from action_plans.models import LocalActionPlan, Milestone
from applications.models import Application, ApplicationStatus, ApplicationTheme, Side, Theme
from pairings.models import Pairing
from tests.applications.helpers import ready_draft
from tests.factories import CallFactory, UserFactory

pytestmark = pytest.mark.django_db


def queries(client, url) -> int:
    client.get(url)  # warm: sessions, content types, site, caches of the first request
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured.captured_queries)


def many_applications(call, count: int) -> None:
    themes = list(Theme.objects.order_by("position")[:3])
    now = timezone.now()
    created = Application.objects.bulk_create(
        Application(
            call=call, status=ApplicationStatus.SUBMITTED, side=Side.EU,
            city_name=f"City {i:05d}", country="NL", population=100_000 + i,
            is_group=i % 7 == 0, submitted_at=now - timedelta(minutes=i),
        )
        for i in range(count)
    )
    ApplicationTheme.objects.bulk_create(
        ApplicationTheme(application=a, theme=t, priority=p)
        for a in created for p, t in enumerate(themes, start=1)
    )


def many_plans(call, pairs: int) -> None:
    """`pairs` confirmed pairings, so 2 × `pairs` plans with two milestones each."""
    now = timezone.now()
    eu = Application.objects.bulk_create(
        Application(call=call, status=ApplicationStatus.PAIRED, side=Side.EU,
                    city_name=f"EU city {i:05d}", country="NL", population=200_000)
        for i in range(pairs)
    )
    partners = Application.objects.bulk_create(
        Application(call=call, status=ApplicationStatus.PAIRED, side=Side.PARTNER,
                    city_name=f"Partner city {i:05d}", country="JP", population=200_000)
        for i in range(pairs)
    )
    pairings = Pairing.objects.bulk_create(
        Pairing(call=call, eu_application=a, partner_application=b, status="confirmed",
                confirmed_at=now, start_date=date(2025, 1, 1))
        for a, b in zip(eu, partners, strict=True)
    )
    plans = LocalActionPlan.objects.bulk_create(
        LocalActionPlan(pairing=p, application=a, start_date=date(2025, 1, 1))
        for p in pairings for a in (p.eu_application, p.partner_application)
    )
    Milestone.objects.bulk_create(
        Milestone(plan=plan, month=month, title=f"Month {month}",
                  due_date=date(2025, 1, 1) + timedelta(days=30 * month))
        for plan in plans for month in (0, 6)
    )


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


# --- budgets -------------------------------------------------------------------------


def test_home_for_an_anonymous_visitor_asks_only_the_stamp_of_the_cached_page(client):
    CallFactory()
    # The latest history rows, the calls' rows and the themes' rows key the cached page
    # (raw SQL, no ORM: one query on PostgreSQL, three on SQLite); nothing else runs for
    # a first-time visitor.
    assert queries(client, reverse("home")) == (1 if connection.vendor == "postgresql" else 3)


def test_login_page_asks_no_query(client):
    assert queries(client, reverse("account_login")) == 0


def test_applicant_dashboard_budget_does_not_grow_with_rows(client):
    official = UserFactory()
    call = CallFactory()
    draft = ready_draft(call=call, owner=official)
    client.force_login(official)
    url = reverse("applications:dashboard")
    # session, user; applications, open questions, open proposals, open calls
    assert queries(client, url) <= 6
    few = queries(client, url)
    CallFactory()
    others = [ready_draft(call=call, owner=official, city=f"City {i}") for i in range(3)]
    partner = Application.objects.create(call=call, status=ApplicationStatus.ACCEPTED,
                                         side=Side.PARTNER, city_name="Surat", country="IN",
                                         population=500_000)
    for application in [draft, *others]:
        application.clarifications.create(question="Why?", asked_by=UserFactory())
        Pairing.objects.create(call=call, eu_application=application,
                               partner_application=partner, status="proposed")
    assert queries(client, url) == few


def test_city_section_budget(client):
    official = UserFactory()
    draft = ready_draft(call=CallFactory(), owner=official)
    client.force_login(official)
    # session, user, the application and its call, its members, whether a theme is chosen
    assert queries(client, reverse("applications:edit", args=[draft.pk, "city"])) <= 5


@pytest.mark.parametrize(
    ("section", "budget"),
    # + the section's own rows: the themes offered (two) and chosen, the chosen regions
    [("contact", 5), ("themes", 7), ("preferences", 6), ("commitment", 5)],
)
def test_each_section_of_the_form_has_a_budget(client, section, budget):
    official = UserFactory()
    draft = ready_draft(call=CallFactory(), owner=official)
    client.force_login(official)
    assert queries(client, reverse("applications:edit", args=[draft.pk, section])) <= budget


def test_plan_page_budget_does_not_grow_with_milestones(client):
    call = CallFactory(partner_countries=["JP"])
    many_plans(call, 1)
    plan = LocalActionPlan.objects.filter(application__side=Side.EU).get()
    owner = UserFactory()
    Application.objects.filter(pk=plan.application_id).update(owner=owner)
    client.force_login(owner)
    url = reverse("action_plans:detail", args=[plan.pk])
    few = queries(client, url)
    Milestone.objects.bulk_create(
        Milestone(plan=plan, month=m, title=f"Extra {m}", due_date=date(2025, 2, 1),
                  updated_by=UserFactory())
        for m in range(1, 30)
    )
    # session, user, the plan (with its partner plan's id), both plans' milestones and
    # pilot projects, the MoUs
    assert queries(client, url) == few <= 6


@pytest.mark.parametrize("pairs", [5, 500])
def test_staff_plan_list_is_flat_up_to_1000_plans(staff_client, pairs):
    many_plans(CallFactory(partner_countries=["JP"]), pairs)
    assert LocalActionPlan.objects.count() == 2 * pairs
    # + the staff member's second factor, checked on every staff page
    assert queries(staff_client, reverse("action_plans:list")) <= 6


@pytest.mark.parametrize("count", [10, 1000])
def test_admin_application_list_is_flat_up_to_1000_applications(staff_client, count):
    many_applications(CallFactory(), count)
    # one count when nothing is filtered; the page's themes and group members in a
    # query each; the date hierarchy's first and last date asked once
    assert queries(staff_client, reverse("admin:applications_application_changelist")) <= 12
