"""Staff assess an application together in the browser, from criteria to decision."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from applications.models import Application, ApplicationStatus, Clarification
from assessments.models import Assignment
from tests.assessments.helpers import assessor, lead
from tests.e2e.test_apply_browser import sign_in
from tests.e2e.test_pairing_browser import _used_codes
from tests.factories import CallFactory, UserFactory
from tests.mfa import totp_code
from tests.pairings.helpers import accepted

pytestmark = pytest.mark.e2e


def sign_in_with_code(page: Page, site, staff):
    """The lead is staff: password, then the authenticator code (each code once)."""
    import time

    page.context.clear_cookies()
    sign_in(page, site, staff.email)
    expect(page.get_by_role("heading", name="Two-Factor Authentication")).to_be_visible()
    code = totp_code(staff.totp_secret)
    while (staff.pk, code) in _used_codes:
        time.sleep(1)
        code = totp_code(staff.totp_secret)
    _used_codes.add((staff.pk, code))
    page.locator("input[name=code]").fill(code)
    page.locator("form button[type=submit]").first.click()
    expect(page.get_by_role("heading", name="Two-Factor Authentication")).to_have_count(0)


def test_criteria_assign_conflict_reassign_score_disagree_clarify_answer_accept(page: Page, site):
    now = timezone.now()
    call = CallFactory(
        name="Closed call",
        slug="closed",
        opens_at=now - timedelta(days=60),
        closes_at=now - timedelta(days=2),
    )
    official = UserFactory()
    accepted(call, "Porto", "PT", ["urban-mobility"], owner=official,
             status=ApplicationStatus.SUBMITTED, signing_authority="The Mayor")  # fmt: skip
    boss = lead(full_name="Lena Lead")
    first, second, third = (assessor(full_name=n) for n in ("Ana A", "Bruno B", "Chen C"))

    # The lead defines the call's criteria in the admin.
    sign_in_with_code(page, site, boss)
    page.goto(site + "/admin/assessments/assessmentscheme/add/")
    page.get_by_label("Call").select_option(label="Closed call")
    rows = page.locator("tr.form-row")
    for i, (name, weight) in enumerate([("Local impact", "2"), ("Commitment", "1")]):
        rows.nth(i).locator("input[name$='-name_en']").fill(name)
        rows.nth(i).locator("input[name$='-weight']").fill(weight)
        rows.nth(i).locator("input[name$='-scale_max']").fill("5")
        rows.nth(i).locator("input[name$='-position']").fill(str(i + 1))
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("was added successfully")).to_be_visible()

    # ... assigns two assessors by hand.
    page.goto(site + "/assess/lead/")
    page.get_by_role("link", name="Closed call").click()
    page.get_by_role("link", name="Porto").click()
    for person in (first, second):
        page.get_by_label("Assessor", exact=True).select_option(label=person.email)
        page.get_by_role("button", name="Assign", exact=True).click()
        expect(page.get_by_text(f"{person.email} is assigned.")).to_be_visible()

    # One assessor declares a conflict and no longer sees the application.
    page.context.clear_cookies()
    sign_in(page, site, first.email)
    page.goto(site + "/assess/")
    page.get_by_role("link", name="Declare a conflict of interest").click()
    page.get_by_label("What is the conflict of interest?").fill("I worked for Porto.")
    page.get_by_role("button", name="Declare the conflict").click()
    expect(page.get_by_text("Conflict of interest declared")).to_be_visible()
    expect(page.get_by_role("link", name="Porto")).to_have_count(0)

    # The lead assigns another.
    page.context.clear_cookies()
    sign_in_with_code(page, site, boss)
    application = Application.objects.get(city_name="Porto")
    page.goto(site + f"/assess/lead/applications/{application.pk}/")
    expect(page.get_by_role("row", name=re.compile("Ana A"))).to_contain_text("Conflict")
    page.get_by_label("Assessor", exact=True).select_option(label=third.email)
    page.get_by_role("button", name="Assign", exact=True).click()
    expect(page.get_by_text(f"{third.email} is assigned.")).to_be_visible()

    # Both score: far apart.
    for person, value in ((second, "5"), (third, "1")):
        page.context.clear_cookies()
        sign_in(page, site, person.email)
        page.goto(site + "/assess/")
        page.get_by_role("link", name="Porto").click()
        for group in page.get_by_role("radiogroup").all():
            group.get_by_label(value, exact=True).check()
        page.get_by_label("Comment on “Local impact”").fill(f"Scored {value}.")
        page.get_by_role("button", name="Submit the assessment").click()
        expect(page.get_by_text("Your assessment is submitted.")).to_be_visible()
    expect(page.get_by_text("Bruno B — 100.00")).to_be_visible()  # seen after submitting

    # The lead sees the disagreement and asks the applicant, reopening one section
    # although the deadline has passed.
    page.context.clear_cookies()
    sign_in_with_code(page, site, boss)
    page.goto(site + "/assess/lead/calls/closed/")
    porto = page.get_by_role("row", name=re.compile("Porto"))
    expect(porto).to_contain_text("Disagreement")
    expect(porto).to_contain_text("60.0")
    porto.get_by_role("link", name="Porto").click()
    page.get_by_text("Ask the applicant a question").click()
    page.get_by_label("Question for the applicant").fill("Who leads the project at the city?")
    page.get_by_label("Reopen one section").select_option("contact")
    until = timezone.localtime(now + timedelta(days=5)).strftime("%Y-%m-%dT%H:%M")
    page.get_by_label("Reopened until").fill(until)
    page.get_by_label("Why is it reopened?").fill("The contact person is missing.")
    page.get_by_role("button", name="Send the question").click()
    expect(page.get_by_text("The question is sent to the applicant.")).to_be_visible()

    # The applicant answers and resubmits the section.
    page.context.clear_cookies()
    sign_in(page, site, official.email)
    page.goto(site + "/applications/")
    page.get_by_role("link", name="Read and answer it").click()
    page.get_by_role("link", name="Change “Contact”").click()
    page.get_by_label("Contact person").fill("Rui Costa, head of mobility")
    page.get_by_role("button", name="Save the section").click()
    expect(page.get_by_text("The section is saved.")).to_be_visible()
    page.get_by_label("Your answer").fill("Rui Costa leads it; see the contact section.")
    page.get_by_role("button", name="Answer and send the section back").click()
    expect(page.get_by_text("your answer is sent")).to_be_visible()
    expect(page.locator(".timeline-list")).to_contain_text("Clarification answered")
    expect(page.locator("body")).not_to_contain_text("100.00")

    # The lead sees what changed and accepts Porto for matching from the ranked list.
    page.context.clear_cookies()
    sign_in_with_code(page, site, boss)
    page.goto(site + f"/assess/lead/applications/{application.pk}/")
    expect(page.locator(".section-diff")).to_contain_text("+Contact person: Rui Costa")
    page.goto(site + "/assess/lead/calls/closed/")
    page.get_by_role("button", name="Accept Porto for matching").click()
    expect(page.get_by_text("Porto (PT): Accepted for matching.")).to_be_visible()

    application.refresh_from_db()
    assert application.status == ApplicationStatus.ACCEPTED
    assert Clarification.objects.get().state == "answered"
    assert Assignment.objects.filter(application=application, state="submitted").count() == 2
