"""The programme staff's side of applications, in the Django admin."""

import zoneinfo
from datetime import timedelta

import pytest
from django.contrib import admin as django_admin
from django.contrib.auth.models import Group, Permission
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.forms import BooleanField
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from applications import eligibility
from applications.models import (
    Application,
    ApplicationStatus,
    ApplicationTheme,
    Municipality,
    StatusChange,
    Theme,
)
from iuc_portal.accounts.roles import STAFF_GROUP
from iuc_portal.core.cache import rendered_pages
from iuc_portal.mail.models import OutboundEmail
from tests.factories import CallFactory, UserFactory

CHANGELIST = "/admin/applications/application/"
IMPORT_URL = "/admin/applications/application/import-csv/"
EXPORT_URL = "/admin/applications/application/export/"


# --- Building blocks ---------------------------------------------------------------


def make_application(
    call,
    city,
    country="FR",
    *,
    status=ApplicationStatus.SUBMITTED,
    submitted_at=None,
    themes=("housing",),
    **fields,
):
    """An application as the ORM stores it (admin tests need no applicant journey)."""
    if status != ApplicationStatus.DRAFT and submitted_at is None:
        submitted_at = call.closes_at - timedelta(days=2)
    fields.setdefault("population", 250_000)
    fields.setdefault("contact_email", f"{city.lower().replace(' ', '-')}@city.example")
    application = Application.objects.create(
        call=call,
        city_name=city,
        country=country,
        side=eligibility.side_for(country),
        status=status,
        submitted_at=submitted_at,
        **fields,
    )
    by_slug = Theme.objects.in_bulk(list(themes), field_name="slug")
    ApplicationTheme.objects.bulk_create(
        ApplicationTheme(application=application, theme=by_slug[slug], priority=i)
        for i, slug in enumerate(themes, start=1)
    )
    return application


def bulk_applications(call, count, *, start=0):
    """Many applications quickly: every fifth one a group, each with two themes."""
    now = timezone.now()
    applications = Application.objects.bulk_create(
        Application(
            call=call,
            city_name=f"City {i:05d}",
            country="FR" if i % 2 else "JP",
            side="eu" if i % 2 else "partner",
            status=ApplicationStatus.SUBMITTED,
            is_group=i % 5 == 0,
            population=None if i % 5 == 0 else 100_000 + i,
            submitted_at=now - timedelta(hours=i),
            contact_email=f"city{i}@city.example",
        )
        for i in range(start, start + count)
    )
    housing, air = Theme.objects.get(slug="housing"), Theme.objects.get(slug="air-quality")
    ApplicationTheme.objects.bulk_create(
        ApplicationTheme(application=application, theme=theme, priority=priority)
        for application in applications
        for priority, theme in ((1, housing), (2, air))
    )
    Municipality.objects.bulk_create(
        Municipality(application=application, name=f"Member {n}", population=60_000, position=n)
        for application in applications
        if application.is_group
        for n in range(2)
    )
    return applications


def staff_member(**kwargs):
    """A member of "Programme staff" who is not a superuser."""
    user = UserFactory(is_staff=True, **kwargs)
    user.groups.add(Group.objects.get(name=STAFF_GROUP))
    return user


def messages_of(response):
    return [str(message) for message in response.context["messages"]]


def cities(response):
    return sorted(a.city_name for a in response.context["cl"].queryset)


@pytest.fixture
def call():
    now = timezone.now()
    return CallFactory(
        slug="review", opens_at=now - timedelta(days=60), closes_at=now + timedelta(days=30)
    )


@pytest.fixture
def closed_call():
    now = timezone.now()
    return CallFactory(
        slug="closed", opens_at=now - timedelta(days=60), closes_at=now - timedelta(days=1)
    )


@pytest.fixture
def staff(client):
    user = staff_member(email="reviewer@iuc.example.eu")
    client.force_login(user)
    return user


# --- The changelist ------------------------------------------------------------------


