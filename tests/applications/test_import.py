"""The applications CSV import and export (DESIGN.md "Applications import (CSV) — Contract")."""

import csv
import io
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from applications import importing
from applications.importing import COLUMNS, import_applications_csv
from applications.models import (
    Application,
    ApplicationStatus,
    Municipality,
    StatusChange,
    Theme,
)
from applications.resources import ApplicationResource
from tests.factories import CallFactory, UserFactory, call_2019

BRUSSELS = ZoneInfo("Europe/Brussels")
BASE_COLUMNS = ("side", "city", "country", "population", "themes", "contact_name", "contact_email")


def lyon(**overrides):
    return {
        "side": "eu",
        "city": "Lyon",
        "country": "FR",
        "population": "522000",
        "themes": "housing|air-quality",
        "contact_name": "Anne Dupont",
        "contact_email": "anne@lyon.example.fr",
        **overrides,
    }


def osaka(**overrides):
    return {
        "side": "partner",
        "city": "Osaka",
        "country": "JP",
        "population": "2750000",
        "themes": "air-quality",
        "contact_name": "Kenji Sato",
        "contact_email": "kenji@osaka.example.jp",
        **overrides,
    }


def csv_text(rows, columns=None):
    columns = columns or list(dict.fromkeys(name for row in rows for name in row)) or BASE_COLUMNS
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


@pytest.fixture
def call():
    return CallFactory(slug="open-call")


@pytest.fixture
def csv_file(tmp_path):
    def write(text, name="applications.csv", encoding="utf-8"):
        path = tmp_path / name
        path.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
        return str(path)

    return write


def run(path, *args):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_applications", path, *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def run_failing(path, *args):
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as failure:
        call_command("import_applications", path, *args, stdout=out, stderr=err)
    return str(failure.value), err.getvalue()


def themes_of(application):
    return [choice.theme.slug for choice in application.theme_choices.order_by("priority")]


# --- Happy path ------------------------------------------------------------------------


@pytest.mark.django_db
def test_import_creates_submitted_applications_with_everything_the_row_says(call):
    submitted = "2025-01-10T09:30:00+01:00"
    rows = [
        lyon(
            preferred_regions="north-america|asia",
            preferred_countries="US|JP",
            languages="fr|en",
            capacity="2",
            motivation='Housing, "for all"\nand clean air <b>now</b>',
            submitted_at=submitted,
        ),
        osaka(
            population="",
            municipalities="Osaka=2750000|Sakai=820000",
            city="Osaka-Sakai",
            themes="air-quality|circular-economy|housing",
        ),
    ]
    staff = UserFactory()
    with_call = CallFactory(opens_at=datetime(2025, 1, 1, tzinfo=BRUSSELS), slug="c2025")
    report = import_applications_csv(csv_text(rows, list(COLUMNS)), call=with_call, by=staff)

    assert report.ok, report.errors
    assert (report.rows, report.created, report.updated) == (2, 2, 0)
    assert report.summary() == "2 rows: 2 created, 0 updated"
    lyon_app = Application.objects.get(city_name="Lyon")
    assert lyon_app.status == ApplicationStatus.SUBMITTED
    assert lyon_app.submitted_at == datetime.fromisoformat(submitted)
    assert lyon_app.owner is None and not lyon_app.commitment_letter
    assert lyon_app.commits_to_18_months and not lyon_app.late_override
    assert not lyon_app.has_eligibility_problems
    assert (lyon_app.side, lyon_app.country.code, lyon_app.population) == ("eu", "FR", 522_000)
    assert themes_of(lyon_app) == ["housing", "air-quality"]
    assert sorted(r.slug for r in lyon_app.preferred_regions.all()) == ["asia", "north-america"]
    assert [c.code for c in lyon_app.preferred_countries] == ["JP", "US"]  # stored sorted
    assert lyon_app.languages == ["fr", "en"]
    assert lyon_app.partners_wanted == 2
    assert lyon_app.motivation == 'Housing, "for all"\nand clean air <b>now</b>'
    assert list(lyon_app.status_changes.values_list("from_status", "to_status", "by")) == [
        ("", "submitted", staff.pk)
    ]
    assert lyon_app.history.count() == 1

    group = Application.objects.get(city_name="Osaka-Sakai")
    assert group.is_group and group.population == 3_570_000
    assert list(group.municipalities.values_list("name", "population")) == [
        ("Osaka", 2_750_000),
        ("Sakai", 820_000),
    ]
    assert themes_of(group) == ["air-quality", "circular-economy", "housing"]
    assert group.partners_wanted == 1
    assert abs(group.submitted_at - timezone.now()) < timedelta(minutes=1)  # default: now


