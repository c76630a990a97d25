"""A person reads names, not codes, and dates and money in their language's format."""

from datetime import date
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from action_plans import services as plan_services
from action_plans.models import LocalActionPlan
from pairings import services as pairing_services
from tests.factories import CallFactory, UserFactory
from tests.pairings.helpers import accepted

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair():
    call = CallFactory(partner_countries=["BR"])
    almada, belo = UserFactory(), UserFactory()
    eu = accepted(call, "Almada", "PT", ["urban-mobility", "energy-transition"], owner=almada)
    partner = accepted(call, "Belo Horizonte", "BR", ["urban-mobility", "energy-transition"],
                       owner=belo)
    partner.languages = ["pt", "en", "fr"]
    partner.save()
    pairing = pairing_services.confirm_pairing(
        call=call, eu_application_id=eu.pk, partner_application_id=partner.pk,
        by=UserFactory(is_staff=True), start_date=date(2025, 6, 1),
    )
    return almada, LocalActionPlan.objects.get(pairing=pairing, application=eu)


def test_the_partnership_page_names_themes_and_languages_in_the_readers_language(client, pair):
    almada, _plan = pair
    client.force_login(almada)
    client.cookies["django_language"] = "es"
    html = client.get(reverse("pairings:partnerships")).content.decode()
    assert "Movilidad urbana" in html
    assert "urban-mobility" not in html
    assert "portugués, inglés, francés" in html.lower()
    assert "pt, en, fr" not in html


def test_plan_dates_and_budgets_follow_the_language(client, pair):
    almada, plan = pair
    plan_services.save_pilot_project(plan=plan, by=almada, title="Bus lanes",
                                     funding_status="idea", budget_eur=Decimal("850000"))
    client.force_login(almada)
    client.cookies["django_language"] = "es"
    html = client.get(reverse("action_plans:detail", args=[plan.pk])).content.decode()
    assert "850\u00a0000\u00a0€" in html
    assert "1 de junio de 2025" in html
    assert "2025-06-01</" not in html


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "€850,000"), ("fr", "850\u00a0000\u00a0€"), ("pt", "850.000\u00a0€")],
)
def test_euros_are_written_the_way_each_language_writes_them(language, expected):
    with translation.override(language):
        rendered = Template("{% load portal_format %}{{ amount|euros }}").render(
            Context({"amount": Decimal("850000")})
        )
    assert rendered == expected