@pytest.mark.django_db
def test_changelist_query_count_is_flat_from_10_to_1000_applications(admin_client, call):
    bulk_applications(call, 10)
    admin_client.get(CHANGELIST)  # warm the per-process caches (content types, sites)
    rendered_pages().clear()  # the list built, not its content from the cache
    with CaptureQueriesContext(connection) as few:
        response = admin_client.get(CHANGELIST)
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == 10

    bulk_applications(call, 990, start=10)
    rendered_pages().clear()
    with CaptureQueriesContext(connection) as many:
        response = admin_client.get(CHANGELIST)
    assert response.status_code == 200
    assert response.context["cl"].result_count == 1000
    assert len(response.context["cl"].result_list) == 50  # list_per_page
    assert len(many.captured_queries) == len(few.captured_queries), [
        query["sql"] for query in many.captured_queries
    ]


@pytest.mark.django_db
def test_changelist_shows_group_total_themes_in_priority_order_and_flags(admin_client, call):
    group = make_application(
        call, "Twente", "NL", is_group=True, population=None, themes=("urban-mobility", "housing")
    )
    Municipality.objects.bulk_create(
        [
            Municipality(application=group, name="Enschede", population=160_000),
            Municipality(application=group, name="Hengelo", population=81_000),
        ]
    )
    response = admin_client.get(CHANGELIST)
    content = response.content.decode()
    assert "241,000 (group of 2)" in content
    assert "Urban mobility; Housing" in content
    assert "Import CSV" in content


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "Housing; Air quality"), ("fr", "Logement; Qualité de l’air")],
)
def test_changelist_names_the_themes_in_the_readers_language(
    admin_client, call, language, expected
):
    Theme.objects.filter(slug="housing").update(name_en="Housing", name_fr="Logement")
    Theme.objects.filter(slug="air-quality").update(
        name_en="Air quality", name_fr="Qualité de l’air"
    )
    make_application(call, "Lyon", themes=("housing", "air-quality"))
    admin_client.cookies["django_language"] = language
    content = admin_client.get(CHANGELIST).content.decode()
    assert f'<td class="field-theme_names">{expected}</td>' in content
    assert "housing; air-quality" not in content


@pytest.fixture
def filter_rows(closed_call):
    call = closed_call
    late = call.closes_at + timedelta(hours=1)
    return {
        "Lyon": make_application(call, "Lyon", "FR", themes=("housing", "air-quality")),
        "Osaka": make_application(call, "Osaka", "JP", submitted_at=late, themes=("air-quality",)),
        "Austin": make_application(
            call,
            "Austin",
            "US",
            status=ApplicationStatus.DRAFT,
            extension_until=timezone.now() + timedelta(days=3),
            extension_reason="Council meeting moved",
            themes=("circular-economy",),
        ),
        "Porto": make_application(
            call,
            "Porto",
            "PT",
            has_eligibility_problems=True,
            population=90_000,
            contact_name="Ana Silva",
            owner=UserFactory(email="mayor-office@porto.example.pt"),
        ),
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("region=asia", ["Osaka"]),
        ("region=eu", ["Lyon", "Porto"]),
        ("region=north-america", ["Austin"]),
        ("late=yes", ["Osaka"]),
        ("late=no", ["Lyon", "Porto"]),
        ("extension=yes", ["Austin"]),
        ("extension=no", ["Lyon", "Osaka", "Porto"]),
        ("has_eligibility_problems__exact=1", ["Porto"]),
        ("has_eligibility_problems__exact=0", ["Austin", "Lyon", "Osaka"]),
        ("theme=air-quality", ["Lyon", "Osaka"]),
        ("theme=circular-economy", ["Austin"]),
        ("country=PT", ["Porto"]),
        ("status__exact=draft", ["Austin"]),
        ("side__exact=partner", ["Austin", "Osaka"]),
    ],
)
def test_filters_return_the_right_applications(staff, client, filter_rows, query, expected):
    response = client.get(f"{CHANGELIST}?{query}")
    assert response.status_code == 200
    assert cities(response) == expected


@pytest.mark.django_db
def test_country_filter_offers_only_countries_that_applied(staff, client, filter_rows):
    response = client.get(CHANGELIST)
    country_filter = next(
        spec
        for spec in response.context["cl"].filter_specs
        if getattr(spec, "parameter_name", None) == "country"
    )
    # By name: France, Japan, Portugal, United States of America.
    assert [code for code, _name in country_filter.lookup_choices] == ["FR", "JP", "PT", "US"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("lyo", ["Lyon"]),
        ("Ana Silva", ["Porto"]),
        ("osaka@city.example", ["Osaka"]),
        ("mayor-office@porto", ["Porto"]),
    ],
)
def test_search_finds_city_contact_and_official(staff, client, filter_rows, term, expected):
    response = client.get(CHANGELIST, {"q": term})
    assert cities(response) == expected


