from datetime import date

import pytest

from action_plans import services as plan_services
from action_plans.models import LocalActionPlan
from pairings import services as pairing_services
from pairings.models import Publication
from tests.factories import CallFactory, UserFactory
from tests.pairings.helpers import accepted

SECRETS = [
    "contact@rotterdam.example.org",
    "Contact of Surat",
    "SECRET-CONTEXT",
    "SECRET-STAKEHOLDERS",
    "SECRET-NOTE",
    "SECRET-MOTIVATION",
    "0.8765",
    "Yantai",
]


def confirm(call, eu, partner, *, start, score=None):
    pairing = pairing_services.confirm_pairing(
        call=call, eu_application_id=eu.pk, partner_application_id=partner.pk,
        by=UserFactory(is_staff=True), start_date=start,
    )
    if score is not None:
        pairing.score = score
        pairing.save(update_fields=["score"])
    return pairing


def publish(pairing, choice=Publication.WITH_PLAN):
    for city in (pairing.eu_application, pairing.partner_application):
        pairing = pairing_services.set_publication_consent(
            pairing=pairing, application_id=city.pk, choice=choice, by=city.owner,
        )
    return pairing


@pytest.fixture
def programme():
    return build_programme()


def build_programme(*, publish_rotterdam=True):
    """Rotterdam–Surat published with plan summaries; Rome–Yantai confirmed, not published."""
    call = CallFactory(slug="demo-2025", name="Demo 2025", partner_countries=["IN", "CN"])
    owners = {name: UserFactory() for name in ("rotterdam", "surat", "rome", "yantai")}
    rotterdam = accepted(call, "Rotterdam", "NL", ["climate-adaptation", "water-and-sanitation"],
                         owner=owners["rotterdam"], population=651446,
                         motivation="SECRET-MOTIVATION")
    surat = accepted(call, "Surat", "IN", ["water-and-sanitation", "climate-adaptation"],
                     owner=owners["surat"], population=4467797)
    rome = accepted(call, "Rome", "IT", ["air-quality"], owner=owners["rome"])
    yantai = accepted(call, "Yantai", "CN", ["air-quality"], owner=owners["yantai"])
    published = confirm(call, rotterdam, surat, start=date(2025, 6, 1), score=0.8765)
    hidden = confirm(call, rome, yantai, start=date(2025, 7, 1))
    plan = LocalActionPlan.objects.get(pairing=published, application=rotterdam)
    plan_services.update_sections(
        plan=plan, by=owners["rotterdam"], context="SECRET-CONTEXT",
        objectives="Learn flood-risk management together.",
        stakeholder_group="SECRET-STAKEHOLDERS",
    )
    milestone = plan.milestones.first()
    plan_services.update_milestone(milestone=milestone, by=owners["rotterdam"],
                                   status="done", progress=100, note="SECRET-NOTE")
    plan_services.save_pilot_project(
        plan=plan, by=owners["rotterdam"], title="Water square", description="SECRET-NOTE",
        budget_eur=850000, funding_source="SECRET-NOTE", funding_status="preparing",
    )
    if publish_rotterdam:
        published = publish(published)
    return {"call": call, "owners": owners, "published": published, "hidden": hidden,
            "plan": plan}


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
