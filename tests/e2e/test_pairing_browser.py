"""Staff pair cities in the admin; both cities then see their partner."""

import re
import time

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import Page, expect

from iuc_portal.mail.models import OutboundEmail
from pairings.models import Pairing
from tests.e2e.test_apply_browser import sign_in, sign_in_on_this_page
from tests.factories import CallFactory, UserFactory
from tests.mfa import totp_code
from tests.pairings.helpers import accepted

pytestmark = pytest.mark.e2e


def test_staff_run_lock_rerun_confirm_and_both_cities_see_their_partner(page: Page, site):
    call = CallFactory(name="Demo call 2025", slug="demo-2025",
                       partner_countries=["IN", "CN", "US"])
    officials = {name: UserFactory() for name in ("rotterdam", "surat")}
    rotterdam = accepted(call, "Rotterdam", "NL", ["climate-adaptation", "water-and-sanitation"],
                         owner=officials["rotterdam"])
    accepted(call, "Surat", "IN", ["climate-adaptation", "water-and-sanitation"],
             owner=officials["surat"])
    accepted(call, "Rome", "IT", ["air-quality", "circular-economy"])
    accepted(call, "Yantai", "CN", ["air-quality", "circular-economy"])
    staff = UserFactory(is_staff=True)
    staff.groups.add(Group.objects.get(name="Programme staff"))

    # The admin has no login form: the portal's login, then the authenticator code.
    page.goto(site + "/admin/")
    sign_in_on_this_page(page, staff.email)
    expect(page.get_by_role("heading", name="Two-Factor Authentication")).to_be_visible()
    page.locator("input[name=code]").fill(totp_code(staff.totp_secret))
    page.locator("form button[type=submit]").first.click()
    page.get_by_role("link", name="Matching runs").click()
    page.get_by_role("link", name="Demo call 2025").click()
    page.get_by_role("button", name="Suggest pairings").click()
    expect(page.get_by_text("Suggestion ready: 2 pairs")).to_be_visible()

    table = page.get_by_role("table", name=re.compile("Suggested pairs"))
    rotterdam_row = table.get_by_role("row", name=re.compile("Rotterdam"))
    expect(rotterdam_row).to_contain_text("Surat (IN)")
    expect(rotterdam_row).to_contain_text("Climate adaptation")
    rotterdam_row.get_by_role("button", name="Lock").click()
    expect(page.get_by_text("Saved. Run the suggestion again")).to_be_visible()
    page.get_by_role("button", name="Run again with the current locks and forbids").click()
    expect(page.get_by_role("table", name=re.compile("Suggested pairs"))
           .get_by_role("row", name=re.compile("Rotterdam"))).to_contain_text("locked")

    page.get_by_role("button", name=re.compile("Confirm all 2 unconfirmed pairs")).click()
    expect(page.get_by_text("Confirmed: Rotterdam (NL) – Surat (IN)")).to_be_visible()
    assert Pairing.objects.filter(eu_application=rotterdam, status="confirmed").exists()
    recipients = set(OutboundEmail.objects.filter(template="pairings/email/confirmed")
                     .values_list("to_email", flat=True))
    assert {officials["rotterdam"].email, officials["surat"].email} <= recipients

    for own, partner in [("rotterdam", "Surat"), ("surat", "Rotterdam")]:
        page.context.clear_cookies()
        sign_in(page, site, officials[own].email)
        page.get_by_role("link", name="My partnership").click()
        expect(page.get_by_role("heading", name="Your partner city")).to_be_visible()
        expect(page.locator(".partnership-card")).to_contain_text(partner)


_used_codes: set[tuple[int, str]] = set()


def staff_sign_in(page: Page, site, staff):
    """The admin has no login form: the portal's login, then the authenticator code
    (a code is accepted once, so a second sign-in waits for the next one)."""
    page.context.clear_cookies()
    page.goto(site + "/admin/")
    sign_in_on_this_page(page, staff.email)
    expect(page.get_by_role("heading", name="Two-Factor Authentication")).to_be_visible()
    code = totp_code(staff.totp_secret)
    while (staff.pk, code) in _used_codes:
        time.sleep(1)
        code = totp_code(staff.totp_secret)
    _used_codes.add((staff.pk, code))
    page.locator("input[name=code]").fill(code)
    page.locator("form button[type=submit]").first.click()
    expect(page.get_by_role("link", name="Matching runs")).to_be_visible()


