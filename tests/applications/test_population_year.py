"""The year of a population figure: from 1990 through this year, in form and service."""

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from applications import services
from applications.forms import CityForm


def _form(year):
    return CityForm(data={"country": "NL", "city_name": "Rotterdam", "is_group": "0",
                          "population": "651000", "population_year": str(year)})


@pytest.mark.parametrize("year", [1990, 2011, 2021])
@time_machine.travel("2026-06-01", tick=False)
def test_a_past_census_year_is_accepted(year):
    form = _form(year)
    assert form.is_valid(), form.errors


@pytest.mark.parametrize("year", [1989, 2027, 2100, 9999])
@time_machine.travel("2026-06-01", tick=False)
def test_a_year_before_1990_or_after_this_year_is_refused(year):
    assert "population_year" in _form(year).errors


@time_machine.travel("2026-06-01", tick=False)
def test_building_forms_does_not_change_the_shared_field():
    for _ in range(3):
        CityForm()
    limits = sorted(v.limit_value for v in CityForm.base_fields["population_year"].validators)
    assert limits == [1990]
    assert _form(2011).is_valid()


@pytest.mark.django_db
def test_the_service_refuses_a_year_out_of_range():
    from tests.applications.helpers import ready_draft
    from tests.factories import CallFactory, UserFactory

    application = ready_draft(call=CallFactory(), owner=UserFactory())
    for year in (1500, timezone.localdate().year + 1):
        with pytest.raises(services.ApplicationError):
            services.update_draft(application=application, by=application.owner,
                                  changes={"population_year": year})
    services.update_draft(application=application, by=application.owner,
                          changes={"population_year": 2011})
    application.refresh_from_db()
    assert application.population_year == 2011


@pytest.mark.parametrize("year, valid", [(1989, False), (2011, True), (9999, False)])
def test_the_admins_form_keeps_the_same_years(rf, year, valid):
    from django.contrib import admin as django_admin

    from applications.admin import ApplicationAdmin
    from applications.models import Application

    model_admin = ApplicationAdmin(Application, django_admin.site)
    field = model_admin.formfield_for_dbfield(
        Application._meta.get_field("population_year"), rf.get("/"))
    if valid:
        assert field.clean(year) == year
    else:
        with pytest.raises(ValidationError):
            field.clean(year)
