"""axe-core (served from the axe-playwright-python package, no CDN) finds no critical
or serious WCAG 2.2 AA violation on the pages a city, a partner city and staff use."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core.management import call_command
from django.test import Client
from playwright.sync_api import Page

from action_plans.models import LocalActionPlan
from applications.models import Application, Call
from iuc_portal.accounts.models import User

pytestmark = pytest.mark.e2e

AXE = Axe()
WCAG_22_AA = {"runOnly": {"type": "tag",
                          "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]}}


def sign_in_as(page: Page, site: str, email: str) -> None:
    """A session made by Django's test client, so the test does not depend on the login form."""
    client = Client()
    client.force_login(User.objects.get(email=email))
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME,
                               "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                               "url": site}])
    assert client.session[SESSION_KEY]


def serious_violations(page: Page) -> list[str]:
    results = AXE.run(page, options=WCAG_22_AA)
    return [
        f"{violation['id']} ({violation['impact']}): "
        + "; ".join(node["target"][0] for node in violation["nodes"][:5])
        for violation in results.response["violations"]
        if violation["impact"] in {"critical", "serious"}
    ]


def audit(page: Page, site: str, paths: list[str], language: str = "en") -> dict[str, list]:
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language,
                               "url": site}])
    found = {}
    for path in paths:
        response = page.goto(site + path)
        assert response.status < 400, (path, response.status)
        assert page.url.endswith(path), (path, page.url)  # audited where it was meant to
        problems = serious_violations(page)
        if problems:
            found[path] = problems
    return found


@pytest.fixture
def demo(site):
    from tests.mfa import activate_totp

    call_command("seed_demo", "--force", verbosity=0)
    # Staff open the admin only with a second factor (issue 8): the demo staff has one.
    activate_totp(User.objects.get(email="staff@iuc.example.eu"))
    return site


def test_public_pages_have_no_serious_accessibility_violation(page: Page, demo):
    paths = ["/", "/accounts/login/", "/accounts/signup/", "/accounts/password/reset/"]
    assert audit(page, demo, paths) == {}


@pytest.mark.parametrize("language", ["en", "fr"])
def test_a_city_officials_pages_have_no_serious_accessibility_violation(
    page: Page, demo, language
):
    sign_in_as(page, demo, "rotterdam@city.example.eu")
    application = Application.objects.get(owner__email="rotterdam@city.example.eu")
    plan = LocalActionPlan.objects.get(application=application)
    milestone = plan.milestones.first()
    paths = [
        "/applications/", f"/applications/{application.pk}/",
        "/partnerships/", "/plans/", f"/plans/{plan.pk}/", f"/plans/{plan.pk}/sections/",
        f"/plans/{plan.pk}/milestones/{milestone.pk}/",
        f"/plans/{plan.pk}/pilots/add/", f"/plans/{plan.pk}/mous/add/",
        "/accounts/preferences/",
    ]
    assert audit(page, demo, paths, language) == {}


def test_every_section_of_the_application_form_has_no_serious_violation(page: Page, demo):
    from tests.factories import UserFactory

    official = UserFactory(email="new-official@city.example.eu")
    sign_in_as(page, demo, official.email)
    call = Call.objects.get(slug="demo")
    page.goto(demo + f"/applications/apply/{call.slug}/")
    assert serious_violations(page) == []
    page.get_by_label("Country").select_option("NL")
    page.get_by_label("City, or name of the group of municipalities").fill("Utrecht")
    page.get_by_label("Population", exact=True).fill("361000")
    page.get_by_role("button", name="Save and continue").click()
    application = Application.objects.get(owner=official)
    paths = [f"/applications/{application.pk}/edit/{section}/"
             for section in ("city", "contact", "themes", "preferences", "commitment")]
    paths.append(f"/applications/{application.pk}/review/")
    assert audit(page, demo, paths) == {}


def test_the_form_after_a_failed_submit_has_no_serious_violation(page: Page, demo):
    from tests.factories import UserFactory

    sign_in_as(page, demo, UserFactory().email)
    page.goto(demo + "/applications/apply/demo/")
    page.get_by_role("button", name="Save and continue").click()
    assert serious_violations(page) == []


def test_staff_pages_have_no_serious_accessibility_violation(page: Page, demo):
    sign_in_as(page, demo, "staff@iuc.example.eu")
    application = Application.objects.filter(call__slug="demo").first()
    demo_2025 = Call.objects.get(slug="demo-2025")
    paths = [
        "/admin/", "/admin/applications/application/",
        f"/admin/applications/application/{application.pk}/change/",
        "/admin/applications/call/", f"/admin/applications/call/{demo_2025.pk}/change/",
        "/admin/pairings/pairing/", "/admin/pairings/matchrun/",
        "/admin/action_plans/localactionplan/", "/plans/",
    ]
    assert audit(page, demo, paths) == {}


def test_the_staff_pairing_workflow_has_no_serious_accessibility_violation(page: Page, demo):
    sign_in_as(page, demo, "staff@iuc.example.eu")
    assert audit(page, demo, ["/admin/pairings/matchrun/suggest/demo-2025/"]) == {}
    page.get_by_role("button", name="Suggest pairings").click()
    page.wait_for_url("**/review/")
    assert serious_violations(page) == []


@pytest.mark.parametrize("language", ["fr", "es"])
def test_the_signed_in_navigation_stays_on_one_line_at_1280_px(page: Page, demo, language):
    page.set_viewport_size({"width": 1280, "height": 800})
    sign_in_as(page, demo, "staff@iuc.example.eu")
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language,
                               "url": demo}])
    page.goto(demo + "/applications/")
    heights = page.locator(".portal-header .nav-link").evaluate_all(
        "links => links.map(link => link.getBoundingClientRect().height)"
    )
    assert heights and max(heights) < 48, heights
    navbar = page.locator(".portal-header .navbar").bounding_box()
    assert navbar["height"] < 80