def answer(page: Page, site, official, *, accept=True, reason=""):
    page.context.clear_cookies()
    sign_in(page, site, official.email)
    page.goto(site + "/applications/")
    page.locator(".proposals-alert a").first.click()
    expect(page.get_by_role("heading", name="Why we propose this partner")).to_be_visible()
    if accept:
        page.get_by_role("button", name=re.compile("^Accept")).click()
    else:
        page.get_by_label("Why does your city decline this partner?").fill(reason)
        page.get_by_role("button", name="Decline").click()


def test_proposal_declined_forbidden_reproposed_accepted_by_both_and_confirmed(page: Page, site):
    from action_plans.models import LocalActionPlan
    from pairings.models import PairDecision

    call = CallFactory(name="Demo call 2025", slug="demo-2025", partner_countries=["IN", "CN"])
    officials = {name: UserFactory() for name in ("rotterdam", "surat", "yantai")}
    rotterdam = accepted(call, "Rotterdam", "NL", ["climate-adaptation", "water-and-sanitation"],
                         owner=officials["rotterdam"])
    surat = accepted(call, "Surat", "IN", ["climate-adaptation", "water-and-sanitation"],
                     owner=officials["surat"], motivation="Flood resilience of a river city.")
    yantai = accepted(call, "Yantai", "CN", ["climate-adaptation"], owner=officials["yantai"])
    staff = UserFactory(is_staff=True)
    staff.groups.add(Group.objects.get(name="Programme staff"))

    # staff propose the suggested pair
    staff_sign_in(page, site, staff)
    page.goto(site + "/admin/pairings/matchrun/suggest/demo-2025/")
    page.get_by_role("button", name="Suggest pairings").click()
    row = page.get_by_role("table", name=re.compile("Suggested pairs")).get_by_role(
        "row", name=re.compile("Rotterdam"))
    expect(row).to_contain_text("Surat (IN)")
    row.get_by_role("button", name="Propose", exact=True).click()
    expect(page.get_by_text("1 pair proposed")).to_be_visible()
    mailed = set(OutboundEmail.objects.filter(template="pairings/email/proposed")
                 .values_list("to_email", flat=True))
    assert mailed == {officials["rotterdam"].email, officials["surat"].email}

    # Rotterdam accepts, Surat declines with a reason
    answer(page, site, officials["rotterdam"])
    expect(page.get_by_text("Thank you: your city accepted")).to_be_visible()
    answer(page, site, officials["surat"], accept=False, reason="Our council chose another focus.")
    expect(page.get_by_text("Your city declined the proposal")).to_be_visible()

    # staff see the decline and the forbid, run again and propose the new pair
    assert OutboundEmail.objects.filter(template="pairings/email/proposal_declined").exists()
    staff_sign_in(page, site, staff)
    pairing = Pairing.objects.get(eu_application=rotterdam, partner_application=surat)
    page.goto(site + f"/admin/pairings/pairing/{pairing.pk}/change/")
    expect(page.get_by_text("Surat declined: Our council chose another focus.")).to_be_visible()
    page.goto(site + "/admin/pairings/matchrun/suggest/demo-2025/")
    page.get_by_role("button", name="Suggest pairings").click()
    expect(page.get_by_text("Forbidden: Rotterdam (NL) – Surat (IN)")).to_be_visible()
    assert PairDecision.objects.get(eu_application=rotterdam).kind == "forbid"
    row = page.get_by_role("table", name=re.compile("Suggested pairs")).get_by_role(
        "row", name=re.compile("Rotterdam"))
    expect(row).to_contain_text("Yantai (CN)")
    row.get_by_role("button", name="Propose", exact=True).click()
    expect(page.get_by_text("1 pair proposed")).to_be_visible()

    # both accept: confirmed, and both plans exist
    answer(page, site, officials["yantai"])
    expect(page.get_by_text("Thank you: your city accepted")).to_be_visible()
    answer(page, site, officials["rotterdam"])
    expect(page.get_by_text("Both cities accepted")).to_be_visible()
    expect(page.locator(".partnership-card")).to_contain_text("Yantai")
    confirmed = Pairing.objects.get(eu_application=rotterdam, status="confirmed")
    assert confirmed.partner_application == yantai
    assert LocalActionPlan.objects.filter(pairing=confirmed).count() == 2
