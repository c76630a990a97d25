"""Milestone reminders for the cities and the weekly digest for programme staff."""

import threading
import time as clock
from datetime import date, timedelta

import pytest
import time_machine
from celery.schedules import crontab
from django.conf import settings
from django.contrib.auth.models import Group
from django.core import mail
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from action_plans import reminders, tasks
from action_plans.models import LocalActionPlan, Milestone, MilestoneStatus, ReminderSent
from action_plans.services import progress_of
from iuc_portal.accounts.roles import STAFF_GROUP
from iuc_portal.mail.models import OutboundEmail
from pairings import services as pairing_services
from pairings.models import PairingStatus
from tests.action_plans import START, at, confirmed_pair
from tests.conftest import require
from tests.factories import CallFactory, UserFactory

pytestmark = pytest.mark.django_db

# With the plans starting on 15 January 2025: month 0 is due on 15 January, month 1 on
# 15 February, month 3 on 15 April.
FEB_12 = date(2025, 2, 12)  # month 1 due in 3 days; month 0 overdue


@pytest.fixture
def call():
    with time_machine.travel(at(START), tick=False):
        return CallFactory(partner_countries=["IN", "CN", "BR"])


@pytest.fixture
def official():
    return UserFactory(email="official@rotterdam.example.eu", language="pt")


@pytest.fixture
def pair(call, official):
    """Rotterdam (its official, in Portuguese) with Surat (no account: its contact)."""
    with time_machine.travel(at(START), tick=False):
        pair = confirmed_pair(call, eu_owner=official)
    # The pairing's own e-mails would go out in a reminder's batch: not what is counted.
    OutboundEmail.objects.update(state=OutboundEmail.State.SENT)
    return pair


def finish(*plans, months=None):
    milestones = Milestone.objects.filter(plan__in=plans)
    if months is not None:
        milestones = milestones.filter(month__in=months)
    milestones.update(status=MilestoneStatus.DONE, progress=100)


def milestone(plan, month):
    return plan.milestones.get(month=month)


def reminder_emails():
    return OutboundEmail.objects.filter(idempotency_key__startswith="milestone:")


def reminder_keys():
    return set(reminder_emails().values_list("idempotency_key", flat=True))


# --- Which reminders go out ----------------------------------------------------------


def test_due_soon_reminder_goes_out_for_a_milestone_due_in_3_days(pair):
    _pairing, eu_plan, partner_plan = pair
    finish(eu_plan, partner_plan, months=[0])
    assert reminders.send_milestone_reminders(today=FEB_12) == 2
    assert reminder_keys() == {
        f"milestone:{milestone(eu_plan, 1).pk}:due_soon",
        f"milestone:{milestone(partner_plan, 1).pk}:due_soon",
    }


def test_no_due_soon_reminder_for_a_milestone_due_in_10_days(pair):
    _pairing, eu_plan, partner_plan = pair
    finish(eu_plan, partner_plan, months=[0])
    assert reminders.send_milestone_reminders(today=date(2025, 2, 5)) == 0
    assert not reminder_emails().exists()


@pytest.mark.parametrize(("days_before", "sent"), [(0, True), (7, True), (8, False)])
def test_due_soon_window_is_today_through_seven_days_ahead(pair, days_before, sent):
    _pairing, eu_plan, partner_plan = pair
    finish(eu_plan, partner_plan, months=[0])
    today = date(2025, 2, 15) - timedelta(days=days_before)
    assert reminders.send_milestone_reminders(today=today) == (2 if sent else 0)


def test_overdue_reminder_goes_out_once_the_due_date_has_passed(pair):
    _pairing, eu_plan, partner_plan = pair
    # On the due day itself it is due (soon), not overdue.
    reminders.send_milestone_reminders(today=START)
    assert not ReminderSent.objects.filter(kind="overdue").exists()
    assert reminders.send_milestone_reminders(today=START + timedelta(days=1)) == 2
    assert ReminderSent.objects.filter(kind="overdue").count() == 2
    assert {r.milestone for r in ReminderSent.objects.filter(kind="overdue")} == {
        milestone(eu_plan, 0),
        milestone(partner_plan, 0),
    }


def test_a_done_milestone_gets_no_reminder(pair):
    _pairing, eu_plan, partner_plan = pair
    finish(eu_plan, partner_plan)
    assert reminders.send_milestone_reminders(today=FEB_12) == 0
    assert not reminder_emails().exists() and not ReminderSent.objects.exists()


def test_a_dissolved_pairings_plans_get_no_reminders(pair):
    pairing, _eu_plan, _partner_plan = pair
    pairing_services.dissolve_pairing(pairing=pairing, by=UserFactory(is_staff=True),
                                      reason="The partner city withdrew.")
    assert reminders.send_milestone_reminders(today=FEB_12) == 0
    assert not reminder_emails().exists()


