from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from applications import services
from applications.models import ApplicationStatus, StatusChange
from iuc_portal.mail.models import OutboundEmail
from tests.applications.helpers import ready_draft
from tests.factories import UserFactory, call_2019

BRUSSELS = ZoneInfo("Europe/Brussels")
OPENED = datetime(2019, 2, 1, 10, tzinfo=BRUSSELS)


@pytest.fixture
def draft(db):
    owner = UserFactory()
    with time_machine.travel(OPENED, tick=False):
        return ready_draft(call=call_2019(), owner=owner)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("moment", "on_time"),
    [
        (datetime(2019, 3, 8, 23, 59, 59, tzinfo=BRUSSELS), True),
        (datetime(2019, 3, 9, 0, 0, 0, tzinfo=BRUSSELS), False),
        (datetime(2019, 3, 9, 0, 0, 1, tzinfo=BRUSSELS), False),
    ],
)
def test_submission_is_on_time_only_before_the_closing_instant(draft, moment, on_time):
    with time_machine.travel(moment, tick=False):
        if on_time:
            services.submit_application(application=draft, by=draft.owner)
            draft.refresh_from_db()
            assert draft.status == ApplicationStatus.SUBMITTED
            assert draft.submitted_at == moment
        else:
            with pytest.raises(services.DeadlinePassed, match="deadline has passed"):
                services.submit_application(application=draft, by=draft.owner)
            draft.refresh_from_db()
            assert draft.status == ApplicationStatus.DRAFT


@pytest.mark.django_db
def test_draft_becomes_read_only_after_the_deadline(draft):
    with time_machine.travel(datetime(2019, 3, 9, 0, 0, tzinfo=BRUSSELS), tick=False):
        assert not draft.is_editable
        with pytest.raises(services.DeadlinePassed):
            services.update_draft(application=draft, by=draft.owner, changes={"motivation": "x"})


@pytest.mark.django_db
def test_no_new_application_after_the_deadline():
    closed = datetime(2019, 3, 9, 0, 0, 1, tzinfo=BRUSSELS)
    with time_machine.travel(closed, tick=False), pytest.raises(services.DeadlinePassed):
        services.start_application(
            call=call_2019(), by=UserFactory(), country="NL", city_name="Rotterdam"
        )


@pytest.mark.django_db
def test_submitting_twice_gives_one_submission_and_one_email(
    draft, django_capture_on_commit_callbacks
):
    with time_machine.travel(OPENED, tick=False), django_capture_on_commit_callbacks(execute=True):
        services.submit_application(application=draft, by=draft.owner)
        services.submit_application(application=draft, by=draft.owner)
    assert StatusChange.objects.filter(
        application=draft, to_status=ApplicationStatus.SUBMITTED
    ).count() == 1
    assert OutboundEmail.objects.filter(template="applications/email/submitted").count() == 1


@pytest.mark.django_db
def test_an_extension_lets_one_application_submit_after_the_deadline(draft):
    staff = UserFactory(is_staff=True)
    until = datetime(2019, 3, 11, 12, 0, tzinfo=BRUSSELS)
    with time_machine.travel(OPENED, tick=False):
        services.grant_extension(application=draft, by=staff, until=until, reason="Strike")
    draft.refresh_from_db()
    assert draft.extension_granted_by == staff and draft.extension_reason == "Strike"
    with time_machine.travel(until - timedelta(seconds=1), tick=False):
        services.submit_application(application=draft, by=draft.owner)
    draft.refresh_from_db()
    assert draft.status == ApplicationStatus.SUBMITTED
    assert draft.submitted_late  # after the call's deadline, within its own extension


@pytest.mark.django_db
def test_an_extension_ends_at_its_own_instant(draft):
    until = datetime(2019, 3, 11, 12, 0, tzinfo=BRUSSELS)
    with time_machine.travel(OPENED, tick=False):
        services.grant_extension(application=draft, by=UserFactory(), until=until, reason="x")
    with time_machine.travel(until, tick=False), pytest.raises(services.DeadlinePassed):
        services.submit_application(application=draft, by=draft.owner)


