"""The pair of plans most plan tests start from: Rotterdam (EU) and Surat, paired."""

from datetime import date

import pytest

from action_plans import services
from action_plans.models import LocalActionPlan
from pairings import services as pairing_services
from tests.applications.helpers import letter_upload
from tests.factories import CallFactory, UserFactory
from tests.pairings.helpers import accepted


@pytest.fixture
def pair():
    call = CallFactory(partner_countries=["IN"])
    owners = {"rotterdam": UserFactory(), "surat": UserFactory()}
    eu = accepted(call, "Rotterdam", "NL", ["climate-adaptation"], owner=owners["rotterdam"])
    partner = accepted(call, "Surat", "IN", ["climate-adaptation"], owner=owners["surat"])
    pairing = pairing_services.confirm_pairing(
        call=call, eu_application_id=eu.pk, partner_application_id=partner.pk,
        by=UserFactory(is_staff=True), start_date=date(2025, 1, 1),
    )
    plan = LocalActionPlan.objects.get(pairing=pairing, application=eu)
    milestone = plan.milestones.first()
    evidence = services.add_evidence(milestone=milestone, by=owners["rotterdam"],
                                     upload=letter_upload(), title="Agreement")
    pilot = services.save_pilot_project(plan=plan, by=owners["rotterdam"], title="Water square",
                                        funding_status="idea")
    services.render_plan_pdf(plan_id=plan.pk)
    return owners, plan, milestone, evidence, pilot