@pytest.mark.parametrize(
    ("path", "reminded"),
    [
        ([PairingStatus.ACTIVE], True),
        ([PairingStatus.ACTIVE, PairingStatus.COMPLETED], False),
    ],
)
def test_only_live_pairings_confirmed_or_active_get_reminders(pair, path, reminded):
    pairing, _eu_plan, _partner_plan = pair
    for status in path:
        pairing_services.change_pairing_status(pairing=pairing, to=status, by=None)
    assert (reminders.send_milestone_reminders(today=FEB_12) > 0) is reminded


# --- Once per milestone and kind ----------------------------------------------------


def test_each_reminder_is_sent_once_however_often_the_job_runs(
    pair, django_capture_on_commit_callbacks
):
    _pairing, eu_plan, partner_plan = pair
    with django_capture_on_commit_callbacks(execute=True):
        counts = [reminders.send_milestone_reminders(today=FEB_12) for _ in range(3)]
    # Month 0 overdue and month 1 due soon, in each of the two plans.
    assert counts == [4, 0, 0]
    assert reminder_emails().count() == 4 == ReminderSent.objects.count()
    assert len(mail.outbox) == 4

    # Days later month 1 is overdue too: that is a new reminder, and only that.
    with django_capture_on_commit_callbacks(execute=True):
        counts = [reminders.send_milestone_reminders(today=date(2025, 2, 16)) for _ in range(3)]
    assert counts == [2, 0, 0]
    assert reminder_keys() == {
        f"milestone:{milestone(plan, month).pk}:{kind}"
        for plan in (eu_plan, partner_plan)
        for month, kind in [(0, "overdue"), (1, "due_soon"), (1, "overdue")]
    }
    assert len(mail.outbox) == 6


class WorkerLost(BaseException):
    """What a worker killed mid-run looks like to the code: nothing after it runs."""


def _failing_on_call(monkeypatch, number, error):
    real = reminders.queue_email
    calls = []

    def flaky(**kwargs):
        calls.append(kwargs["idempotency_key"])
        if len(calls) == number:
            raise error
        return real(**kwargs)

    monkeypatch.setattr(reminders, "queue_email", flaky)
    return lambda: monkeypatch.setattr(reminders, "queue_email", real)


def test_a_worker_dying_mid_run_loses_no_reminder_and_sends_none_twice(
    pair, monkeypatch, django_capture_on_commit_callbacks
):
    restore = _failing_on_call(monkeypatch, 2, WorkerLost())
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(WorkerLost):
            reminders.send_milestone_reminders(today=FEB_12)
        # The first reminder was done (row and e-mail together); the second left nothing.
        assert ReminderSent.objects.count() == 1 == reminder_emails().count()
        restore()
        assert reminders.send_milestone_reminders(today=FEB_12) == 3
        assert reminders.send_milestone_reminders(today=FEB_12) == 0
    assert ReminderSent.objects.count() == 4 == reminder_emails().count()
    assert len(mail.outbox) == 4
    assert len({message.to[0] + message.subject for message in mail.outbox}) == 4


def test_a_failing_reminder_does_not_hold_back_the_others_and_goes_out_next_run(
    pair, monkeypatch, django_capture_on_commit_callbacks
):
    restore = _failing_on_call(monkeypatch, 2, RuntimeError("template broke"))
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders.send_milestone_reminders(today=FEB_12) == 3
        restore()
        assert reminders.send_milestone_reminders(today=FEB_12) == 1
    assert ReminderSent.objects.count() == 4 == reminder_emails().count() == len(mail.outbox)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_workers_running_the_job_at_once_send_each_reminder_once(monkeypatch):
    require(connection.vendor == "postgresql", "concurrent writers need PostgreSQL")
    call = CallFactory(partner_countries=["IN", "CN"])
    confirmed_pair(call, eu_owner=UserFactory())
    confirmed_pair(call, ("Rome", "IT"), ("Yantai", "CN"))
    real = reminders.queue_email

    def slow(**kwargs):  # widen the window in which the two runs overlap
        clock.sleep(0.05)
        return real(**kwargs)

    monkeypatch.setattr(reminders, "queue_email", slow)
    start = threading.Barrier(2)
    results, errors = [], []

    def run():
        try:
            start.wait(timeout=10)
            results.append(reminders.send_milestone_reminders(today=FEB_12))
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sum(results) == 8  # 2 pairings × 2 plans × (month 0 overdue, month 1 due soon)
    assert ReminderSent.objects.count() == 8 == reminder_emails().count()


# --- Recipients and content ----------------------------------------------------------


