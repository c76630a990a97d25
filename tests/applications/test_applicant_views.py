from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from applications import services
from applications.models import Application, ApplicationStatus
from tests.applications.helpers import letter_upload, pdf_bytes, ready_draft
from tests.factories import CallFactory, UserFactory, call_2019

BRUSSELS = ZoneInfo("Europe/Brussels")


@pytest.fixture
def call(db):
    return CallFactory(slug="demo")


@pytest.fixture
def official(client, db):
    user = UserFactory()
    client.force_login(user)
    return user


def city_section(**overrides):
    data = {
        "country": "NL", "city_name": "Rotterdam", "is_group": "0", "population": "651000",
        "members-TOTAL_FORMS": "3", "members-INITIAL_FORMS": "0",
        "members-MIN_NUM_FORMS": "0", "members-MAX_NUM_FORMS": "30",
    }
    data.update(overrides)
    return data


def test_starting_an_application_saves_a_draft_and_goes_to_the_next_section(client, call, official):
    response = client.post(reverse("applications:start", args=["demo"]), city_section())
    application = Application.objects.get()
    assert response.url == reverse("applications:edit", args=[application.pk, "contact"])
    assert (application.owner, application.status, application.side) == (official, "draft", "eu")


def test_a_group_of_municipalities_applies_with_its_members(client, call, official):
    data = city_section(**{
        "city_name": "Greater Ede", "is_group": "1", "population": "",
        "members-0-name": "Ede", "members-0-population": "60000",
        "members-1-name": "Wageningen", "members-1-population": "40000",
    })
    client.post(reverse("applications:start", args=["demo"]), data)
    application = Application.objects.get()
    assert application.is_group
    assert [(m.name, m.population) for m in application.municipalities.all()] == [
        ("Ede", 60000), ("Wageningen", 40000)
    ]
    assert services.eligibility_problems(application) == []


def test_an_ineligible_city_sees_the_rule_and_cannot_submit(client, call, official):
    client.post(reverse("applications:start", args=["demo"]), city_section(population="99999"))
    application = Application.objects.get()
    page = client.get(reverse("applications:edit", args=[application.pk, "contact"]))
    assert "below this call&#x27;s minimum of 100,000" in page.content.decode()
    review = client.get(reverse("applications:review", args=[application.pk])).content.decode()
    assert "Submit the application" not in review
    client.post(reverse("applications:submit", args=[application.pk]))
    application.refresh_from_db()
    assert application.status == ApplicationStatus.DRAFT


def test_a_letter_that_is_not_a_pdf_is_refused_by_its_content(client, call, official):
    application = ready_draft(call=call, owner=official)
    url = reverse("applications:edit", args=[application.pk, "commitment"])
    fake = letter_upload("letter.pdf", b"MZ\x90\x00 this is an executable, not a PDF")
    response = client.post(url, {"commits_to_18_months": "on", "commitment_letter": fake,
                                 "continue": "1"})
    assert response.status_code == 200
    assert "not a PDF" in response.content.decode()


def test_a_letter_over_10_mb_is_refused(client, call, official, settings):
    application = ready_draft(call=call, owner=official)
    settings.MAX_DOCUMENT_UPLOAD_BYTES = 10 * 1024 * 1024
    oversized = pdf_bytes() + b"%" + b"x" * (10 * 1024 * 1024)
    url = reverse("applications:edit", args=[application.pk, "commitment"])
    response = client.post(url, {"commitment_letter": letter_upload(content=oversized)})
    assert response.status_code == 200
    assert "the limit is 10.0\xa0MB" in response.content.decode()


def test_the_form_is_closed_after_the_deadline(client, official):
    call = call_2019()
    with time_machine.travel(datetime(2019, 3, 9, 0, 0, tzinfo=BRUSSELS), tick=False):
        response = client.get(reverse("applications:start", args=["iuc-2019"]))
        assert response.status_code == 403
        assert "This call is closed" in response.content.decode()
        response = client.post(reverse("applications:start", args=["iuc-2019"]), city_section())
    assert not Application.objects.filter(call=call).exists()


def test_a_resumed_draft_after_the_deadline_is_read_only_and_cannot_be_submitted(client, official):
    call = call_2019()
    with time_machine.travel(datetime(2019, 2, 1, tzinfo=BRUSSELS), tick=False):
        application = ready_draft(call=call, owner=official)
    with time_machine.travel(datetime(2019, 3, 9, 0, 0, tzinfo=BRUSSELS), tick=False):
        response = client.get(reverse("applications:edit", args=[application.pk, "contact"]))
        assert response.status_code == 302
        detail = client.get(response.url).content.decode()
        assert "The deadline has passed (2019-03-08 23:59, Europe/Brussels)" in detail
        client.post(reverse("applications:submit", args=[application.pk]))
    application.refresh_from_db()
    assert application.status == ApplicationStatus.DRAFT


