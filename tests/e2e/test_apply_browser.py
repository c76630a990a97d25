"""A city official applies through a real browser, end to end."""

import io
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from iuc_portal.mail.models import OutboundEmail
from tests.applications.helpers import pdf_bytes
from tests.factories import CallFactory, UserFactory

pytestmark = pytest.mark.e2e

PASSWORD = "a-long-city-passphrase"


@pytest.fixture
def letter_file(tmp_path):
    path = tmp_path / "signed-letter.pdf"
    path.write_bytes(pdf_bytes())
    return path


def sign_in(page: Page, site, email, password="correct-horse-battery"):  # noqa: S107
    page.goto(site + "/accounts/login/")
    sign_in_on_this_page(page, email, password)


def sign_in_on_this_page(page: Page, email, password="correct-horse-battery"):  # noqa: S107
    page.get_by_label(re.compile("E-?mail", re.I)).first.fill(email)
    page.get_by_label(re.compile("Password|Contraseña", re.I)).first.fill(password)
    page.locator("form button[type=submit]").first.click()


def test_new_official_signs_up_drafts_resumes_submits_and_downloads_the_pdf(
    page: Page, site, letter_file
):
    CallFactory(name="Demo call (open)", slug="demo")

    # Sign up, then verify the address with the link from the delivered e-mail (the
    # outbox keeps no secret link once it is sent).
    page.goto(site + "/accounts/signup/")
    page.get_by_label(re.compile(r"^\s*Email")).fill("mayor@rotterdam.example.eu")
    page.get_by_label(re.compile(r"^\s*Password\*?\s*$")).fill(PASSWORD)
    page.get_by_label(re.compile(r"^\s*Password \(again\)")).fill(PASSWORD)
    page.get_by_role("button", name="Sign Up").click()
    expect(page.get_by_role("heading", name="Verify Your Email Address")).to_be_visible()
    body = next(m.body for m in mail.outbox if m.to == ["mayor@rotterdam.example.eu"])
    page.goto(re.search(r"https?://\S+/accounts/confirm-email/\S+/", body).group(0))
    page.get_by_role("button", name="Confirm").click()

    # Start from the home page and fill the first sections.
    page.goto(site + "/")
    page.get_by_role("link", name="Apply to Demo call (open)").click()
    page.get_by_label("Country").select_option("NL")
    page.get_by_label("City, or name of the group of municipalities").fill("Rotterdam")
    page.get_by_label("Population", exact=True).fill("651000")
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_text("Your draft is saved")).to_be_visible()
    page.get_by_label("Contact person").fill("Ana de Vries")
    page.get_by_label("Authority signing the commitment").fill("The Mayor of Rotterdam")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Your draft is saved")).to_be_visible()

    # Leave, sign in again (another device, as far as the server knows) and resume.
    page.context.clear_cookies()
    sign_in(page, site, "mayor@rotterdam.example.eu", PASSWORD)
    page.get_by_role("link", name="My applications").click()
    page.get_by_role("link", name="Rotterdam").click()
    page.get_by_role("link", name="Continue the application").click()
    page.get_by_role("link", name=re.compile("Contact")).click()
    expect(page.get_by_label("Contact person")).to_have_value("Ana de Vries")
    page.get_by_role("button", name="Save and continue").click()

    page.get_by_label("Theme, priority 1").select_option("climate-adaptation")
    page.get_by_label("Theme, priority 2").select_option("water-and-sanitation")
    page.get_by_label("Motivation").fill("Rotterdam lives below sea level.")
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_label("English").check()
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_label(re.compile("commits to at least 18 months")).check()
    page.get_by_label(re.compile("Signed letter of commitment")).set_input_files(letter_file)
    page.get_by_role("button", name="Save and review").click()

    expect(page.get_by_role("heading", name="Review and submit")).to_be_visible()
    page.get_by_role("button", name="Submit the application").click()
    expect(page.get_by_text("Your application is submitted")).to_be_visible()
    expect(page.locator(".status-badge")).to_have_text("Submitted")

    assert OutboundEmail.objects.filter(
        to_email="mayor@rotterdam.example.eu", template="applications/email/submitted"
    ).count() == 1
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the PDF").click()
    pdf = download_info.value.path().read_bytes()
    assert "Rotterdam" in PdfReader(io.BytesIO(pdf)).pages[0].extract_text()