# --- The change form -----------------------------------------------------------------


def change_form_data(response):
    """What the browser would post back from a rendered change form, unchanged."""
    data = {}
    form = response.context["adminform"].form
    for name in form.fields:
        value = form[name].value()
        if value is not None:
            data[name] = value
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management[name].value()
        for subform in formset.forms:
            for name in subform.fields:
                value = subform[name].value()
                if value is not None:
                    data[subform.add_prefix(name)] = value
    return data


@pytest.mark.django_db
def test_staff_edits_contact_details_but_never_the_status(staff, client, call):
    application = make_application(call, "Lyon", contact_name="A. Typo")
    url = reverse("admin:applications_application_change", args=[application.pk])
    response = client.get(url)
    assert response.status_code == 200
    form = response.context["adminform"].form
    for read_only in ("status", "decision_reason", "extension_until", "submitted_at", "country"):
        assert read_only not in form.fields

    data = change_form_data(response)
    data.update(contact_name="Anne Dupont", status="accepted", decision_reason="forged")
    response = client.post(url, data)
    assert response.status_code == 302, response.context["errors"]

    application.refresh_from_db()
    assert application.contact_name == "Anne Dupont"
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.decision_reason == ""
    assert application.history.first().history_user == staff


@pytest.mark.django_db
def test_change_form_shows_inlines_and_one_click_document_links(staff, client, call):
    application = make_application(call, "Lyon", themes=("housing", "air-quality"))
    Application.objects.filter(pk=application.pk).update(
        commitment_letter="letters/1/letter.pdf", pdf="application-pdfs/1/app.pdf"
    )
    StatusChange.objects.create(
        application=application, from_status="draft", to_status="submitted", by=staff
    )
    response = client.get(reverse("admin:applications_application_change", args=[application.pk]))
    content = response.content.decode()
    assert response.status_code == 200
    assert "Status changes" in content and "reviewer@iuc.example.eu" in content
    assert "themes chosen, in priority order" in content.lower()
    for url_name in ("applications:pdf", "applications:letter"):
        try:
            url = reverse(url_name, args=[application.pk])
        except NoReverseMatch:
            assert "download not available yet" in content
        else:
            assert f'href="{url}"' in content


@pytest.mark.django_db
def test_staff_download_the_signed_letter_in_one_click(staff, client, call):
    try:
        reverse("applications:letter", args=[1])
    except NoReverseMatch:
        pytest.skip("the applicant-side download views are not there yet")
    application = make_application(call, "Lyon")
    application.commitment_letter.save("letter.pdf", ContentFile(b"%PDF-1.4 letter"))
    page = client.get(reverse("admin:applications_application_change", args=[application.pk]))
    link = reverse("applications:letter", args=[application.pk])
    assert f'href="{link}"' in page.content.decode()
    response = client.get(link)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"


@pytest.mark.django_db
def test_history_cannot_be_reverted_from_the_admin(staff, client, call):
    application = make_application(call, "Lyon")
    version = application.history.first()
    url = reverse(
        "admin:applications_application_simple_history",
        args=[application.pk, version.history_id],
    )
    assert client.get(url).status_code == 200
    assert client.post(url, {"city_name": "Lyon"}).status_code == 403


# --- Actions -------------------------------------------------------------------------


@pytest.mark.django_db
def test_accept_action_moves_submitted_to_accepted_and_records_who(staff, client, call):
    application = make_application(call, "Lyon")
    response = client.post(
        CHANGELIST,
        {"action": "accept_for_matching", "_selected_action": [application.pk]},
        follow=True,
    )
    application.refresh_from_db()
    assert application.status == ApplicationStatus.ACCEPTED
    change = application.status_changes.get()
    assert (change.from_status, change.to_status, change.by) == ("submitted", "accepted", staff)
    assert messages_of(response) == ["1 application accepted for matching: Lyon (FR)."]