def test_submit_through_the_browser_path_is_idempotent(client, call, official):
    application = ready_draft(call=call, owner=official)
    url = reverse("applications:submit", args=[application.pk])
    first, second = client.post(url), client.post(url)
    assert first.status_code == second.status_code == 302
    assert application.status_changes.filter(to_status="submitted").count() == 1


# --- Access: one city never reaches another's data -----------------------------------

OWNER_URLS = [
    ("applications:detail", {}), ("applications:review", {}), ("applications:pdf", {}),
    ("applications:pdf_status", {}), ("applications:letter", {}), ("applications:withdraw", {}),
    ("applications:edit", {"section": "city"}), ("applications:edit", {"section": "commitment"}),
]


@pytest.mark.parametrize(("name", "extra"), OWNER_URLS)
def test_another_citys_official_gets_404_on_every_url(client, call, name, extra):
    application = ready_draft(call=call, owner=UserFactory())
    services.submit_application(application=application, by=application.owner)
    services.render_application_pdf(application_id=application.pk)
    client.force_login(UserFactory())
    url = reverse(name, kwargs={"pk": application.pk, **extra})
    assert client.get(url).status_code == 404
    assert client.post(url, {"reason": "x", "continue": "1"}).status_code == 404


@pytest.mark.parametrize("name", ["applications:submit", "applications:prepare_pdf"])
def test_another_citys_official_cannot_submit_or_trigger_work(client, call, name):
    application = ready_draft(call=call, owner=UserFactory())
    client.force_login(UserFactory())
    assert client.post(reverse(name, args=[application.pk])).status_code == 404
    application.refresh_from_db()
    assert application.status == ApplicationStatus.DRAFT


def test_anonymous_visitors_are_sent_to_sign_in(client, call):
    application = ready_draft(call=call, owner=UserFactory())
    response = client.get(reverse("applications:letter", args=[application.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_the_owner_downloads_their_letter_and_pdf(client, call, official):
    application = ready_draft(call=call, owner=official)
    services.submit_application(application=application, by=official)
    services.render_application_pdf(application_id=application.pk)
    for name in ["applications:letter", "applications:pdf"]:
        response = client.get(reverse(name, args=[application.pk]))
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_staff_with_permission_download_any_letter(client, call):
    from django.contrib.auth.models import Group

    application = ready_draft(call=call, owner=UserFactory())
    staff = UserFactory(is_staff=True)
    staff.groups.add(Group.objects.get(name="Programme staff"))
    client.force_login(staff)
    assert client.get(reverse("applications:letter", args=[application.pk])).status_code == 200


def test_dashboard_lists_only_the_officials_own_applications(client, call, official):
    ready_draft(call=call, owner=official, city="Rotterdam")
    ready_draft(call=call, owner=UserFactory(), city="Utrecht")
    html = client.get(reverse("applications:dashboard")).content.decode()
    assert "Rotterdam" in html and "Utrecht" not in html


def test_geonames_hint_warns_without_blocking_when_the_figure_is_far_off(client, call, official):
    client.post(reverse("applications:start", args=["demo"]),
                city_section(city_name="Rotterdam", population="150000"))
    application = Application.objects.get()
    html = client.get(reverse("applications:edit", args=[application.pk, "contact"])).content
    assert b"GeoNames lists Rotterdam with about" in html
    assert services.eligibility_problems(application) == []  # a hint, not a rule


def test_no_geonames_hint_when_the_figure_is_close(client, call, official):
    from applications.geonames import known_population

    known = known_population("Rotterdam", "NL")
    client.post(reverse("applications:start", args=["demo"]),
                city_section(city_name="Rotterdam", population=str(known)))
    application = Application.objects.get()
    html = client.get(reverse("applications:edit", args=[application.pk, "contact"])).content
    assert b"GeoNames lists" not in html


@pytest.mark.django_db
def test_city_section_accepts_a_recent_population_year_and_refuses_a_future_one():
    from django.utils import timezone

    from applications.forms import CityForm

    call = CallFactory()
    year = timezone.now().year
    data = {"country": "NL", "city_name": "Eindhoven", "is_group": "0", "population": "238326"}
    for _ in range(2):  # the second form must not inherit the first one's changes
        assert CityForm({**data, "population_year": str(year - 2)}, call=call).is_valid()
    future = CityForm({**data, "population_year": str(year + 1)}, call=call)
    assert not future.is_valid()
    assert "population_year" in future.errors