@pytest.mark.django_db
def test_reimporting_the_same_rows_updates_them_instead_of_duplicating(call):
    first = import_applications_csv(csv_text([lyon(), osaka()]), call=call)
    assert first.ok and first.created == 2

    again = csv_text([lyon(city="LYON", population="530000", themes="circular-economy"), osaka()])
    second = import_applications_csv(again, call=call)

    assert second.ok, second.errors
    assert (second.created, second.updated) == (0, 2)
    assert Application.objects.filter(call=call).count() == 2
    updated = Application.objects.get(call=call, country="FR")
    assert (updated.city_name, updated.population) == ("LYON", 530_000)
    assert themes_of(updated) == ["circular-economy"]
    # Already submitted: no second transition is recorded.
    assert updated.status_changes.count() == 1
    assert updated.history.count() == 2


@pytest.mark.django_db
def test_reimport_keeps_values_of_optional_columns_absent_from_the_file(call):
    import_applications_csv(csv_text([lyon(motivation="Clean air", languages="fr")]), call=call)
    import_applications_csv(csv_text([lyon(population="600000")]), call=call)
    application = Application.objects.get()
    assert (application.motivation, application.languages) == ("Clean air", ["fr"])
    assert application.population == 600_000


@pytest.mark.django_db
def test_importing_a_draft_submits_it_and_keeps_its_owner(call):
    official = UserFactory()
    draft = Application.objects.create(
        call=call, owner=official, side="eu", country="FR", city_name="lyon"
    )
    report = import_applications_csv(csv_text([lyon()]), call=call)
    assert report.ok and report.updated == 1
    draft.refresh_from_db()
    assert draft.status == ApplicationStatus.SUBMITTED and draft.owner == official
    assert list(draft.status_changes.values_list("from_status", "to_status")) == [
        ("draft", "submitted")
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("status", [ApplicationStatus.WITHDRAWN, ApplicationStatus.REJECTED])
def test_an_import_cannot_update_a_withdrawn_or_rejected_application(call, status):
    Application.objects.create(call=call, side="eu", country="FR", city_name="Lyon", status=status)
    report = import_applications_csv(csv_text([osaka(), lyon()]), call=call)
    assert not report.ok
    assert report.errors == [
        f"row 3: city: the application of 'Lyon' (FR) is {status.label.lower()}: an import "
        "cannot change it"
    ]
    assert Application.objects.filter(call=call).count() == 1


def change_after_validation(monkeypatch, change):
    """Run `change` right after the importer read the database, as another user might."""
    original = importing._Context.load

    def load_then_change(*args, **kwargs):
        context = original(*args, **kwargs)
        change()
        return context

    monkeypatch.setattr(importing._Context, "load", load_then_change)


@pytest.mark.django_db
def test_an_application_withdrawn_during_the_import_fails_the_whole_file(call, monkeypatch):
    import_applications_csv(csv_text([lyon()]), call=call)
    change_after_validation(
        monkeypatch,
        lambda: Application.objects.update(status=ApplicationStatus.WITHDRAWN),
    )
    report = import_applications_csv(csv_text([osaka(), lyon()]), call=call)
    assert report.errors == [
        "row 3: city: 'Lyon' (FR) was withdrawn, rejected or deleted meanwhile"
    ]
    assert (report.created, report.updated) == (0, 0)
    assert not Application.objects.filter(country="JP").exists()


@pytest.mark.django_db
def test_a_city_created_during_the_import_is_an_error_not_an_exception(call, monkeypatch):
    change_after_validation(
        monkeypatch,
        lambda: Application.objects.create(call=call, side="eu", country="FR", city_name="LYON"),
    )
    report = import_applications_csv(csv_text([osaka(), lyon()]), call=call)
    assert len(report.errors) == 1
    assert report.errors[0].startswith("The file could not be saved")
    assert list(Application.objects.values_list("city_name", flat=True)) == ["LYON"]


@pytest.mark.django_db
def test_accept_imports_accepted_applications_and_records_both_transitions(call):
    report = import_applications_csv(csv_text([lyon(), osaka()]), call=call, accept=True)
    assert report.ok
    for application in Application.objects.filter(call=call):
        assert application.status == ApplicationStatus.ACCEPTED
        assert list(application.status_changes.values_list("from_status", "to_status")) == [
            ("", "submitted"),
            ("submitted", "accepted"),
        ]


@pytest.mark.django_db
def test_accept_on_reimport_accepts_submitted_applications_once(call, csv_file):
    path = csv_file(csv_text([lyon()]))
    run(path, "--call", call.slug)
    run(path, "--call", call.slug, "--accept")
    run(path, "--call", call.slug, "--accept")
    application = Application.objects.get()
    assert application.status == ApplicationStatus.ACCEPTED
    assert application.status_changes.count() == 2


@pytest.mark.django_db
def test_dry_run_writes_nothing_and_reports_what_would_happen(call, csv_file):
    import_applications_csv(csv_text([lyon()]), call=call)
    before = (Application.objects.count(), StatusChange.objects.count())

    report = import_applications_csv(
        csv_text([lyon(population="999999"), osaka()]), call=call, dry_run=True, accept=True
    )
    assert report.ok and report.dry_run
    assert (report.created, report.updated) == (1, 1)
    assert (Application.objects.count(), StatusChange.objects.count()) == before
    assert Application.objects.get().population == 522_000

    out, _err = run(csv_file(csv_text([osaka()])), "--call", call.slug, "--dry-run")
    assert out.startswith("dry run: 1 row: 1 created, 0 updated")
    assert not Application.objects.filter(country="JP").exists()


# --- Header -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_unknown_column_is_an_error_naming_it(call):
    text = csv_text([{**lyon(), "mayor": "Grégory"}])
    report = import_applications_csv(text, call=call)
    assert report.errors == ["row 1: unknown column 'mayor'"]
    assert not Application.objects.exists()


@pytest.mark.django_db
def test_missing_required_column_is_an_error_naming_it(call):
    row = lyon()
    del row["contact_email"]
    report = import_applications_csv(csv_text([row]), call=call)
    assert report.errors == ["row 1: missing column 'contact_email'"]


@pytest.mark.django_db
def test_population_column_is_required_unless_municipalities_is_there(call):
    row = lyon()
    del row["population"]
    report = import_applications_csv(csv_text([row]), call=call)
    assert report.errors == [
        "row 1: missing column 'population' (required unless municipalities is given)"
    ]
    group = {**row, "municipalities": "Lyon=400000|Villeurbanne=150000"}
    assert import_applications_csv(csv_text([group]), call=call).ok


@pytest.mark.django_db
def test_duplicated_column_is_an_error_naming_it(call):
    text = "side,city,city,country,population,themes,contact_name,contact_email\n"
    report = import_applications_csv(text, call=call)
    assert report.errors == ["row 1: column 'city' appears more than once"]


@pytest.mark.django_db
def test_header_columns_come_in_any_order_and_any_case(call):
    text = (
        "Contact_Email,THEMES,country,city,side,population,contact_name\n"
        "anne@lyon.example.fr,housing,FR,Lyon,eu,522000,Anne\n"
    )
    assert import_applications_csv(text, call=call).ok


@pytest.mark.django_db
def test_an_empty_file_is_an_error(call):
    assert import_applications_csv("", call=call).errors == [
        "row 1: the file is empty: a header row is required"
    ]


# --- Every row's errors, nothing written ----------------------------------------------------


@pytest.mark.django_db
def test_every_bad_row_is_listed_by_row_number_and_nothing_is_written(call):
    rows = [
        lyon(),
        osaka(population="2,750,000"),
        lyon(city="Porto", country="PT", themes="air|housing"),
        lyon(city="Graz", country="AT", contact_email="not-an-email", capacity="3"),
    ]
    report = import_applications_csv(csv_text(rows, [*BASE_COLUMNS, "capacity"]), call=call)

    assert report.errors == [
        "row 3: population: must be a whole number",
        "row 4: themes: unknown theme 'air'",
        "row 5: capacity: must be 1 or 2 (partner cities wanted)",
        "row 5: contact_email: 'not-an-email' is not a valid e-mail address",
    ]
    assert report.rows == 4 and report.created == 0
    assert not Application.objects.exists()
    assert not StatusChange.objects.exists()


@pytest.mark.django_db
def test_blank_lines_are_skipped_and_rows_keep_their_spreadsheet_numbers(call):
    text = csv_text([lyon()]) + "\n,,,,,,\n" + csv_text([osaka(population="x")]).split("\n", 1)[1]
    report = import_applications_csv(text, call=call)
    assert report.rows == 2
    assert report.errors == ["row 5: population: must be a whole number"]


@pytest.mark.django_db
def test_same_city_twice_in_one_file_is_an_error_for_the_second_row(call):
    report = import_applications_csv(csv_text([lyon(), osaka(), lyon(city="lyon ")]), call=call)
    assert report.errors == ["row 4: city: 'lyon' (FR) is already on row 2"]
    assert not Application.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"side": "EU-side"}, "row 2: side: must be 'eu' or 'partner', not 'EU-side'"),
        (
            {"country": "XX"},
            "row 2: country: unknown country code 'XX' (use ISO 3166-1 alpha-2, e.g. NL)",
        ),
        (
            {"country": "FRA"},
            "row 2: country: unknown country code 'FRA' (use ISO 3166-1 alpha-2, e.g. NL)",
        ),
        ({"population": "0"}, "row 2: population: must be a positive whole number"),
        ({"population": "-5"}, "row 2: population: must be a whole number"),
        ({"population": "1e6"}, "row 2: population: must be a whole number"),
        ({"population": "9" * 5000}, "row 2: population: must be at most 100,000,000"),
        ({"themes": ""}, "row 2: themes: required: 1 to 5 theme slugs"),
        ({"themes": "housing|housing"}, "row 2: themes: theme 'housing' is listed twice"),
        (
            {
                "themes": "housing|air-quality|urban-poverty|circular-economy|smart-cities|"
                "urban-mobility"
            },
            "row 2: themes: at most 5 themes, not 6",
        ),
        ({"preferred_regions": "asia|mars"}, "row 2: preferred_regions: unknown region 'mars'"),
        (
            {"preferred_countries": "US|ZZ|QQ"},
            "row 2: preferred_countries: unknown country codes 'ZZ', 'QQ'",
        ),
        (
            {"languages": "fr|french"},
            "row 2: languages: unknown language code 'french' (use ISO 639-1, e.g. en)",
        ),
        ({"city": ""}, "row 2: city: required"),
        ({"city": "L" * 151}, "row 2: city: is 151 characters long; at most 150"),
        ({"motivation": "m" * 5001}, "row 2: motivation: is 5001 characters long; at most 5000"),
        (
            {"city": "=cmd|' /C calc'!A0"},
            "row 2: city: must not start with '=' (a spreadsheet would run it as a formula)",
        ),
        (
            {"contact_name": "@SUM(1+1)"},
            "row 2: contact_name: must not start with '@' "
            "(a spreadsheet would run it as a formula)",
        ),
        ({"city": "Ly\x00on"}, "row 2: city: contains a character that is not allowed (U+0000)"),
        ({"city": "Ly\udcffon"}, "row 2: city: contains a character that is not allowed (U+DCFF)"),
        ({"city": "Lyon\nParis"}, "row 2: city: must be on a single line"),
        (
            {"municipalities": "Lyon=400000|Villeurbanne"},
            "row 2: municipalities: member 2 ('Villeurbanne') must be written Name=population",
        ),
        (
            {"municipalities": "Lyon=400000|=150000"},
            "row 2: municipalities: member 2 ('=150000') must be written Name=population",
        ),
        (
            {"municipalities": "Lyon=400000|Bron=many"},
            "row 2: municipalities: member 2 ('Bron'): must be a whole number",
        ),
        (
            {"submitted_at": "yesterday"},
            "row 2: submitted_at: 'yesterday' is not an ISO 8601 date and time, "
            "e.g. 2019-03-08T23:59:59+01:00",
        ),
        (
            {"submitted_at": "2999-01-01T00:00:00+00:00"},
            "row 2: submitted_at: '2999-01-01T00:00:00+00:00' is in the future",
        ),
    ],
)
def test_each_field_check_gives_its_error(call, overrides, error):
    columns = list(COLUMNS)
    row = {"municipalities": "", **lyon(), **overrides}
    if row["municipalities"]:
        row["population"] = ""
    report = import_applications_csv(csv_text([row], columns), call=call)
    assert report.errors == [error]