@pytest.mark.django_db
def test_an_incomplete_application_cannot_be_submitted_and_says_what_is_missing():
    owner = UserFactory()
    with time_machine.travel(OPENED, tick=False):
        application = services.start_application(
            call=call_2019(), by=owner, country="NL", city_name="Ede",
            changes={"is_group": False, "population": 99_999},
        )
        with pytest.raises(services.NotReady) as refused:
            services.submit_application(application=application, by=owner)
    codes = {problem.code for problem in refused.value.problems}
    assert {"population_below_minimum", "themes_missing", "letter_missing"} <= codes


@pytest.mark.django_db
def test_one_application_per_city_side_and_call(draft):
    with time_machine.travel(OPENED, tick=False), pytest.raises(services.DuplicateApplication):
        services.start_application(
            call=draft.call, by=UserFactory(), country="NL", city_name="ROTTERDAM"
        )


@pytest.mark.django_db
def test_every_state_change_is_recorded_with_who_and_from_to(draft):
    staff = UserFactory(is_staff=True)
    with time_machine.travel(OPENED, tick=False):
        services.submit_application(application=draft, by=draft.owner)
        services.accept_application(application=draft, by=staff)
    changes = list(draft.status_changes.values_list("from_status", "to_status", "by"))
    assert changes == [
        ("", "draft", draft.owner.pk),
        ("draft", "submitted", draft.owner.pk),
        ("submitted", "accepted", staff.pk),
    ]


@pytest.mark.django_db
def test_a_transition_not_allowed_from_the_current_state_is_refused(draft):
    with pytest.raises(services.InvalidTransition):
        services.accept_application(application=draft, by=UserFactory())


@pytest.mark.django_db
def test_withdrawn_application_cannot_be_submitted(draft):
    with time_machine.travel(OPENED, tick=False):
        services.withdraw_application(application=draft, by=draft.owner)
        with pytest.raises(services.InvalidTransition):
            services.submit_application(application=draft, by=draft.owner)


@pytest.mark.django_db
def test_confirmation_email_is_in_the_applicants_language_with_text_and_html(
    draft, django_capture_on_commit_callbacks
):
    # The official's own language, not the language of the request that submitted.
    draft.owner.language = "es"
    draft.owner.save(update_fields=["language"])
    with time_machine.travel(OPENED, tick=False), django_capture_on_commit_callbacks(execute=True):
        services.submit_application(application=draft, by=draft.owner, language="en")
    email = OutboundEmail.objects.get(template="applications/email/submitted")
    assert email.language == "es"
    assert "Rotterdam" in email.subject and "Rotterdam" in email.body_text
    assert "<strong>Rotterdam</strong>" in email.body_html
    assert "Adaptación" in email.body_text  # theme names in Spanish


@pytest.mark.django_db
def test_submitted_application_is_rendered_as_a_pdf_once(draft, django_capture_on_commit_callbacks):
    import io

    from pypdf import PdfReader

    with time_machine.travel(OPENED, tick=False), django_capture_on_commit_callbacks(execute=True):
        services.submit_application(application=draft, by=draft.owner)
    draft.refresh_from_db()
    text = PdfReader(io.BytesIO(draft.pdf.read())).pages[0].extract_text()
    assert "Rotterdam" in text
    assert services.render_application_pdf(application_id=draft.pk) is False  # unchanged


@pytest.mark.django_db
def test_reject_requires_a_reason_and_emails_the_city(draft, django_capture_on_commit_callbacks):
    with time_machine.travel(OPENED, tick=False):
        services.submit_application(application=draft, by=draft.owner)
    with pytest.raises(services.ApplicationError):
        services.reject_application(application=draft, by=UserFactory(), reason="  ")
    services.reject_application(application=draft, by=UserFactory(), reason="Out of scope")
    assert OutboundEmail.objects.filter(
        template="applications/email/rejected", body_text__contains="Out of scope"
    ).exists()



@pytest.mark.django_db
def test_the_applicant_sees_their_individual_extension(client, draft):
    until = datetime(2019, 3, 11, 12, 0, tzinfo=BRUSSELS)
    with time_machine.travel(OPENED, tick=False):
        services.grant_extension(application=draft, by=UserFactory(), until=until, reason="x")
    client.force_login(draft.owner)
    with time_machine.travel(datetime(2019, 3, 10, tzinfo=BRUSSELS), tick=False):
        html = client.get(f"/applications/{draft.pk}/").content.decode()
    assert "Your individual extension:" in html and "11 March 2019, 12:00" in html
    assert "Continue the application" in html
