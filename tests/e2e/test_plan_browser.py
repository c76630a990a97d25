"""A paired city works on its plan; the partner reads it; the PDF is prepared."""

import io
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from pairings import services as pairing_services
from tests.e2e.test_apply_browser import sign_in
from tests.factories import CallFactory, UserFactory
from tests.pairings.helpers import accepted

pytestmark = pytest.mark.e2e


def test_city_updates_milestone_adds_pilot_partner_reads_and_pdf_holds_both(page: Page, site):
    call = CallFactory(partner_countries=["IN"])
    owners = {"rotterdam": UserFactory(), "surat": UserFactory()}
    eu = accepted(call, "Rotterdam", "NL", ["climate-adaptation"], owner=owners["rotterdam"])
    partner = accepted(call, "Surat", "IN", ["climate-adaptation"], owner=owners["surat"])
    pairing_services.confirm_pairing(call=call, eu_application_id=eu.pk,
                                     partner_application_id=partner.pk,
                                     by=UserFactory(is_staff=True),
                                     start_date=timezone.localdate())

    sign_in(page, site, owners["rotterdam"].email)
    page.get_by_role("link", name="Local Action Plan").click()
    page.get_by_role("link", name="Rotterdam", exact=True).click()
    expect(page.get_by_role("heading", name="Local Action Plan of Rotterdam")).to_be_visible()
    expect(page.get_by_role("img", name="Timeline of the plan")).to_be_visible()

    # Update the first milestone in place, with the keyboard.
    page.get_by_text("Update “Local stakeholder group formed”").click()
    milestone = page.locator("li.milestone", has_text="Local stakeholder group formed")
    milestone.get_by_label("Status").select_option("in_progress")
    milestone.get_by_label("Progress (%)").fill("50")
    milestone.get_by_label("Note").fill("Water board and port authority joined.")
    milestone.get_by_label("Note").press("Tab")
    page.keyboard.press("Enter")
    expect(page.get_by_text("“Local stakeholder group formed” is updated.")).to_be_visible()
    expect(page.locator("li.milestone", has_text="Local stakeholder group formed")) \
        .to_contain_text("In progress")

    page.get_by_role("link", name="Add a pilot project").click()
    page.get_by_label("Title").fill("Water square")
    page.get_by_label("Budget (EUR)").fill("850000")
    page.get_by_label("Funding source").fill("European Investment Bank")
    page.get_by_label("Funding status").select_option("applied")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("The pilot project is saved.")).to_be_visible()

    # The partner sees it, read only.
    page.context.clear_cookies()
    sign_in(page, site, owners["surat"].email)
    page.get_by_role("link", name="Local Action Plan").click()
    page.get_by_role("link", name="Rotterdam", exact=True).click()
    expect(page.get_by_role("note")).to_contain_text("only its own officials can change it")
    expect(page.get_by_text("Water square")).to_be_visible()
    expect(page.locator("li.milestone", has_text="Local stakeholder group formed")) \
        .to_contain_text("In progress")
    expect(page.get_by_role("link", name="Add a pilot project")).to_have_count(0)
    expect(page.get_by_text(re.compile("^Update “"))).to_have_count(0)

    # Export: prepared by the worker (eager here), then offered.
    page.get_by_role("button", name="Export the plan as PDF").click()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the PDF").click()
    pdf = download_info.value.path().read_bytes()
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "Rotterdam" in text and "Surat" in text and "Water square" in text