@pytest.mark.django_db
def test_html_and_quotes_are_kept_as_plain_text(call):
    row = lyon(city='Lyon <script>alert("x")</script>', motivation="<b>&amp;</b>, ';--")
    assert import_applications_csv(csv_text([row]), call=call).ok
    application = Application.objects.get()
    assert application.city_name == 'Lyon <script>alert("x")</script>'
    assert application.motivation == "<b>&amp;</b>, ';--"


# --- Eligibility, the web form's rules ------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(("population", "ok"), [("99999", False), ("100000", True)])
def test_population_threshold_edges(call, population, ok):
    report = import_applications_csv(csv_text([lyon(population=population)]), call=call)
    assert report.ok is ok
    if not ok:
        assert report.errors == [
            "row 2: population: A population of 99,999 is below this call's minimum of "
            "100,000 inhabitants. A smaller municipality may apply together with neighbouring "
            "municipalities as a group whose total reaches the minimum."
        ]


@pytest.mark.django_db
def test_threshold_is_the_calls_own(call):
    call.min_population = 500_000
    call.save()
    report = import_applications_csv(csv_text([lyon(population="499999")]), call=call)
    assert report.errors and "500,000" in report.errors[0]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("members", "ok"),
    [("Ioannina=65000|Zitsa=35000", True), ("Ioannina=65000|Zitsa=34999", False)],
)
def test_group_total_reaching_the_minimum_is_eligible(call, members, ok):
    row = lyon(city="Ioannina group", country="GR", population="", municipalities=members)
    report = import_applications_csv(csv_text([row]), call=call)
    assert report.ok is ok
    if ok:
        application = Application.objects.get()
        assert application.is_group and application.population == 100_000
        assert Municipality.objects.count() == 2
    else:
        assert report.errors[0].startswith(
            "row 2: municipalities: Together the municipalities have 99,999 inhabitants"
        )


