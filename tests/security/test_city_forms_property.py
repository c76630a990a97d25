"""Property: no input to a form a city uses gives a server error, and a refused input
leaves nothing half-saved."""

from datetime import date

import pytest
from django.contrib.messages import constants, get_messages
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from action_plans.models import LocalActionPlan
from applications import forms as application_forms
from applications.models import Application
from tests.applications.helpers import ready_draft
from tests.factories import CallFactory, UserFactory

HOSTILE = st.one_of(
    st.text(max_size=40),
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
    st.sampled_from([
        "", " ", "0", "-1", "1e9", "NaN", "inf", "100000000000000000000", "1.5", "\x00",
        "<script>alert(1)</script>", "9999-12-31", "0001-01-01", "2025-02-30", "2025-06-01",
        "1990", "2100", "on", "1", "NL", "IN", "ZZ", "air-quality", "done", "funded",
        "x" * 6000,
    ]),
)
PROPERTY = settings(
    max_examples=15, deadline=None, derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _data(field_names, prefix=""):
    return st.fixed_dictionaries({f"{prefix}{name}": HOSTILE for name in field_names})


def _refused(response) -> bool:
    if response.status_code == 200:
        return True  # the form is shown again with its errors
    levels = [message.level for message in get_messages(response.wsgi_request)]
    return constants.ERROR in levels or constants.WARNING in levels


def _application_state(pk):
    application = Application.objects.filter(pk=pk)
    return (
        list(application.values()),
        list(Application.objects.get(pk=pk).theme_choices.values("theme_id", "priority")),
        list(Application.objects.get(pk=pk).municipalities.values("name", "population")),
        sorted(Application.objects.get(pk=pk).preferred_regions.values_list("pk", flat=True)),
    )


def _plan_state(pk):
    plan = LocalActionPlan.objects.get(pk=pk)
    return (
        list(LocalActionPlan.objects.filter(pk=pk).values()),
        list(plan.milestones.order_by("pk").values()),
        list(plan.pilot_projects.order_by("pk").values()),
        list(plan.mous.order_by("pk").values()),
    )


@pytest.fixture
def draft_of(client):
    owner = UserFactory()
    application = ready_draft(call=CallFactory(), owner=owner)
    client.force_login(owner)
    return application


@pytest.mark.django_db
@pytest.mark.parametrize("form_class", application_forms.SECTIONS, ids=lambda f: f.slug)
def test_application_sections_never_fail_and_never_half_save(client, draft_of, form_class):
    url = reverse("applications:edit", args=[draft_of.pk, form_class.slug])
    names = [*form_class.base_fields, "members-TOTAL_FORMS", "members-INITIAL_FORMS",
             "members-0-name", "members-0-population"]

    @PROPERTY
    @given(data=_data(names))
    def check(data):
        before = _application_state(draft_of.pk)
        response = client.post(url, data)
        assert response.status_code < 500
        if _refused(response):
            assert _application_state(draft_of.pk) == before

    check()


PLAN_FORMS = {
    "sections": ["context", "objectives", "stakeholder_group", "actions"],
    "add_pilot": ["title", "description", "budget_eur", "funding_source", "funding_status"],
    "add_mou": ["title", "signed_on", "parties"],
    "add_milestone": ["title", "due_date"],
    "edit_milestone": ["title", "due_date"],
    "update_milestone": ["status", "progress", "note"],
}


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(PLAN_FORMS))
def test_plan_forms_never_fail_and_never_half_save(client, pair, name):
    owners, plan, milestone, *_ = pair
    client.force_login(owners["rotterdam"])
    args = [plan.pk, milestone.pk] if "milestone" in name and name != "add_milestone" else [
        plan.pk]
    url = reverse(f"action_plans:{name}", args=args)
    prefix = f"m{milestone.pk}-" if name == "update_milestone" else ""

    @PROPERTY
    @given(data=_data(PLAN_FORMS[name], prefix))
    def check(data):
        before = _plan_state(plan.pk)
        response = client.post(url, data)
        assert response.status_code < 500
        if _refused(response):
            assert _plan_state(plan.pk) == before
        for due in LocalActionPlan.objects.get(pk=plan.pk).milestones.values_list(
                "due_date", flat=True):
            assert date(2023, 1, 1) <= due <= date(2029, 12, 31)

    check()
