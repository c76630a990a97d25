"""The programme in public, in a real browser: the consent rule, the catalogue's
filters, the map (a pair's line opens its page) and the private calendar feed."""

import re

import pytest
from playwright.sync_api import Page, expect

from pairings.models import Pairing
from tests.e2e.test_apply_browser import sign_in
from tests.programme.conftest import build_programme

pytestmark = pytest.mark.e2e


def test_a_pairing_is_public_only_after_both_cities_agree_on_their_page(page: Page, site):
    data = build_programme(publish_rotterdam=False)
    rotterdam, surat = data["owners"]["rotterdam"], data["owners"]["surat"]

    page.goto(site + "/programme/")
    expect(page.get_by_text("No published partnership matches these filters.")).to_be_visible()

    sign_in(page, site, rotterdam.email)
    page.get_by_role("link", name="My partnership").click()
    expect(page.get_by_text("Please tell us whether the public may see this partnership."))\
        .to_be_visible()
    page.get_by_label("Publish the partnership and a summary of our plan").check()
    page.get_by_role("button", name="Save the publication choice").click()
    expect(page.get_by_text("once your partner city agrees too")).to_be_visible()

    page.context.clear_cookies()
    page.goto(site + "/programme/")
    expect(page.get_by_text("No published partnership matches these filters.")).to_be_visible()

    sign_in(page, site, surat.email)
    page.get_by_role("link", name="My partnership").click()
    page.get_by_label("Publish the partnership", exact=True).check()
    page.get_by_role("button", name="Save the publication choice").click()
    expect(page.get_by_text("Both cities agreed: the partnership is public.")).to_be_visible()

    page.context.clear_cookies()
    page.goto(site + "/programme/")
    cards = page.locator("article.partnership-public")
    expect(cards).to_have_count(1)
    expect(cards.first).to_contain_text("Rotterdam")
    expect(cards.first).to_contain_text("Surat")
    expect(page.locator("main")).not_to_contain_text("Yantai")  # confirmed, never agreed
    # Rotterdam shared its plan summary, Surat only the pairing.
    cards.first.get_by_role("link").first.click()
    expect(page.get_by_role("heading", name="Local Action Plan of Rotterdam")).to_be_visible()
    expect(page.get_by_text("Local Action Plan of Surat")).to_have_count(0)


def test_filters_have_their_own_address_and_work_without_javascript(browser, site):
    data = build_programme()
    hidden = data["hidden"]
    from tests.programme.conftest import publish

    publish(hidden)
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(site + "/programme/")
    expect(page.locator("article.partnership-public")).to_have_count(2)
    page.get_by_label("Region").select_option("asia")
    page.get_by_label("Theme").select_option(label="Air quality")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"region=asia.*theme=air-quality"))
    assert "q=" not in page.url and "status=" not in page.url  # only the chosen filters
    cards = page.locator("article.partnership-public")
    expect(cards).to_have_count(1)
    expect(cards.first).to_contain_text("Yantai")
    shared = page.url
    page.goto(site + "/")
    page.goto(shared)  # the same address gives the same selection
    expect(page.locator("article.partnership-public")).to_have_count(1)
    page.get_by_label("City, country or call").fill("rotterdam")
    page.get_by_label("Theme").select_option("")
    page.get_by_label("Region").select_option("")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("article.partnership-public")).to_have_count(1)
    expect(page.locator("article.partnership-public").first).to_contain_text("Surat")
    context.close()


def test_the_catalogue_fits_a_phone_in_french_with_long_theme_names(browser, site):
    data = build_programme()
    from applications.models import Theme
    from tests.programme.conftest import publish

    pairing = data["hidden"]
    pairing.shared_themes = ["sustainable-land-use"]
    pairing.save(update_fields=["shared_themes"])
    publish(pairing)
    assert Theme.objects.filter(slug="sustainable-land-use").exists()
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="fr-FR",
                                  extra_http_headers={"Accept-Language": "fr"})
    page = context.new_page()
    page.goto(site + "/programme/?theme=sustainable-land-use")
    expect(page.locator("article.partnership-public")).to_have_count(1)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page is {width} px wide on a 390 px screen"
    context.close()


def test_clicking_a_pair_on_the_map_opens_its_page(page: Page, site):
    data = build_programme()
    published: Pairing = data["published"]
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(site + "/programme/map/")
    expect(page.locator("svg path.land")).to_be_visible()
    expect(page.locator("svg a.pair")).to_have_count(1)
    page.locator(f'svg a[data-pair="{published.pk}"] line.pair-hit').click()
    expect(page).to_have_url(re.compile(rf"/programme/{published.pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Rotterdam")
    # The list view reaches the same page by keyboard.
    page.goto(site + "/programme/map/")
    link = page.get_by_role("link", name=re.compile("Rotterdam \\(Netherlands\\) – Surat"))
    link.focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/programme/{published.pk}/$"))
    assert not [e for e in errors if "Content Security Policy" in e], errors


def test_an_official_subscribes_to_the_milestone_feed_and_resets_it(page: Page, site):
    data = build_programme()
    sign_in(page, site, data["owners"]["rotterdam"].email)
    page.goto(site + "/plans/")
    address = page.get_by_label("Your calendar address").input_value()
    assert address.endswith(".ics")
    feed = page.request.get(address)
    assert feed.ok and "BEGIN:VCALENDAR" in feed.text()
    assert feed.text().count("BEGIN:VEVENT") == 9
    page.get_by_role("button", name="Give my calendar a new address").click()
    expect(page.get_by_text("Your calendar has a new address")).to_be_visible()
    new_address = page.get_by_label("Your calendar address").input_value()
    assert new_address != address
    assert page.request.get(address).status == 404
    assert page.request.get(new_address).ok