@pytest.mark.django_db
def test_a_group_needs_two_members(call):
    row = lyon(city="Zitsa", country="GR", population="", municipalities="Zitsa=150000")
    assert import_applications_csv(csv_text([row]), call=call).errors == [
        "row 2: municipalities: A group needs at least two member municipalities; a single "
        "city applies alone."
    ]


@pytest.mark.django_db
def test_a_group_population_must_match_its_members_total(call):
    row = lyon(population="500000", municipalities="Lyon=400000|Bron=40000")
    report = import_applications_csv(csv_text([row]), call=call)
    assert report.errors == [
        "row 2: population: 500000 differs from the municipalities' total of 440000: leave it "
        "empty for a group"
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("row", "error"),
    [
        (osaka(side="eu"), "row 2: side: JP is not an EU member state: the side must be 'partner'"),
        (lyon(side="partner"), "row 2: side: FR is an EU member state: the side must be 'eu'"),
        (
            lyon(city="London", country="GB"),
            "row 2: side: GB is not an EU member state: the side must be 'partner'",
        ),
    ],
)
def test_side_must_match_the_country(call, row, error):
    report = import_applications_csv(csv_text([row]), call=call)
    assert report.errors[0] == error
    assert not Application.objects.exists()


@pytest.mark.django_db
def test_partner_country_must_be_one_of_the_calls():
    call = call_2019()
    row = osaka(city="Surat", country="IN", submitted_at="2019-03-01T10:00:00+05:30")
    report = import_applications_csv(csv_text([row]), call=call)
    assert len(report.errors) == 1
    assert report.errors[0].startswith(
        "row 2: country: Cities in India cannot apply to this call: an EU city must be in one "
        "of the 27 EU member states, and a partner city in one of the call's partner countries "
        "(Argentina, Brazil, Canada, Chile, China, Colombia, Japan, Mexico, Peru and United "
        "States of America)."
    )