def test_an_ineligible_city_sees_why_and_cannot_submit(page: Page, site):
    CallFactory(name="Demo call (open)", slug="demo")
    user = UserFactory()
    sign_in(page, site, user.email)
    page.goto(site + "/applications/apply/demo/")
    page.get_by_label("Country").select_option("GB")
    page.get_by_label("City, or name of the group of municipalities").fill("Leeds")
    page.get_by_label("Population", exact=True).fill("99999")
    page.get_by_role("button", name="Save and continue").click()
    panel = page.get_by_role("region", name="Eligibility")
    expect(panel).to_contain_text("Cities in United Kingdom cannot apply to this call")
    expect(panel).not_to_contain_text("GB")
    expect(panel).to_contain_text("below this call's minimum of 100,000")
    page.get_by_role("link", name=re.compile("Review and submit")).click()
    expect(page.get_by_role("button", name="Submit the application")).to_have_count(0)
    expect(page.get_by_role("main")).to_contain_text("does not meet the rules of this call")
    expect(page.get_by_role("main")).not_to_contain_text("Complete the sections above")


def test_after_the_deadline_the_form_is_closed(page: Page, site):
    now = timezone.now()
    CallFactory(name="Closed call", slug="closed", opens_at=now - timedelta(days=60),
                closes_at=now - timedelta(seconds=1))
    sign_in(page, site, UserFactory().email)
    page.goto(site + "/applications/apply/closed/")
    expect(page.get_by_role("alert")).to_contain_text("This call is closed")
    expect(page.get_by_label("Country")).to_have_count(0)


def test_the_application_form_works_in_spanish(page: Page, site):
    CallFactory(name="Convocatoria demo", slug="demo")
    sign_in(page, site, UserFactory().email)
    page.goto(site + "/")
    page.get_by_role("button", name="Español").click()
    page.get_by_role("link", name="Presentar candidatura a Convocatoria demo").click()
    page.get_by_label("País").select_option("AR")
    page.get_by_label(re.compile("Ciudad")).first.fill("Buenos Aires")
    page.get_by_label("Población", exact=True).fill("3075646")
    page.get_by_role("button", name="Guardar y continuar").click()
    expect(page.get_by_text("Su borrador se ha guardado")).to_be_visible()
    expect(page.get_by_role("region", name="Elegibilidad")).to_contain_text("es elegible")


def test_a_group_sees_its_total_population_add_up_while_typing(page: Page, site):
    CallFactory(name="Demo call (open)", slug="demo")
    sign_in(page, site, UserFactory().email)
    page.goto(site + "/applications/apply/demo/")
    page.get_by_label("A group of municipalities").check()
    expect(page.get_by_label("Population", exact=True)).to_be_hidden()
    page.get_by_label("Municipality 1", exact=True).fill("Ede")
    page.get_by_label("Population of municipality 1").fill("60000")
    expect(page.locator("[data-members-total]")).to_have_text("60,000")
    expect(page.locator("[data-members-warning]")).to_contain_text("below the call's minimum")
    page.get_by_label("Municipality 2", exact=True).fill("Wageningen")
    page.get_by_label("Population of municipality 2").fill("40000")
    expect(page.locator("[data-members-total]")).to_have_text("100,000")
    expect(page.locator("[data-members-warning]")).to_have_text("")