@pytest.mark.django_db
def test_refusals_are_reported_per_application_not_a_server_error(staff, client, call):
    draft = make_application(call, "Lyon", status=ApplicationStatus.DRAFT)
    rejected = make_application(call, "Porto", "PT", status=ApplicationStatus.REJECTED)
    submitted = make_application(call, "Osaka", "JP")
    response = client.post(
        CHANGELIST,
        {
            "action": "accept_for_matching",
            "_selected_action": [draft.pk, rejected.pk, submitted.pk],
        },
        follow=True,
    )
    assert response.status_code == 200
    assert messages_of(response) == [
        "1 application accepted for matching: Osaka (JP).",
        "2 applications not accepted (Only submitted applications can be accepted.): "
        "Lyon (FR), Porto (PT).",
    ]
    draft.refresh_from_db()
    assert draft.status == ApplicationStatus.DRAFT


@pytest.mark.django_db
def test_reject_action_requires_a_reason_then_rejects_and_emails_the_city(
    staff, client, call, django_capture_on_commit_callbacks
):
    application = make_application(call, "Lyon", contact_email="mairie@lyon.example.fr")
    selection = {"action": "reject", "_selected_action": [application.pk]}

    page = client.post(CHANGELIST, selection)
    assert page.status_code == 200
    assert "reason" in page.context["form"].fields
    assert "Lyon" in page.content.decode()

    empty = client.post(CHANGELIST, {**selection, "apply": "1", "reason": "   "})
    assert empty.status_code == 200
    assert empty.context["form"].errors["reason"]
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED

    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(
            CHANGELIST,
            {**selection, "apply": "1", "reason": "The population is below 100,000."},
            follow=True,
        )
    application.refresh_from_db()
    assert application.status == ApplicationStatus.REJECTED
    assert application.decision_reason == "The population is below 100,000."
    assert application.status_changes.get().by == staff
    email = OutboundEmail.objects.get(to_email="mairie@lyon.example.fr")
    assert "below 100,000" in email.body_text
    assert "1 application rejected" in messages_of(done)[0]


@pytest.mark.django_db
def test_reject_across_all_filtered_rows_keeps_the_whole_selection(staff, client, call):
    submitted = [make_application(call, city, "FR") for city in ("Lyon", "Nice", "Metz")]
    draft = make_application(call, "Brest", status=ApplicationStatus.DRAFT)
    url = f"{CHANGELIST}?status__exact=submitted"
    # "Select all 3": the browser sends the ticked rows of the page plus select_across.
    selection = {
        "action": "reject",
        "index": "0",
        "select_across": "1",
        "_selected_action": [submitted[0].pk],
    }
    page = client.post(url, selection)
    assert page.status_code == 200
    assert page.context["count"] == 3
    response = client.post(
        url,
        {
            "action": "reject",
            "select_across": "1",
            "_selected_action": [submitted[0].pk],
            "apply": "1",
            "reason": "Outside the programme's scope.",
        },
    )
    assert response.status_code == 302
    statuses = dict(Application.objects.values_list("city_name", "status"))
    assert statuses == {
        "Lyon": "rejected",
        "Nice": "rejected",
        "Metz": "rejected",
        "Brest": draft.status,
    }


@pytest.mark.django_db
def test_extension_action_reads_the_time_in_the_calls_time_zone(staff, client):
    now = timezone.now()
    tokyo_call = CallFactory(
        slug="tokyo",
        time_zone="Asia/Tokyo",
        opens_at=now - timedelta(days=30),
        closes_at=now + timedelta(days=1),
    )
    draft = make_application(tokyo_call, "Osaka", "JP", status=ApplicationStatus.DRAFT)
    selection = {"action": "grant_extension", "_selected_action": [draft.pk]}

    page = client.post(CHANGELIST, selection)
    assert page.status_code == 200
    assert "Asia/Tokyo" in page.content.decode()

    tokyo = zoneinfo.ZoneInfo("Asia/Tokyo")
    local = (
        (now + timedelta(days=10))
        .astimezone(tokyo)
        .replace(hour=9, minute=0, second=0, microsecond=0)
    )
    response = client.post(
        CHANGELIST,
        {
            **selection,
            "apply": "1",
            "until": local.strftime("%Y-%m-%dT%H:%M"),
            "reason": "Council vote on 3 April",
        },
        follow=True,
    )
    draft.refresh_from_db()
    assert draft.extension_until == local
    assert draft.extension_until.astimezone(tokyo).hour == 9
    assert draft.extension_reason == "Council vote on 3 April"
    assert draft.extension_granted_by == staff
    assert "may now be submitted until" in messages_of(response)[0]
    assert "Asia/Tokyo" in messages_of(response)[0]


