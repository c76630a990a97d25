import io
from datetime import date

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from pypdf import PdfReader

from action_plans import selectors, services
from action_plans.models import LocalActionPlan, MilestoneStatus
from pairings import services as pairing_services
from tests.applications.helpers import letter_upload
from tests.factories import CallFactory, UserFactory
from tests.pairings.helpers import accepted

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair():
    call = CallFactory(partner_countries=["IN"])
    owners = {"rotterdam": UserFactory(), "surat": UserFactory()}
    eu = accepted(call, "Rotterdam", "NL", ["climate-adaptation"], owner=owners["rotterdam"])
    partner = accepted(call, "Surat", "IN", ["climate-adaptation"], owner=owners["surat"])
    pairing = pairing_services.confirm_pairing(
        call=call, eu_application_id=eu.pk, partner_application_id=partner.pk,
        by=UserFactory(is_staff=True), start_date=date(2025, 1, 31),
    )
    plans = {p.application.city_name: p for p in LocalActionPlan.objects.filter(pairing=pairing)}
    return owners, plans


def test_confirming_a_pairing_gives_each_city_a_plan_dated_from_the_start(pair):
    owners, plans = pair
    assert set(plans) == {"Rotterdam", "Surat"}
    dues = [(m.month, m.due_date) for m in plans["Rotterdam"].milestones.all()]
    assert dues[0] == (0, date(2025, 1, 31))
    assert dues[1] == (1, date(2025, 2, 28))
    assert dues[-1] == (18, date(2026, 7, 31))
    assert len(dues) == 9


def test_a_plan_follows_the_calls_own_template():
    call = CallFactory(partner_countries=["IN"],
                       milestone_template=[{"month": 0, "title": "Start"},
                                           {"month": 24, "title": "End"}])
    eu = accepted(call, "Lyon", "FR", ["housing"])
    partner = accepted(call, "Pune", "IN", ["housing"])
    pairing_services.confirm_pairing(call=call, eu_application_id=eu.pk,
                                     partner_application_id=partner.pk, by=UserFactory())
    plan = LocalActionPlan.objects.get(application=eu)
    assert [m.title for m in plan.milestones.all()] == ["Start", "End"]


def test_a_failed_plan_start_rolls_the_pairing_back(monkeypatch):
    from pairings.models import Pairing

    call = CallFactory(partner_countries=["IN"])
    eu = accepted(call, "Lyon", "FR", ["housing"])
    partner = accepted(call, "Pune", "IN", ["housing"])

    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "start_plans", broken)
    with pytest.raises(RuntimeError):
        pairing_services.confirm_pairing(call=call, eu_application_id=eu.pk,
                                         partner_application_id=partner.pk, by=UserFactory())
    assert not Pairing.objects.exists()


def test_the_citys_official_updates_a_milestone_and_who_and_when_are_kept(pair):
    owners, plans = pair
    milestone = plans["Rotterdam"].milestones.first()
    services.update_milestone(milestone=milestone, by=owners["rotterdam"],
                              status=MilestoneStatus.DONE, progress=40, note="Signed")
    milestone.refresh_from_db()
    assert (milestone.status, milestone.progress, milestone.note) == ("done", 100, "Signed")
    record = milestone.history.first()
    assert record.history_user == owners["rotterdam"] and record.status == "done"


def test_the_partner_and_strangers_cannot_change_a_plan(pair):
    owners, plans = pair
    milestone = plans["Rotterdam"].milestones.first()
    for intruder in (owners["surat"], UserFactory()):
        with pytest.raises(PermissionDenied):
            services.update_milestone(milestone=milestone, by=intruder, status="done",
                                      progress=100)
        with pytest.raises(PermissionDenied):
            services.save_pilot_project(plan=plans["Rotterdam"], by=intruder, title="x",
                                        funding_status="idea")


def test_the_partner_reads_the_plan_and_strangers_do_not(pair):
    owners, plans = pair
    assert selectors.can_read(owners["surat"], plans["Rotterdam"])
    assert not selectors.can_read(UserFactory(), plans["Rotterdam"])


def test_staff_with_permission_change_any_plan(pair):
    from django.contrib.auth.models import Group

    _, plans = pair
    staff = UserFactory(is_staff=True)
    staff.groups.add(Group.objects.get(name="Programme staff"))
    milestone = plans["Surat"].milestones.first()
    services.update_milestone(milestone=milestone, by=staff, status="in_progress", progress=20)


def test_overdue_is_past_due_and_not_done(pair):
    _, plans = pair
    milestone = plans["Rotterdam"].milestones.get(month=3)  # due 2025-04-30
    assert not milestone.is_overdue(date(2025, 4, 30))
    assert milestone.is_overdue(date(2025, 5, 1))
    milestone.status = MilestoneStatus.DONE
    assert not milestone.is_overdue(date(2026, 1, 1))


def test_progress_is_the_average_of_the_milestones(pair):
    owners, plans = pair
    first, second, *rest = plans["Rotterdam"].milestones.all()
    services.update_milestone(milestone=first, by=owners["rotterdam"], status="done", progress=0)
    services.update_milestone(milestone=second, by=owners["rotterdam"], status="in_progress",
                              progress=50)
    assert services.progress_of(plans["Rotterdam"].milestones.all()) == round(150 / 9)


def test_cities_add_their_own_milestones(pair):
    owners, plans = pair
    milestone = services.add_milestone(plan=plans["Rotterdam"], by=owners["rotterdam"],
                                       title="Youth workshop", due_date=date(2025, 9, 15))
    assert milestone.is_custom and milestone.month == 8


def test_evidence_follows_the_upload_rules(pair):
    owners, plans = pair
    milestone = plans["Rotterdam"].milestones.first()
    services.add_evidence(milestone=milestone, by=owners["rotterdam"], upload=letter_upload(),
                          title="Signed agreement")
    with pytest.raises(ValidationError):
        services.add_evidence(milestone=milestone, by=owners["rotterdam"],
                              upload=letter_upload(content=b"GIF89a not a pdf"), title="x")
    assert milestone.evidence.count() == 1


def test_the_plan_pdf_holds_both_cities_and_an_unchanged_plan_is_not_rendered_twice(
    pair, django_capture_on_commit_callbacks
):
    owners, plans = pair
    plan = plans["Rotterdam"]
    with django_capture_on_commit_callbacks(execute=True):
        assert services.request_plan_pdf(plan=plan, by=owners["surat"]) is True
    plan.refresh_from_db()
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(plan.pdf.read())).pages)
    assert "Rotterdam" in text and "Surat" in text
    assert services.request_plan_pdf(plan=plan, by=owners["rotterdam"]) is False
    assert services.render_plan_pdf(plan_id=plan.pk) is False
    services.update_sections(plan=plan, by=owners["rotterdam"], objectives="Less flooding")
    assert services.request_plan_pdf(plan=plan, by=owners["rotterdam"]) is True


def test_a_stranger_cannot_export_a_plan(pair):
    _, plans = pair
    with pytest.raises(PermissionDenied):
        services.request_plan_pdf(plan=plans["Rotterdam"], by=UserFactory())


def test_timeline_marks_today_and_late_milestones(pair):
    _, plans = pair
    with time_machine.travel(date(2025, 6, 1), tick=False):
        timeline = selectors.timeline(plans["Rotterdam"])
    assert 0.2 < timeline.today_x < 0.3
    late = [mark.milestone.month for mark in timeline.marks if mark.overdue]
    assert late == [0, 1, 3]
    assert timeline.marks[-1].x == 1.0
