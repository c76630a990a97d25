"""The staff overview of every pairing's Local Action Plans, in the admin."""

import csv
import io
from datetime import date

import pytest
import time_machine
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext

from action_plans import services
from action_plans.models import FundingStatus, LocalActionPlan, Milestone, PilotProject
from iuc_portal.accounts.roles import STAFF_GROUP
from pairings import services as pairing_services
from pairings.models import Pairing, PairingStatus
from tests.action_plans import START, at, confirmed_pair
from tests.factories import CallFactory, UserFactory
from tests.pairings.helpers import accepted

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/action_plans/localactionplan/"
EXPORT = CHANGELIST + "export-csv/"
# 20 May 2025: months 0 (15 Jan), 1 (15 Feb) and 3 (15 Apr) are past due.
TODAY = date(2025, 5, 20)


@pytest.fixture(autouse=True)
def today():
    with time_machine.travel(at(TODAY), tick=False):
        yield


@pytest.fixture
def staff(client):
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name=STAFF_GROUP))
    client.force_login(user)
    return user


@pytest.fixture
def call():
    return CallFactory(name="IUC 2025", slug="iuc-2025", partner_countries=["IN", "CN", "BR"])


@pytest.fixture
def pairs(call):
    """Rotterdam–Surat, well under way; Almada–Belo Horizonte, just started and on track."""
    _p, rotterdam, surat = confirmed_pair(call)
    Milestone.objects.filter(plan=rotterdam, month__in=[0, 1]).update(status="done", progress=100)
    Milestone.objects.filter(plan=rotterdam, month=3).update(status="in_progress", progress=40)
    PilotProject.objects.create(plan=rotterdam, title="Floating homes",
                                funding_status=FundingStatus.SECURED)
    PilotProject.objects.create(plan=rotterdam, title="Water squares",
                                funding_status=FundingStatus.APPLIED)
    PilotProject.objects.create(plan=surat, title="Sewer upgrade",
                                funding_status=FundingStatus.IDEA)
    _p, almada, belo = confirmed_pair(call, ("Almada", "PT"), ("Belo Horizonte", "BR"),
                                      start=TODAY)
    return {"rotterdam": rotterdam, "surat": surat, "almada": almada, "belo": belo}


def listed(response):
    """The plans on the changelist page, with the admin that shows them."""
    changelist = response.context["cl"]
    return {plan.application.city_name: plan for plan in changelist.result_list}, changelist


def csv_rows(response):
    text = b"".join(response.streaming_content if response.streaming else [response.content])
    return list(csv.reader(io.StringIO(text.decode("utf-8-sig"))))


# --- Columns -----------------------------------------------------------------------


def test_the_list_shows_each_plans_progress_overdue_milestones_and_pilots(client, staff, pairs):
    response = client.get(CHANGELIST)
    assert response.status_code == 200
    plans, changelist = listed(response)
    admin = changelist.model_admin
    rotterdam = plans["Rotterdam"]
    # 100 + 100 + 40 over 9 milestones; the same figure the city sees in the portal.
    expected = services.progress_of(pairs["rotterdam"].milestones.all())
    assert expected == round(240 / 9)
    assert admin.progress(rotterdam) == f"{expected} %"
    assert admin.overdue(rotterdam) == 1  # month 3; months 0 and 1 are done
    assert admin.overdue(plans["Surat"]) == 3
    assert admin.overdue(plans["Almada"]) == 0  # started today: month 0 is due, not overdue
    assert admin.pilots(rotterdam) == "2 (1 applied, 1 secured)"
    assert admin.pilots(plans["Surat"]) == "1 (1 idea)"
    assert admin.pilots(plans["Almada"]) == "0"
    html = response.content.decode()
    assert "Rotterdam (NL) – Surat (IN)" in html and "IUC 2025" in html
    assert f"{expected} %" in html and "2 (1 applied, 1 secured)" in html


def test_pilot_projects_do_not_multiply_the_milestone_figures(client, staff, pairs):
    for number in range(5):
        PilotProject.objects.create(plan=pairs["surat"], title=f"Pilot {number}")
    plans, changelist = listed(client.get(CHANGELIST))
    assert changelist.model_admin.overdue(plans["Surat"]) == 3
    assert changelist.model_admin.progress(plans["Surat"]) == "0 %"
    assert changelist.model_admin.pilots(plans["Surat"]) == "6 (6 idea)"


