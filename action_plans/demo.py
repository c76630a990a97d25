"""Demo progress for `seed_demo`: Rotterdam's plan is under way, with a pilot project."""

from pairings.models import Pairing

from . import services
from .models import MilestoneStatus

ROTTERDAM_PROGRESS = {
    0: (MilestoneStatus.DONE, 100, "Agreement signed in Rotterdam with the Mayor of Surat."),
    1: (MilestoneStatus.DONE, 100, "Water board, port authority and two universities joined."),
    3: (MilestoneStatus.DONE, 100, "Delegation visited Surat's riverfront and treatment plants."),
    5: (MilestoneStatus.IN_PROGRESS, 60, "Return visit planned; agenda drafted."),
    6: (MilestoneStatus.IN_PROGRESS, 30, ""),
}


def seed_plan_progress(pairings: list[Pairing], *, by) -> None:
    for pairing in pairings:
        for plan in services.start_plans(pairing=pairing, by=by):
            if plan.application.city_name != "Rotterdam" or plan.pilot_projects.exists():
                continue
            owner = plan.application.owner or by
            for milestone in plan.milestones.all():
                if milestone.month in ROTTERDAM_PROGRESS:
                    status, progress, note = ROTTERDAM_PROGRESS[milestone.month]
                    services.update_milestone(milestone=milestone, by=owner, status=status,
                                              progress=progress, note=note)
            services.update_sections(
                plan=plan, by=owner,
                context="Rotterdam lies largely below sea level; heavier rain and a rising sea "
                        "put districts and the port at risk.",
                objectives="Share flood-risk management with Surat and learn from its "
                           "decentralised wastewater treatment.",
                stakeholder_group="Water board, port authority, Erasmus University, residents.",
            )
            services.save_pilot_project(
                plan=plan, by=owner, title="Water square in a dense neighbourhood",
                description="A public square that stores rainwater during storms.",
                budget_eur=850000, funding_source="European Investment Bank",
                funding_status="preparing",
            )
