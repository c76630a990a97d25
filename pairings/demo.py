"""Demo pairings for `seed_demo`: two confirmed pairs of demo-2025, one proposal waiting
for both cities' answers (Almada – Belo Horizonte), the rest left to staff.

Rotterdam–Surat is published (both cities agreed, with their plan summaries); Rome–Yantai
is confirmed but not published, so the consent rule can be seen at work."""

from datetime import date

from django.utils import timezone

from applications.models import Call

from . import services
from .models import HOLDING_STATUSES, PairDecision, Pairing, Publication

DEMO_PAIRS = [("Rotterdam", "Surat"), ("Rome", "Yantai")]
DEMO_PROPOSAL = ("Almada", "Belo Horizonte")
PUBLISHED_PAIRS = {("Rotterdam", "Surat")}


def demo_start() -> date:
    """About eight months ago: the demo pairs are half-way through their plans."""
    today = timezone.localdate()
    months = today.year * 12 + today.month - 1 - 8
    return date(months // 12, months % 12 + 1, 1)


def seed_pairings(call: Call, *, by) -> list[Pairing]:
    pairings = []
    for eu_city, partner_city in DEMO_PAIRS:
        eu = call.applications.filter(city_name=eu_city).first()
        partner = call.applications.filter(city_name=partner_city).first()
        if not eu or not partner:
            continue
        existing = Pairing.objects.filter(
            eu_application=eu, partner_application=partner, status__in=HOLDING_STATUSES
        ).first()
        pairings.append(
            existing
            or services.confirm_pairing(
                call=call,
                eu_application_id=eu.pk,
                partner_application_id=partner.pk,
                by=by,
                start_date=demo_start(),
            )
        )
    return pairings


def seed_proposal(call: Call, *, by) -> Pairing | None:
    """Propose Almada – Belo Horizonte once; a later run leaves it as the cities left it."""
    eu = call.applications.filter(city_name=DEMO_PROPOSAL[0]).first()
    partner = call.applications.filter(city_name=DEMO_PROPOSAL[1]).first()
    if not eu or not partner:
        return None
    if (
        Pairing.objects.filter(eu_application=eu, partner_application=partner).exists()
        or PairDecision.objects.filter(eu_application=eu, partner_application=partner).exists()
    ):
        return None
    run = services.run_matching(call=call, by=by)  # the proposal carries its explanation
    return services.propose_pairing(
        call=call,
        eu_application_id=eu.pk,
        partner_application_id=partner.pk,
        by=by,
        match_run=run.run,
    )


def publish_demo_pairs(pairings: list[Pairing], *, by) -> None:
    for pairing in pairings:
        names = (pairing.eu_application.city_name, pairing.partner_application.city_name)
        if names not in PUBLISHED_PAIRS:
            continue
        for city in (pairing.eu_application, pairing.partner_application):
            if pairing.publication_of(city) == Publication.UNDECIDED:
                pairing = services.set_publication_consent(
                    pairing=pairing, application_id=city.pk,
                    choice=Publication.WITH_PLAN, by=city.owner or by,
                )