def test_the_list_sorts_by_overdue_milestones_and_progress(client, staff, pairs):
    # Columns count from the checkbox: 5 is progress, 6 the overdue milestones.
    most_overdue = listed(client.get(CHANGELIST, {"o": "-6"}))[1].result_list
    assert [p.application.city_name for p in most_overdue][:2] == ["Surat", "Rotterdam"]
    most_advanced = listed(client.get(CHANGELIST, {"o": "-5"}))[1].result_list
    assert most_advanced[0].application.city_name == "Rotterdam"


# --- Filters and search ----------------------------------------------------------


def test_filter_by_overdue_milestones(client, staff, pairs):
    plans, _ = listed(client.get(CHANGELIST, {"overdue": "yes"}))
    assert set(plans) == {"Rotterdam", "Surat"}
    plans, _ = listed(client.get(CHANGELIST, {"overdue": "no"}))
    assert set(plans) == {"Almada", "Belo Horizonte"}


def test_filter_by_funding_status_of_pilot_projects(client, staff, pairs):
    assert set(listed(client.get(CHANGELIST, {"funding": "secured"}))[0]) == {"Rotterdam"}
    assert set(listed(client.get(CHANGELIST, {"funding": "idea"}))[0]) == {"Surat"}
    assert set(listed(client.get(CHANGELIST, {"funding": "none"}))[0]) == {
        "Almada", "Belo Horizonte",
    }


def test_filter_by_region_of_the_city(client, staff, pairs):
    assert set(listed(client.get(CHANGELIST, {"region": "eu"}))[0]) == {"Rotterdam", "Almada"}
    assert set(listed(client.get(CHANGELIST, {"region": "asia"}))[0]) == {"Surat"}
    assert set(
        listed(client.get(CHANGELIST, {"region": "latin-america-caribbean"}))[0]
    ) == {"Belo Horizonte"}


def test_filter_by_call_and_pairing_status(client, staff, pairs):
    other_call = CallFactory(name="IUC 2026", partner_countries=["CN"])
    confirmed_pair(other_call, ("Rome", "IT"), ("Yantai", "CN"))
    call_id = pairs["rotterdam"].pairing.call_id
    plans, _ = listed(client.get(CHANGELIST, {"pairing__call__id__exact": call_id}))
    assert set(plans) == {"Rotterdam", "Surat", "Almada", "Belo Horizonte"}
    pairing_services.change_pairing_status(pairing=pairs["almada"].pairing,
                                           to=PairingStatus.ACTIVE, by=staff)
    plans, _ = listed(client.get(CHANGELIST, {"pairing__status__exact": "active"}))
    assert set(plans) == {"Almada", "Belo Horizonte"}


def test_search_finds_both_plans_of_a_pair_by_either_city(client, staff, pairs):
    assert set(listed(client.get(CHANGELIST, {"q": "surat"}))[0]) == {"Rotterdam", "Surat"}


# --- CSV export --------------------------------------------------------------------

HEADER = ["call", "EU city", "partner city", "city", "progress (%)", "overdue milestones",
          "last update", "pilot projects", "funding"]


