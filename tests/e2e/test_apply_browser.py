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
    expect(panel).to_contain_text("Cities in GB cannot apply to this call")
    expect(panel).to_contain_text("below this call's minimum of 100,000")
    page.get_by_role("link", name=re.compile("Review and submit")).click()
    expect(page.get_by_role("button", name="Submit the application")).to_have_count(0)


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
