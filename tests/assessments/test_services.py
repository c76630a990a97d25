"""Assessment rules held by the services: who may do what, and what follows."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from applications import services as application_services
from applications.models import ApplicationStatus, Clarification
from assessments import selectors, services
from assessments.models import Assignment, Criterion
from iuc_portal.mail.models import OutboundEmail
from tests.factories import CallFactory, UserFactory

from .helpers import assessor, lead, score_all, submitted

pytestmark = pytest.mark.django_db


@pytest.fixture
def call():
    return CallFactory()


def test_a_call_gets_the_five_default_iuc_criteria(call):
    scheme = services.set_up_assessment(call=call)
    names = [c.name for c in scheme.criteria.all()]
    assert len(names) == 5 and names[0].startswith("Relevance of the themes")
    assert services.set_up_assessment(call=call).criteria.count() == 5  # idempotent


def test_only_the_lead_assigns_and_only_assessors_are_assigned(call):
    application = submitted(call)
    with pytest.raises(services.NotAllowed):
        services.assign_assessor(application=application, assessor=assessor(), by=assessor())
    with pytest.raises(services.AssessmentError, match="not an assessor"):
        services.assign_assessor(application=application, assessor=UserFactory(), by=lead())


def test_assigning_marks_the_application_under_assessment_and_mails_the_list(call):
    application = submitted(call)
    person = assessor()
    services.assign_assessor(application=application, assessor=person, by=lead())
    application.refresh_from_db()
    assert application.assessment_started_at is not None
    mail = OutboundEmail.objects.get(to_email=person.email, template="assessments/email/assigned")
    assert "Rotterdam (NL)" in mail.body_text


def test_auto_assign_gives_each_application_two_assessors_and_one_mail_each(call):
    apps = [submitted(call, f"City {i}", "NL") for i in range(6)]
    people = [assessor() for _ in range(4)]
    created = services.auto_assign(call=call, by=lead())
    assert len(created) == 12
    for application in apps:
        assert application.assessment_assignments.count() == 2
    loads = [Assignment.objects.filter(assessor=p).count() for p in people]
    assert max(loads) - min(loads) <= 1
    assert OutboundEmail.objects.filter(template="assessments/email/assigned").count() == 4
    assert services.auto_assign(call=call, by=lead()) == []  # nothing more to do


def test_auto_assign_never_reassigns_a_conflicted_assessor(call):
    application = submitted(call)
    first, second, third = assessor(), assessor(), assessor()
    boss = lead()
    assignment = services.assign_assessor(application=application, assessor=first, by=boss)
    services.declare_conflict(assignment=assignment, by=first, reason="I worked for this city")
    services.auto_assign(call=call, by=boss)
    active = set(
        application.assessment_assignments.filter(state="assigned").values_list(
            "assessor", flat=True
        )
    )
    assert active == {second.pk, third.pk}
    with pytest.raises(services.AssessmentError, match="conflict"):
        services.assign_assessor(application=application, assessor=first, by=boss)


def test_submitting_needs_every_criterion_scored_within_its_scale(call):
    application = submitted(call)
    person = assessor()
    assignment = services.assign_assessor(application=application, assessor=person, by=lead())
    criteria = selectors.criteria_for(call)
    with pytest.raises(services.AssessmentError, match="from 0 to 5"):
        services.save_scores(assignment=assignment, by=person, scores={criteria[0].pk: (6, "")})
    services.save_scores(assignment=assignment, by=person, scores={criteria[0].pk: (5, "good")})
    with pytest.raises(services.AssessmentError, match="Score every criterion"):
        services.submit_assessment(assignment=assignment, by=person)
    assignment.refresh_from_db()
    assert assignment.state == "assigned" and assignment.weighted_score is None


def test_submitted_assessment_keeps_its_weighted_score_and_locks(call):
    application = submitted(call)
    person = assessor()
    assignment = services.assign_assessor(application=application, assessor=person, by=lead())
    done = score_all(assignment, 5)
    assert done.state == "submitted" and done.weighted_score == Decimal("100.00")
    with pytest.raises(services.AssessmentError):
        services.save_scores(assignment=done, by=person, scores={})
    assert done.history.count() >= 2


def test_someone_else_cannot_score_my_assignment(call):
    application = submitted(call)
    assignment = services.assign_assessor(application=application, assessor=assessor(), by=lead())
    with pytest.raises(services.NotAllowed):
        services.save_scores(assignment=assignment, by=assessor(), scores={})


def test_assessors_see_others_scores_only_after_submitting_their_own(call):
    application = submitted(call)
    boss, a, b = lead(), assessor(), assessor()
    mine = services.assign_assessor(application=application, assessor=a, by=boss)
    theirs = services.assign_assessor(application=application, assessor=b, by=boss)
    score_all(theirs, 1)
    assert selectors.other_assessments(mine) == []
    mine = score_all(mine, 5)
    assert [x.pk for x in selectors.other_assessments(mine)] == [theirs.pk]


def test_a_conflicted_assessor_loses_access_and_draft_scores(call):
    application = submitted(call)
    person = assessor()
    assignment = services.assign_assessor(application=application, assessor=person, by=lead())
    criterion = selectors.criteria_for(call)[0]
    services.save_scores(assignment=assignment, by=person, scores={criterion.pk: (3, "")})
    services.declare_conflict(assignment=assignment, by=person, reason="My brother is mayor")
    assert not assignment.scores.exists()
    with pytest.raises(Assignment.DoesNotExist):
        selectors.assignment_for(person, application.pk)


def test_ranked_list_orders_by_mean_and_flags_disagreement(call):
    boss, a, b = lead(), assessor(), assessor()
    good, split = submitted(call, "Good", "NL"), submitted(call, "Split", "BE")
    for application, (x, y) in [(good, (5, 4)), (split, (5, 1))]:
        score_all(services.assign_assessor(application=application, assessor=a, by=boss), x)
        score_all(services.assign_assessor(application=application, assessor=b, by=boss), y)
    rows = list(selectors.ranked_applications(boss, call))
    assert [r.city_name for r in rows] == ["Good", "Split"]
    assert rows[0].mean_score == Decimal("90") and not rows[0].disagreement
    assert rows[1].disagreement and rows[1].spread == Decimal("80")
    flagged = selectors.ranked_applications(boss, call, flag="disagreement")
    assert [r.city_name for r in flagged] == ["Split"]


def test_the_disagreement_threshold_is_a_setting_of_the_call(call):
    boss, a, b = lead(), assessor(), assessor()
    application = submitted(call)
    score_all(services.assign_assessor(application=application, assessor=a, by=boss), 5)
    score_all(services.assign_assessor(application=application, assessor=b, by=boss), 4)
    scheme = selectors.scheme_for(call)
    assert not selectors.ranked_applications(boss, call).get().disagreement
    scheme.disagreement_threshold = Decimal("10")
    scheme.save()
    assert selectors.ranked_applications(boss, call).get().disagreement


def test_a_third_assessment_goes_to_someone_not_yet_on_the_application(call):
    boss, a, b, c = lead(), assessor(), assessor(), assessor()
    application = submitted(call)
    services.assign_assessor(application=application, assessor=a, by=boss)
    services.assign_assessor(application=application, assessor=b, by=boss)
    third = services.request_additional_assessment(application=application, by=boss)
    assert third.assessor == c


def test_the_lead_decides_through_the_application_rules_with_history(call):
    boss = lead()
    application = submitted(call)
    services.decide_application(application=application, by=boss, decision="accept")
    application.refresh_from_db()
    assert application.status == ApplicationStatus.ACCEPTED
    assert application.status_changes.filter(to_status="accepted", by=boss).exists()
    other = submitted(call, "Porto", "PT")
    with pytest.raises(services.AssessmentError, match="reason"):
        services.decide_application(application=other, by=boss, decision="reject", reason=" ")
    with pytest.raises(services.NotAllowed):
        services.decide_application(application=other, by=assessor(), decision="accept")


def test_weights_change_the_weighted_score(call):
    boss, person = lead(), assessor()
    application = submitted(call)
    assignment = services.assign_assessor(application=application, assessor=person, by=boss)
    criteria = selectors.criteria_for(call)
    Criterion.objects.filter(pk=criteria[0].pk).update(weight=Decimal("4"))
    scores = {c.pk: (5 if i == 0 else 0, "") for i, c in enumerate(criteria)}
    services.save_scores(assignment=assignment, by=person, scores=scores)
    done = services.submit_assessment(assignment=assignment, by=person)
    # Full marks on the first criterion only: its weight 4 of 4 + 1 + 1 + 1.5 + 1 = 8.5.
    assert done.weighted_score == Decimal("47.06")


def test_only_assessors_of_the_application_or_the_lead_ask_the_applicant(call):
    boss, mine, stranger = lead(), assessor(), assessor()
    application = submitted(call)
    services.assign_assessor(application=application, assessor=mine, by=boss)
    with pytest.raises(services.NotAllowed):
        services.ask_applicant(application=application, by=stranger, question="Why?")
    asked = services.ask_applicant(application=application, by=mine, question="Why?")
    assert asked.state == Clarification.State.OPEN
    assert OutboundEmail.objects.filter(template="applications/email/clarification").exists()


def test_reopened_section_after_the_deadline_changes_that_section_only(call):
    owner = UserFactory()
    application = submitted(call, owner=owner, motivation="Old motivation")
    call.closes_at = timezone.now() - timedelta(days=1)
    call.opens_at = timezone.now() - timedelta(days=30)
    call.save()
    boss = lead()
    clarification = services.ask_applicant(
        application=application, by=boss, question="Tell us more about your motivation.",
        section="themes", until=timezone.now() + timedelta(days=7), reason="Too short",
    )  # fmt: skip
    with pytest.raises(application_services.ApplicationError):
        application_services.update_reopened_section(
            application=application, by=owner, section="themes",
            changes={"contact_name": "Someone else"},
        )  # fmt: skip
    with pytest.raises(application_services.DeadlinePassed):
        application_services.update_reopened_section(
            application=application, by=owner, section="contact", changes={"contact_name": "X"}
        )
    application_services.update_reopened_section(
        application=application, by=owner, section="themes",
        changes={"motivation": "A much longer motivation."},
    )  # fmt: skip
    application_services.answer_clarification(
        clarification=clarification, by=owner, answer="Done, see the motivation."
    )
    clarification.refresh_from_db()
    diff = selectors.clarifications_with_diff(application)[0]["diff"]
    assert "-Motivation: Old motivation" in diff
    assert "+Motivation: A much longer motivation." in diff
    with pytest.raises(application_services.DeadlinePassed):  # locked again after the answer
        application_services.update_reopened_section(
            application=application, by=owner, section="themes", changes={"motivation": "Again"}
        )


def test_a_reopened_section_locks_again_at_its_end(call):
    owner = UserFactory()
    application = submitted(call, owner=owner)
    services.ask_applicant(
        application=application, by=lead(), question="?", section="contact",
        until=timezone.now() + timedelta(hours=1), reason="phone missing",
    )  # fmt: skip
    with pytest.raises(application_services.DeadlinePassed):
        application_services.update_reopened_section(
            application=application, by=owner, section="contact",
            changes={"contact_phone": "+32 2 123 45 67"},
            now=timezone.now() + timedelta(hours=2),
        )  # fmt: skip


def test_seed_demo_gives_the_demo_call_criteria_assessors_and_scores_once():
    from django.core.management import call_command

    from applications.models import Call

    call_command("seed_demo", force=True)
    call_command("seed_demo", force=True)
    demo = Call.objects.get(slug="demo")
    assert len(selectors.criteria_for(demo)) == 5
    assert Assignment.objects.filter(application__call=demo, state="submitted").count() == 5
    assert Assignment.objects.filter(application__call=demo).count() == 6
    lead_user = UserFactory._meta.model.objects.get(email="lead@iuc.example.eu")
    flags = {r.city_name: r.disagreement for r in selectors.ranked_applications(lead_user, demo)}
    assert flags == {"Barcelona": False, "Parma": True, "Guangzhou": False}


def test_automatic_assignments_are_kept_in_history_with_who_made_them(call):
    boss = lead()
    submitted(call)
    assessor(), assessor()
    created = services.auto_assign(call=call, by=boss)
    assert len(created) == 2
    for assignment in created:
        assert assignment.history.get().history_user == boss