@pytest.mark.django_db
def test_themes_must_be_offered_by_the_call(call):
    call.themes.set(Theme.objects.filter(slug__in=["housing", "air-quality"]))
    assert import_applications_csv(csv_text([lyon()]), call=call).ok
    report = import_applications_csv(csv_text([osaka(themes="smart-cities")]), call=call)
    assert report.errors == ["row 2: themes: theme 'smart-cities' is not offered by this call"]


# --- The deadline, against the moment the city submitted ------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("submitted_at", "on_time"),
    [
        ("2019-03-08T23:59:59+01:00", True),
        ("2019-03-09T07:59:59+09:00", True),  # the same instant, in Tokyo
        ("2019-03-08T22:59:59.999999+00:00", True),
        ("2019-03-09T00:00:00+01:00", False),
        ("2019-03-08T23:00:00+00:00", False),  # Brussels midnight, in UTC
    ],
)
def test_deadline_edges_of_the_2019_call(submitted_at, on_time):
    call = call_2019()
    report = import_applications_csv(csv_text([lyon(submitted_at=submitted_at)]), call=call)
    assert report.ok is on_time
    if not on_time:
        assert report.errors == [
            f"row 2: submitted_at {submitted_at} is after the deadline (2019-03-08 23:59, "
            "Europe/Brussels); allow late entries (--allow-late) to import it anyway"
        ]
        assert not Application.objects.exists()
    else:
        assert Application.objects.get().submitted_at == datetime.fromisoformat(submitted_at)


