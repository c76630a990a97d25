import re

import pytest
from playwright.sync_api import Page, expect

from tests.factories import CallFactory

pytestmark = pytest.mark.e2e


def test_visitor_sees_open_call_and_switches_the_portal_to_spanish(page: Page, site):
    CallFactory(name="Demo call (open)", slug="demo")
    page.goto(site + "/")
    expect(page.get_by_role("heading", name="Open calls")).to_be_visible()
    expect(page.get_by_role("heading", name="Demo call (open)")).to_be_visible()
    # The script fills in the visitor's local time of the deadline.
    expect(page.locator("[data-local-deadline]").first).not_to_have_text(
        "shown when JavaScript is on"
    )

    page.get_by_role("button", name="Español").click()
    expect(page.get_by_role("heading", name="Convocatorias abiertas")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "es")


def test_skip_link_is_the_first_stop_for_keyboard_users(page: Page, site):
    page.goto(site + "/")
    page.keyboard.press("Tab")
    focused = page.locator(":focus")
    expect(focused).to_have_text(re.compile("Skip to main content"))
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile("#main$"))
