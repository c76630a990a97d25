"""Rules an independent examination found missing: each failed before its fix."""

from datetime import timedelta

import pytest
from django.utils import timezone

from applications import services
from applications.forms import CityForm
from iuc_portal.jobs.models import Job
from tests.applications.helpers import ready_draft
from tests.assessments.helpers import submitted
from tests.factories import CallFactory, UserFactory

pytestmark = pytest.mark.django_db


def _reopened(application, until):
    return services.ask_clarification(
        application=application, by=UserFactory(is_staff=True), question="Which figure?",
        section="city", until=until, reason="The population is unclear.",
    )


def test_a_section_is_reopened_for_a_limited_time_not_until_year_9999():
    application = submitted(CallFactory())
    with pytest.raises(services.ApplicationError, match="at most 60 days"):
        _reopened(application, timezone.now().replace(year=9999))


def test_answering_a_reopened_section_renders_the_application_pdf_again(
    django_capture_on_commit_callbacks,
):
    application = submitted(CallFactory())
    clarification = _reopened(application, timezone.now() + timedelta(days=7))
    Job.objects.all().delete()
    services.answer_clarification(clarification=clarification, by=application.owner,
                                  answer="Corrected.")
    assert Job.objects.filter(key=services.pdf_job_key(application.pk)).exists()


def test_a_city_that_becomes_a_group_keeps_no_single_city_population():
    official = UserFactory()
    application = ready_draft(call=CallFactory(), owner=official, population=500_000)
    services.update_draft(application=application, by=official,
                          changes={"is_group": True},
                          members=[("Ede", 60_000), ("Wageningen", 40_000)])
    application.refresh_from_db()
    assert application.population is None


def test_an_invalid_population_gets_one_error_that_says_what_is_wrong():
    form = CityForm(data={"country": "NL", "city_name": "Utrecht", "is_group": "0",
                          "population": "-5"}, call=CallFactory())
    assert not form.is_valid()
    assert len(form.errors["population"]) == 1