def test_one_mail_per_reminder_with_milestone_due_date_city_and_link(
    pair, official, django_capture_on_commit_callbacks
):
    _pairing, eu_plan, partner_plan = pair
    finish(eu_plan, partner_plan, months=[0])
    with django_capture_on_commit_callbacks(execute=True):
        reminders.send_milestone_reminders(today=FEB_12)
    assert sorted(message.to[0] for message in mail.outbox) == [
        "contact@surat.example.org",
        official.email,
    ]
    to_surat = next(m for m in mail.outbox if m.to == ["contact@surat.example.org"])
    assert "Local stakeholder group formed" in to_surat.subject
    assert "Surat (IN)" in to_surat.body and "Rotterdam (NL)" in to_surat.body
    assert "Feb. 15, 2025" in to_surat.body and "3 days" in to_surat.body
    assert f"{settings.SITE_URL}/plans/{partner_plan.pk}/" in to_surat.body
    html, mimetype = to_surat.alternatives[0]
    assert mimetype == "text/html" and "Local stakeholder group formed" in html
    email = reminder_emails().get(to_email="contact@surat.example.org")
    assert email.context["due_date"] == "2025-02-15"
    assert email.context["plan_url"].endswith(f"/plans/{partner_plan.pk}/")


def test_the_official_is_reminded_in_their_language_else_the_contact_in_english(pair, official):
    _pairing, eu_plan, partner_plan = pair
    reminders.send_milestone_reminders(today=FEB_12)
    languages = {e.to_email: e.language for e in reminder_emails()}
    assert languages == {official.email: "pt", "contact@surat.example.org": "en"}


def test_an_inactive_official_is_replaced_by_the_contact_address(pair, official):
    official.is_active = False
    official.save()
    reminders.send_milestone_reminders(today=FEB_12)
    assert set(reminder_emails().values_list("to_email", flat=True)) == {
        "contact@rotterdam.example.org",
        "contact@surat.example.org",
    }


def test_a_plan_with_nobody_to_remind_is_reminded_once_someone_is_there(pair):
    _pairing, _eu_plan, partner_plan = pair
    surat = partner_plan.application
    surat.contact_email = ""
    surat.save()
    assert reminders.send_milestone_reminders(today=FEB_12) == 2  # Rotterdam's only
    assert not ReminderSent.objects.filter(milestone__plan=partner_plan).exists()
    surat.contact_email = "new@surat.example.org"
    surat.save()
    assert reminders.send_milestone_reminders(today=FEB_12) == 2
    assert reminder_emails().filter(to_email="new@surat.example.org").count() == 2


def test_candidates_are_found_in_one_query_whatever_their_number(pair, call):
    confirmed_pair(call, ("Rome", "IT"), ("Yantai", "CN"))
    with CaptureQueriesContext(connection) as queries:
        found = list(reminders.reminder_candidates(kind="overdue", today=date(2025, 5, 1)))
        for item in found:
            assert item.plan.application.city_name and item.plan.pairing.call.name
            assert item.plan.pairing.eu_application and item.plan.pairing.partner_application
    assert len(found) == 4 * 3  # 4 plans × months 0, 1 and 3
    assert len(queries) == 1


# --- The task and its schedule -----------------------------------------------------


def test_the_daily_task_uses_todays_date_in_brussels(pair):
    # 23:30 UTC on 15 January is already 16 January in Brussels: month 0 is overdue.
    with time_machine.travel(at(date(2025, 1, 16), hour=0).replace(minute=30), tick=False):
        tasks.send_milestone_reminders.delay()
    assert ReminderSent.objects.filter(kind="overdue").count() == 2


def test_the_jobs_run_daily_at_7_and_weekly_on_monday_at_8_brussels():
    schedule = settings.CELERY_BEAT_SCHEDULE
    assert "send-pending-emails" in schedule
    reminders_job = schedule["send-milestone-reminders"]
    digest_job = schedule["send-staff-digest"]
    assert reminders_job["task"] == tasks.send_milestone_reminders.name
    assert digest_job["task"] == tasks.send_staff_digest.name
    assert reminders_job["schedule"] == crontab(hour=7, minute=0)
    assert digest_job["schedule"] == crontab(hour=8, minute=0, day_of_week="mon")
    assert settings.CELERY_TIMEZONE == "Europe/Brussels"


# --- Pairs at risk and the staff digest ----------------------------------------------

MONDAY = date(2025, 2, 17)  # ISO week 2025-W08; months 0 and 1 are overdue


@pytest.fixture
def staff_members():
    group = Group.objects.get(name=STAFF_GROUP)
    members = [UserFactory(is_staff=True), UserFactory(is_staff=True, language="es")]
    gone = UserFactory(is_staff=True, is_active=False)
    for user in [*members, gone]:
        user.groups.add(group)
    UserFactory(is_staff=True)  # staff, but not programme staff
    return members


def digest_emails():
    return OutboundEmail.objects.filter(idempotency_key__startswith="digest:")