def test_the_filtered_list_exports_to_csv(client, staff, pairs):
    response = client.get(EXPORT, {"overdue": "yes", "o": "4"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = csv_rows(response)
    assert rows[0] == HEADER
    by_city = {row[3]: row for row in rows[1:]}
    assert set(by_city) == {"Rotterdam (NL)", "Surat (IN)"}
    assert by_city["Rotterdam (NL)"] == [
        "IUC 2025", "Rotterdam (NL)", "Surat (IN)", "Rotterdam (NL)", str(round(240 / 9)), "1",
        "2025-05-20", "2", "1 applied, 1 secured",
    ]


def test_the_changelist_links_to_the_export_of_what_it_shows(client, staff, pairs):
    html = client.get(CHANGELIST, {"overdue": "yes"}).content.decode()
    assert 'href="/admin/action_plans/localactionplan/export-csv/?overdue=yes"' in html


def test_the_selected_plans_export_to_csv_with_the_admin_action(client, staff, pairs):
    chosen = [pairs["almada"].pk, pairs["surat"].pk]
    response = client.post(
        CHANGELIST, {"action": "export_csv", ACTION_CHECKBOX_NAME: chosen, "index": "0"}
    )
    assert response.status_code == 200
    rows = csv_rows(response)
    assert rows[0] == HEADER
    assert sorted(row[3] for row in rows[1:]) == ["Almada (PT)", "Surat (IN)"]
    surat = next(row for row in rows if row[3] == "Surat (IN)")
    assert surat[5] == "3" and surat[7] == "1" and surat[8] == "1 idea"


def test_a_city_name_cannot_smuggle_a_formula_into_the_export(client, staff, call):
    confirmed_pair(call, ("=HYPERLINK(1)", "FR"), ("Yantai", "CN"))
    rows = csv_rows(client.get(EXPORT))
    assert all(not cell.startswith("=") for row in rows for cell in row)
    assert "'=HYPERLINK(1) (FR)" in rows[1]


# --- Cost, change page, access -------------------------------------------------------


def _plans(call, count, first=0):
    """`count` plans (count / 2 pairings) with milestones and a pilot project each."""
    for number in range(first, first + count // 2):
        eu = accepted(call, f"Eucity {number}", "FR", ["housing"])
        partner = accepted(call, f"Partner {number}", "CN", ["housing"])
        pairing = Pairing.objects.create(call=call, eu_application=eu,
                                         partner_application=partner,
                                         status=PairingStatus.CONFIRMED, start_date=START)
        for plan in services.start_plans(pairing=pairing):
            PilotProject.objects.create(plan=plan, title="Pilot",
                                        funding_status=FundingStatus.APPLIED)


def _queries(client, url):
    client.get(url)  # warm caches (content types, site) first
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_the_list_and_export_cost_the_same_queries_for_3_or_30_plans(client, staff, call):
    _plans(call, 4)
    LocalActionPlan.objects.order_by("pk").last().delete()  # 3 plans
    assert LocalActionPlan.objects.count() == 3
    few = _queries(client, CHANGELIST), _queries(client, EXPORT)
    _plans(call, 28, first=10)
    LocalActionPlan.objects.order_by("pk").last().delete()
    assert LocalActionPlan.objects.count() == 30
    many = _queries(client, CHANGELIST), _queries(client, EXPORT)
    assert many == few


def test_the_change_page_is_a_read_only_overview_with_milestones_pilots_and_history(
    client, staff, pairs
):
    plan = pairs["rotterdam"]
    response = client.get(f"{CHANGELIST}{plan.pk}/change/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Local stakeholder group formed" in html and "Floating homes" in html
    assert 'name="_save"' not in html  # nothing to save: cities change plans in the portal
    assert 'name="milestones-0-status"' not in html
    assert f"/plans/{plan.pk}/" in html
    assert client.get(f"{CHANGELIST}{plan.pk}/history/").status_code == 200
    assert client.post(f"{CHANGELIST}{plan.pk}/change/", {}).status_code == 403
    assert client.get(f"{CHANGELIST}add/").status_code == 403


def test_milestones_and_pilot_projects_have_their_own_lists(client, staff, pairs):
    response = client.get("/admin/action_plans/milestone/", {"overdue": "yes"})
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == 1 + 3  # Rotterdam's month 3, Surat's 0/1/3
    response = client.get("/admin/action_plans/milestone/", {"status__exact": "done"})
    assert len(response.context["cl"].result_list) == 2
    response = client.get("/admin/action_plans/pilotproject/",
                          {"funding_status__exact": "secured"})
    assert [p.title for p in response.context["cl"].result_list] == ["Floating homes"]


def test_a_city_official_cannot_reach_the_overview(client, pairs):
    official = UserFactory()
    pairs["rotterdam"].application.owner = official
    pairs["rotterdam"].application.save()
    client.force_login(official)
    for url in [CHANGELIST, EXPORT, f"{CHANGELIST}{pairs['rotterdam'].pk}/change/",
                "/admin/action_plans/milestone/"]:
        response = client.get(url)
        assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_staff_without_the_programme_role_cannot_see_the_plans(client, pairs):
    client.force_login(UserFactory(is_staff=True))
    assert client.get(CHANGELIST).status_code == 403
    assert client.get(EXPORT).status_code == 403