def test_a_group_lists_eight_members_adding_and_removing_rows_in_place(page: Page, site):
    from applications.models import Application

    CallFactory(name="Demo call (open)", slug="demo", partner_countries=["BR"])
    sign_in(page, site, UserFactory().email)
    page.goto(site + "/applications/apply/demo/")
    page.get_by_label("Country").select_option("NL")
    page.get_by_label("City, or name of the group of municipalities").fill("Foodvalley")
    page.get_by_label("A group of municipalities").check()
    add = page.get_by_role("button", name="Add another municipality")
    for _ in range(6):  # 3 rows to start with, 9 after
        add.click()
    expect(page.get_by_label("Municipality 9", exact=True)).to_be_focused()
    for number in range(1, 10):
        page.get_by_label(f"Municipality {number}", exact=True).fill(f"Member {number}")
        page.get_by_label(f"Population of municipality {number}").fill("20000")
    expect(page.locator("[data-members-total]")).to_have_text("180,000")
    page.get_by_label("Remove municipality 9").check()
    expect(page.locator("[data-members-total]")).to_have_text("160,000")
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_text("Your draft is saved")).to_be_visible()
    application = Application.objects.get(city_name="Foodvalley")
    assert sorted(application.municipalities.values_list("name", flat=True)) == [
        f"Member {number}" for number in range(1, 9)
    ]


def test_eligibility_updates_while_typing_and_the_server_still_decides(page: Page, site):
    CallFactory(name="Demo call (open)", slug="demo", partner_countries=["BR"])
    sign_in(page, site, UserFactory().email)
    page.goto(site + "/applications/apply/demo/")
    live = page.locator("[data-live-eligibility-text]")
    page.get_by_label("Country").select_option("GB")
    expect(live).to_contain_text("cannot apply to this call")
    page.get_by_label("Country").select_option("NL")
    page.get_by_label("Population", exact=True).fill("90000")
    expect(live).to_contain_text("below the call's minimum of 100,000")
    page.get_by_label("Population", exact=True).fill("361000")
    expect(live).to_contain_text("your city is eligible")


def test_on_a_phone_the_eligibility_panel_comes_before_the_save_buttons(page: Page, site):
    from tests.applications.helpers import ready_draft

    user = UserFactory()
    application = ready_draft(call=CallFactory(slug="demo"), owner=user)
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, site, user.email)
    page.goto(site + f"/applications/{application.pk}/edit/city/")
    panel = page.get_by_role("region", name="Eligibility").bounding_box()
    save = page.get_by_role("button", name="Save and continue").bounding_box()
    assert panel["y"] < save["y"]
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_enter_in_a_field_saves_the_section_rather_than_adding_a_row(page: Page, site):
    from applications.models import Application

    CallFactory(name="Demo call (open)", slug="demo")
    sign_in(page, site, UserFactory().email)
    page.goto(site + "/applications/apply/demo/")
    page.get_by_label("Country").select_option("NL")
    page.get_by_label("City, or name of the group of municipalities").fill("Utrecht")
    page.get_by_label("Population", exact=True).fill("361000")
    page.get_by_label("Population", exact=True).press("Enter")
    expect(page.get_by_text("Your draft is saved")).to_be_visible()
    assert Application.objects.filter(city_name="Utrecht").exists()


def test_after_a_failed_save_the_error_summary_takes_the_focus_on_every_section(
    page: Page, site
):
    """The group-total script once stopped on sections without the group rows, and with it
    the script that focuses the error summary."""
    CallFactory(name="Demo call (open)", slug="demo")
    sign_in(page, site, UserFactory().email)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(site + "/applications/apply/demo/")
    page.get_by_label("Country").select_option("NL")
    page.get_by_label("City, or name of the group of municipalities").fill("Utrecht")
    page.get_by_label("Population", exact=True).fill("361000")
    page.get_by_role("button", name="Save and continue").click()
    expect(page).to_have_url(re.compile(r"/edit/contact/$"))
    page.get_by_label("Contact person").fill("")
    page.get_by_role("button", name="Save and continue").click()
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    assert not errors, errors