@pytest.mark.django_db
def test_extension_in_the_past_is_a_form_error(staff, client, call):
    draft = make_application(call, "Lyon", status=ApplicationStatus.DRAFT)
    response = client.post(
        CHANGELIST,
        {
            "action": "grant_extension",
            "_selected_action": [draft.pk],
            "apply": "1",
            "until": "2019-03-10T12:00",
            "reason": "Too late anyway",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["until"]
    draft.refresh_from_db()
    assert draft.extension_until is None


@pytest.mark.django_db
def test_extension_refused_for_submitted_and_for_mixed_time_zones(staff, client, call):
    submitted = make_application(call, "Lyon")
    response = client.post(
        CHANGELIST,
        {
            "action": "grant_extension",
            "_selected_action": [submitted.pk],
            "apply": "1",
            "until": (timezone.now() + timedelta(days=5)).strftime("%Y-%m-%dT%H:%M"),
            "reason": "Asked nicely",
        },
        follow=True,
    )
    assert messages_of(response) == [
        "1 application not extended (Only a draft can be given more time.): Lyon (FR)."
    ]

    tokyo_call = CallFactory(slug="tokyo-2", time_zone="Asia/Tokyo")
    other = make_application(tokyo_call, "Osaka", "JP", status=ApplicationStatus.DRAFT)
    response = client.post(
        CHANGELIST,
        {"action": "grant_extension", "_selected_action": [submitted.pk, other.pk]},
        follow=True,
    )
    assert "different time zones" in messages_of(response)[0]


@pytest.mark.django_db
def test_view_only_staff_do_not_see_the_actions(client, call):
    user = UserFactory(is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_application"))
    client.force_login(user)
    make_application(call, "Lyon")
    response = client.get(CHANGELIST)
    assert response.status_code == 200
    assert response.context["action_form"] is None or not {
        "accept_for_matching",
        "reject",
        "grant_extension",
    } & {name for name, _label in response.context["action_form"].fields["action"].choices}
    assert client.get(IMPORT_URL).status_code == 403


# --- Import page ---------------------------------------------------------------------

VALID_CSV = (
    "side,city,country,population,themes,contact_name,contact_email\n"
    "eu,Lyon,FR,522000,housing|air-quality,Anne Dupont,anne@lyon.example.fr\n"
    "partner,Osaka,JP,2750000,air-quality,Kenji Sato,kenji@osaka.example.jp\n"
)


def csv_upload(text, name="applications.csv", encoding="utf-8"):
    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")


@pytest.mark.django_db
def test_import_page_imports_a_small_valid_csv(staff, client, call):
    pytest.importorskip("applications.importing")
    assert client.get(IMPORT_URL).status_code == 200
    response = client.post(
        IMPORT_URL, {"call": call.pk, "file": csv_upload(VALID_CSV)}, follow=True
    )
    assert response.status_code == 200
    assert sorted(Application.objects.values_list("city_name", flat=True)) == ["Lyon", "Osaka"]
    assert any("2 new applications" in message for message in messages_of(response))


@pytest.mark.django_db
def test_import_dry_run_saves_nothing_and_says_so(staff, client, call):
    pytest.importorskip("applications.importing")
    response = client.post(
        IMPORT_URL, {"call": call.pk, "file": csv_upload(VALID_CSV), "dry_run": "on"}
    )
    assert response.status_code == 200
    assert response.context["report"].ok
    assert "Dry run" in response.content.decode()
    assert not Application.objects.exists()


@pytest.mark.django_db
def test_import_page_lists_row_errors_of_a_bad_csv(staff, client, call):
    pytest.importorskip("applications.importing")
    bad = VALID_CSV + "eu,Atlantis,XX,5,no-such-theme,Nobody,not-an-email\n"
    response = client.post(IMPORT_URL, {"call": call.pk, "file": csv_upload(bad)})
    assert response.status_code == 200
    content = response.content.decode()
    assert "The file was not imported" in content
    assert "row 4:" in content
    assert not Application.objects.exists()


@pytest.mark.django_db
def test_import_refuses_a_file_that_is_not_utf8(staff, client, call):
    latin1 = csv_upload("side,city\neu,Besançon\n", encoding="latin-1")
    response = client.post(IMPORT_URL, {"call": call.pk, "file": latin1})
    assert response.status_code == 200
    assert "not UTF-8" in str(response.context["form"].errors["file"])


@pytest.mark.django_db
def test_import_refuses_a_file_over_5_mb(staff, client, call):
    big = csv_upload("side,city\n" + "eu,Lyon\n" * 700_000)
    response = client.post(IMPORT_URL, {"call": call.pk, "file": big})
    assert response.status_code == 200
    assert "limit is 5 MB" in str(response.context["form"].errors["file"])


# --- Export --------------------------------------------------------------------------


@pytest.mark.django_db
def test_csv_export_works_for_staff(staff, client, call, rf):
    make_application(call, "Lyon")
    assert client.get(EXPORT_URL).status_code == 200

    model_admin = django_admin.site._registry[Application]
    request = rf.get(EXPORT_URL)
    request.user = staff
    formats = model_admin.get_export_formats()
    assert [f().get_title() for f in formats] == ["csv", "xlsx"]
    form = model_admin.get_export_form_class()(
        formats, model_admin.get_export_resource_classes(request)
    )
    fields = {name: "on" for name, field in form.fields.items() if isinstance(field, BooleanField)}
    response = client.post(EXPORT_URL, {"format": "0", "resource": "0", **fields})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv"), messages_of(response)
    assert "Lyon" in response.content.decode()


# --- Who may reach these pages -----------------------------------------------------------


def admin_urls(application):
    return [
        CHANGELIST,
        reverse("admin:applications_application_change", args=[application.pk]),
        reverse("admin:applications_application_history", args=[application.pk]),
        IMPORT_URL,
        EXPORT_URL,
    ]


@pytest.mark.django_db
def test_a_city_official_cannot_reach_any_staff_page(client, call):
    application = make_application(call, "Lyon")
    official = UserFactory(email="official@lyon.example.fr")
    application.owner = official
    application.save()
    client.force_login(official)
    for url in admin_urls(application):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/admin/login/"), url
    response = client.post(
        CHANGELIST, {"action": "accept_for_matching", "_selected_action": [application.pk]}
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED


@pytest.mark.django_db
def test_staff_without_application_permissions_are_refused(client, call):
    application = make_application(call, "Lyon")
    client.force_login(UserFactory(is_staff=True))
    for url in admin_urls(application):
        assert client.get(url).status_code == 403, url


@pytest.mark.django_db
def test_programme_staff_can_use_every_page(staff, client, call):
    application = make_application(call, "Lyon")
    for url in admin_urls(application):
        assert client.get(url).status_code == 200, url


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("moments", "kind", "expected"),
    [
        # 23:30 UTC on 31 December is already the new year in Brussels.
        (["2019-03-01T10:00Z", "2020-12-31T23:30Z", "2023-06-01T10:00Z"], "year",
         ["2019-01-01", "2021-01-01", "2023-01-01"]),
        (["2024-01-15T10:00Z", "2024-04-30T22:30Z", "2024-11-01T10:00Z"], "month",
         ["2024-01-01", "2024-05-01", "2024-11-01"]),
        ([], "year", []),
    ],
)  # fmt: skip
def test_date_hierarchy_periods_are_those_with_an_application_in_local_time(
    call, settings, moments, kind, expected
):
    from datetime import datetime

    from applications.admin import PeriodsQuerySet

    settings.TIME_ZONE = "Europe/Brussels"
    for i, moment in enumerate(moments):
        make_application(call, f"City {i}", submitted_at=datetime.fromisoformat(moment))
    make_application(call, "Draft", status=ApplicationStatus.DRAFT)
    periods = PeriodsQuerySet(Application).datetimes("submitted_at", kind)
    assert [period.date().isoformat() for period in periods] == expected
    assert periods == list(Application.objects.datetimes("submitted_at", kind))