@pytest.mark.django_db
def test_a_late_row_with_allow_late_is_imported_with_late_override():
    call = call_2019()
    rows = [
        lyon(submitted_at="2019-03-09T00:00:00+01:00"),
        osaka(submitted_at="2019-03-08T23:59:59+01:00"),
    ]
    report = import_applications_csv(csv_text(rows), call=call, allow_late=True)
    assert report.ok
    late, on_time = Application.objects.get(country="FR"), Application.objects.get(country="JP")
    assert late.late_override and late.submitted_late
    assert not on_time.late_override
    assert "late" in late.status_changes.get().note


@pytest.mark.django_db
def test_without_submitted_at_the_moment_is_now_so_a_closed_call_refuses_it():
    call = call_2019()
    report = import_applications_csv(csv_text([lyon()]), call=call)
    assert len(report.errors) == 1
    assert report.errors[0].startswith("row 2: submitted_at 20")
    assert "is after the deadline (2019-03-08 23:59, Europe/Brussels)" in report.errors[0]


@pytest.mark.django_db
@pytest.mark.parametrize("naive", ["2019-03-08T23:59:59", "2019-03-08"])
def test_a_naive_submitted_at_is_rejected(naive):
    call = call_2019()
    report = import_applications_csv(csv_text([lyon(submitted_at=naive)]), call=call)
    assert report.errors == [
        f"row 2: submitted_at: '{naive}' has no UTC offset: write it as e.g. "
        "2019-03-08T23:59:59+01:00"
    ]


# --- The command -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_command_imports_and_prints_the_summary(call, csv_file):
    path = csv_file(csv_text([lyon(), osaka()]))
    out, err = run(path, "--call", call.slug)
    assert out.strip() == "2 rows: 2 created, 0 updated"
    assert err == ""
    out, _err = run(path, "--call", call.slug)
    assert out.strip() == "2 rows: 0 created, 2 updated"
    assert Application.objects.count() == 2


@pytest.mark.django_db
def test_command_prints_each_error_on_stderr_and_exits_non_zero(call, csv_file):
    path = csv_file(csv_text([lyon(population="many"), osaka(themes="air")]))
    message, err = run_failing(path, "--call", call.slug)
    assert err.splitlines() == [
        "row 2: population: must be a whole number",
        "row 3: themes: unknown theme 'air'",
    ]
    assert message == "2 errors: nothing was imported."
    assert not Application.objects.exists()


@pytest.mark.django_db
def test_command_unknown_call_names_it(call, csv_file):
    message, _err = run_failing(csv_file(csv_text([lyon()])), "--call", "iuc-2091")
    assert "iuc-2091" in message and call.slug in message


@pytest.mark.django_db
def test_command_refuses_a_file_that_is_not_utf8(call, csv_file):
    path = csv_file(csv_text([lyon(city="Besançon")]), encoding="latin-1")
    message, _err = run_failing(path, "--call", call.slug)
    assert "is not UTF-8 text" in message
    assert not Application.objects.exists()