def test_pairs_at_risk_lists_live_pairs_with_overdue_milestones_and_their_figures(pair, call):
    pairing, eu_plan, partner_plan = pair
    with time_machine.travel(at(START), tick=False):
        _healthy, *plans = confirmed_pair(call, ("Rome", "IT"), ("Yantai", "CN"))
        finish(*plans, months=[0, 1])
    Milestone.objects.filter(plan=eu_plan, month=0).update(status="done", progress=100)
    Milestone.objects.filter(plan=eu_plan, month=3).update(progress=50)
    rows = reminders.pairs_at_risk(today=MONDAY)
    assert [row["pairing_id"] for row in rows] == [pairing.pk]
    row = rows[0]
    assert row["eu_city"] == "Rotterdam (NL)" and row["partner_city"] == "Surat (IN)"
    assert row["overdue"] == 3  # Rotterdam's month 1, Surat's months 0 and 1
    assert row["last_update"] == "2025-01-15" and row["stale"] is False
    assert row["progress"] == progress_of(
        list(eu_plan.milestones.all()) + list(partner_plan.milestones.all())
    ) == round(150 / 18)
    assert row["eu_progress"] == round(150 / 9)


@pytest.mark.parametrize(("days", "at_risk"), [(59, False), (60, True)])
def test_a_plan_without_update_for_60_days_puts_its_pair_at_risk(pair, days, at_risk):
    _pairing, eu_plan, partner_plan = pair
    finish(eu_plan, partner_plan)  # nothing overdue: only the silence counts
    # Rotterdam updated its plan ten days in; Surat's is as it was at the start.
    LocalActionPlan.objects.filter(pk=eu_plan.pk).update(updated_at=at(START + timedelta(10)))
    rows = reminders.pairs_at_risk(today=START + timedelta(days=days))
    assert bool(rows) is at_risk
    if at_risk:
        # The older update is the one shown: the plan that fell silent.
        assert rows[0]["stale"] is True and rows[0]["last_update"] == "2025-01-15"
        assert rows[0]["overdue"] == 0


def test_a_dissolved_pair_is_never_at_risk(pair):
    pairing, *_plans = pair
    pairing_services.dissolve_pairing(pairing=pairing, by=None, reason="Stopped.")
    assert reminders.pairs_at_risk(today=MONDAY) == []


def test_the_digest_goes_to_each_active_programme_staff_member_once_a_week(
    pair, staff_members, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        counts = [reminders.send_staff_digest(today=MONDAY) for _ in range(3)]
        # Later the same ISO week: still the one digest.
        counts.append(reminders.send_staff_digest(today=MONDAY + timedelta(days=4)))
    assert counts == [2, 0, 0, 0]
    assert set(digest_emails().values_list("idempotency_key", flat=True)) == {
        f"digest:2025-W08:{user.pk}" for user in staff_members
    }
    assert sorted(m.to[0] for m in mail.outbox) == sorted(u.email for u in staff_members)
    assert digest_emails().get(to_email=staff_members[1].email).language == "es"

    with django_capture_on_commit_callbacks(execute=True):
        assert reminders.send_staff_digest(today=MONDAY + timedelta(days=7)) == 2
    assert digest_emails().count() == 4 and len(mail.outbox) == 4


def test_the_digest_lists_the_pairs_at_risk(
    pair, call, staff_members, django_capture_on_commit_callbacks
):
    with time_machine.travel(at(START), tick=False):
        _healthy, *plans = confirmed_pair(call, ("Rome", "IT"), ("Yantai", "CN"))
    OutboundEmail.objects.update(state=OutboundEmail.State.SENT)  # the pairing's own e-mails
    finish(*plans)
    with django_capture_on_commit_callbacks(execute=True):
        reminders.send_staff_digest(today=MONDAY)
    message = mail.outbox[0]
    assert "1 pairing at risk" in message.subject
    assert "Rotterdam (NL) – Surat (IN)" in message.body
    assert "Overdue milestones: 4" in message.body
    assert "Rome" not in message.body and "Yantai" not in message.body
    assert "/admin/action_plans/localactionplan/" in message.body
    assert "Rotterdam (NL) – Surat (IN)" in message.alternatives[0][0]


def test_no_digest_when_no_pair_is_at_risk(pair, staff_members):
    _pairing, eu_plan, partner_plan = pair
    finish(eu_plan, partner_plan)
    assert reminders.send_staff_digest(today=MONDAY) == 0
    assert not digest_emails().exists()


def test_the_weekly_task_sends_the_digest(pair, staff_members):
    with time_machine.travel(at(MONDAY, hour=8), tick=False):
        tasks.send_staff_digest.delay()
        tasks.send_staff_digest.delay()
    assert digest_emails().count() == 2
