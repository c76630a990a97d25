from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command

from applications.models import Call
from tests.factories import CallFactory, call_2019

BRUSSELS = ZoneInfo("Europe/Brussels")


@pytest.mark.django_db
def test_2019_deadline_reads_8_march_2359_in_brussels():
    call = call_2019()
    assert call.last_minute.strftime("%d %B %Y, %H:%M") == "08 March 2019, 23:59"
    assert call.last_minute.tzinfo.key == "Europe/Brussels"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("moment", "is_open"),
    [
        (datetime(2019, 3, 8, 23, 59, 59, tzinfo=BRUSSELS), True),
        (datetime(2019, 3, 9, 0, 0, 0, tzinfo=BRUSSELS), False),
        (datetime(2019, 3, 9, 0, 0, 1, tzinfo=BRUSSELS), False),
        # The same instant seen from Tokyo is already 9 March, 07:59: still open.
        (datetime(2019, 3, 9, 7, 59, 59, tzinfo=ZoneInfo("Asia/Tokyo")), True),
    ],
)
def test_call_is_open_until_its_closing_instant(moment, is_open):
    assert call_2019().is_open_at(moment) is is_open


@pytest.mark.django_db
def test_call_must_close_after_it_opens():
    call = CallFactory.build(
        opens_at=datetime(2019, 3, 9, tzinfo=BRUSSELS),
        closes_at=datetime(2019, 3, 1, tzinfo=BRUSSELS),
    )
    with pytest.raises(ValidationError):
        call.full_clean()


@pytest.mark.django_db
def test_call_time_zone_must_be_a_real_zone():
    call = CallFactory.build(time_zone="Europe/Atlantis")
    with pytest.raises(ValidationError) as error:
        call.full_clean()
    assert "time_zone" in error.value.message_dict


@pytest.mark.django_db
def test_call_gets_the_18_month_milestone_template_by_default():
    call = CallFactory()
    assert [m["month"] for m in call.milestone_template] == [0, 1, 3, 5, 6, 9, 12, 15, 18]
    call.milestone_template = [{"month": "soon", "title": "x"}]
    with pytest.raises(ValidationError):
        call.full_clean()


@pytest.mark.django_db
def test_home_lists_open_calls_with_deadline_in_their_time_zone_and_closed_ones_marked(client):
    CallFactory(
        name="Open call", slug="open-call", closes_at=datetime(2031, 3, 9, 0, 0, tzinfo=BRUSSELS)
    )
    call_2019()
    with time_machine.travel(datetime(2030, 1, 1, 12, tzinfo=BRUSSELS), tick=False):
        html = client.get("/").content.decode()
    open_section, closed_section = html.split('id="closed-heading"')
    assert "Open call" in open_section
    assert "8 March 2031, 23:59" in open_section
    assert "(Europe/Brussels)" in open_section
    assert 'data-countdown="2031-03-08T23:00:00+00:00"' in open_section
    assert "IUC call for cities 2019" in closed_section
    assert "8 March 2019, 23:59" in closed_section


@pytest.mark.django_db
def test_seed_demo_is_idempotent_and_holds_the_contract_calls():
    call_command("seed_demo", force=True)
    call_command("seed_demo", force=True)
    calls = {c.slug: c for c in Call.objects.all()}
    assert {"iuc-2019", "demo", "demo-2025"} <= set(calls)
    iuc = calls["iuc-2019"]
    assert iuc.closes_at == datetime(2019, 3, 9, 0, 0, tzinfo=BRUSSELS)
    assert iuc.min_population == 100_000
    assert iuc.partner_country_codes == set(
        ["JP", "CN", "US", "CA", "MX", "BR", "AR", "PE", "CL", "CO"]
    )
    assert calls["demo"].is_open
    assert calls["demo-2025"].has_closed
    assert Call.objects.count() == 3


def test_seed_demo_refuses_to_create_demo_accounts_in_production(settings):
    from django.core.management.base import CommandError

    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG off"):
        call_command("seed_demo")