@pytest.mark.django_db
def test_command_reads_a_byte_order_mark_and_semicolons(call, csv_file):
    text = csv_text([lyon(city="Besançon")]).replace(",", ";")
    path = csv_file(b"\xef\xbb\xbf" + text.encode())
    out, _err = run(path, "--call", call.slug)
    assert out.strip() == "1 row: 1 created, 0 updated"
    assert Application.objects.get().city_name == "Besançon"


@pytest.mark.django_db
def test_command_missing_file_is_a_clear_error(call, tmp_path):
    message, _err = run_failing(str(tmp_path / "nope.csv"), "--call", call.slug)
    assert "nope.csv" in message


@pytest.mark.django_db
def test_admin_can_pass_decoded_text_with_a_bom_or_a_stream(call):
    assert import_applications_csv("\ufeff" + csv_text([lyon()]), call=call).ok
    assert import_applications_csv(io.StringIO(csv_text([osaka()])), call=call).ok
    assert Application.objects.count() == 2


@pytest.mark.django_db
def test_a_stream_that_is_not_utf8_gives_an_error_not_an_exception(call):
    stream = io.TextIOWrapper(io.BytesIO("side\nBesançon\n".encode("latin-1")), encoding="utf-8")
    report = import_applications_csv(stream, call=call)
    assert not report.ok and "not UTF-8" in report.errors[0]


# --- Export, and back --------------------------------------------------------------------------


def snapshot(call):
    return sorted(
        (
            a.side, a.city_name, a.country.code, a.population, a.is_group,
            tuple(a.municipalities.values_list("name", "population")),
            tuple(themes_of(a)),
            tuple(sorted(a.preferred_regions.values_list("slug", flat=True))),
            tuple(c.code for c in a.preferred_countries), tuple(a.languages),
            a.partners_wanted, a.contact_name, a.contact_email, a.motivation, a.submitted_at,
            a.status,
        )
        for a in Application.objects.filter(call=call)
    )  # fmt: skip


@pytest.mark.django_db
def test_export_columns_are_the_import_columns(call):
    dataset = ApplicationResource().export(queryset=Application.objects.none())
    assert tuple(dataset.headers) == COLUMNS


@pytest.mark.django_db
def test_export_then_import_gives_the_same_applications(call):
    rows = [
        lyon(
            preferred_regions="north-america",
            preferred_countries="US|CA",
            languages="fr|en",
            capacity="2",
            motivation='Air, housing; "quotes" | pipes\nand é, 東京',
            submitted_at="2025-02-01T10:00:00.250000+01:00",
        ),
        osaka(
            city="Kansai",
            population="",
            municipalities="Osaka=2750000|Sakai=820000|Kōbe=1500000",
            themes="water-and-sanitation|climate-adaptation|housing|air-quality|smart-cities",
            languages="ja",
            submitted_at="2025-02-03T08:00:00+09:00",
        ),
    ]
    source = CallFactory(slug="source", opens_at=datetime(2025, 1, 1, tzinfo=BRUSSELS))
    assert import_applications_csv(csv_text(rows, list(COLUMNS)), call=source, accept=True).ok
    # One more the way the web form stores it: a group whose population was left empty.
    web = Application.objects.create(
        call=source, side="eu", country="PT", city_name="Almada", is_group=True,
        contact_name="Rui", contact_email="rui@almada.example.pt", languages=["pt"],
        status=ApplicationStatus.SUBMITTED, submitted_at=timezone.now() - timedelta(days=1),
    )  # fmt: skip
    Municipality.objects.create(application=web, name="Almada", population=170_000, position=0)
    Municipality.objects.create(application=web, name="Seixal", population=160_000, position=1)
    web.theme_choices.create(theme=Theme.objects.get(slug="urban-mobility"), priority=1)

    exported = ApplicationResource().export(queryset=Application.objects.filter(call=source)).csv

    target = CallFactory(slug="target", opens_at=source.opens_at)
    report = import_applications_csv(exported, call=target, accept=True)
    assert report.ok, report.errors
    expected = [
        item[:3] + ((330_000,) if item[1] == "Almada" else item[3:4]) + item[4:]
        for item in snapshot(source)
    ]
    expected = [item[:-1] + (ApplicationStatus.ACCEPTED,) for item in expected]
    assert snapshot(target) == expected

    # And into the call it came from: every row updates, nothing changes (but the group's
    # population, which the import sets to the members' total).
    before = snapshot(source)
    again = import_applications_csv(exported, call=source)
    assert (again.created, again.updated) == (0, 3)
    assert snapshot(source) == [
        item[:3] + ((330_000,) if item[1] == "Almada" else item[3:4]) + item[4:] for item in before
    ]


@pytest.mark.django_db
def test_export_neutralises_formulas_typed_in_the_web_form(call):
    Application.objects.create(
        call=call, side="eu", country="FR", city_name="Lyon", population=500_000,
        motivation="=HYPERLINK(\"http://evil\")", contact_name="@me",
    )  # fmt: skip
    dataset = ApplicationResource().export(queryset=Application.objects.all())
    row = dict(zip(dataset.headers, dataset[0], strict=True))
    assert row["motivation"] == '\'=HYPERLINK("http://evil")'
    assert row["contact_name"] == "'@me"


# --- Scale --------------------------------------------------------------------------------------


def many_rows(count):
    return [
        lyon(city=f"Ville {i}", population=str(100_000 + i)) if i % 2 else osaka(city=f"City {i}")
        for i in range(count)
    ]


@pytest.mark.django_db
def test_query_count_does_not_grow_with_the_number_of_rows(call):
    """A fixed number of reads, and writes in batches: never a query per row or cell."""
    counts = {}
    for size in (10, 200):
        Application.objects.all().delete()
        with CaptureQueriesContext(connection) as queries:
            assert import_applications_csv(csv_text(many_rows(size)), call=call).ok
        counts[size] = len(queries)
    assert counts[10] <= 12
    assert counts[200] <= 40  # bulk inserts come in batches (SQLite takes ~25 rows at once)
    with CaptureQueriesContext(connection) as queries:
        assert import_applications_csv(csv_text(many_rows(200)), call=call).updated == 200
    assert len(queries) <= 40


@pytest.mark.django_db
def test_a_thousand_rows_import_in_seconds(call):
    text = csv_text(many_rows(1000))
    started = time.perf_counter()
    report = import_applications_csv(text, call=call, accept=True)
    created_in = time.perf_counter() - started
    assert report.ok and report.created == 1000
    started = time.perf_counter()
    assert import_applications_csv(text, call=call).updated == 1000
    assert created_in < 10 and time.perf_counter() - started < 10
    assert StatusChange.objects.count() == 2000


# --- Hostile input, at random ---------------------------------------------------------------

HOSTILE = st.sampled_from(
    [
        "=cmd|' /C calc'!A0",
        "+1+1",
        "-2+3",
        "@SUM(A1)",
        "<script>alert(1)</script>",
        "\x00",
        "a\x00b",
        "\udcff\udcfe",
        "\ufffd\ufffd",
        "\u202eevil",
        "x" * 6000,
        "y" * 140_000,  # over the csv module's field limit
        "9" * 5000,
        "١٠٠٠٠٠٠",
        "100000.0",
        "2019-03-08T23:59:59",
        "9999-12-31T23:59:59-23:59",
        "0001-01-01T00:00:00+14:00",
        "|||",
        "a=1|b=2",
        "=1|=2",
        '"',
        '"unterminated',
        "\r\n",
        "eu",
        "partner",
        "JP",
        "housing|housing",
        "",
    ]
)
CELL = st.one_of(HOSTILE, st.text(max_size=40))


@pytest.mark.django_db
@settings(
    suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=50, deadline=None
)
@given(
    corrupted=st.dictionaries(st.sampled_from(COLUMNS), CELL, max_size=4), position=st.booleans()
)
def test_hostile_cells_give_errors_or_an_import_never_an_exception_nor_half_a_file(
    call, corrupted, position
):
    Application.objects.filter(call=call).delete()
    good = osaka()
    row = {"municipalities": "", **lyon(), **corrupted}
    rows = [row, good] if position else [good, row]
    report = import_applications_csv(csv_text(rows, list(COLUMNS)), call=call)

    count = Application.objects.filter(call=call).count()
    event("imported" if report.ok else "refused")
    if report.ok:
        assert count == 2 and report.created == 2
    else:
        assert count == 0 and report.created == report.updated == 0
        assert all(isinstance(error, str) and error for error in report.errors)
        for error in report.errors:
            error.encode("utf-8")  # printable: no lone surrogates
            assert len(error) < 2000
