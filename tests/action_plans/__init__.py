"""Local Action Plan tests. The builders here make confirmed pairings with both plans."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from pairings import services as pairing_services
from tests.factories import UserFactory
from tests.pairings.helpers import accepted

BRUSSELS = ZoneInfo("Europe/Brussels")
# Every pairing here starts on 15 January 2025: milestones fall due on the 15th of
# months 0, 1, 3, 5, 6, 9, 12, 15 and 18 (the default 18-month template).
START = date(2025, 1, 15)


def at(day: date, hour: int = 9) -> datetime:
    """A moment on `day`, Brussels time (for time_machine)."""
    return datetime.combine(day, time(hour), tzinfo=BRUSSELS)


def confirmed_pair(call, eu=("Rotterdam", "NL"), partner=("Surat", "IN"), *, eu_owner=None,
                   partner_owner=None, start=START, themes=("climate-adaptation",)):
    """Confirm a pairing the way staff do; both cities' plans start through the signal."""
    eu_application = accepted(call, eu[0], eu[1], list(themes), owner=eu_owner)
    partner_application = accepted(call, partner[0], partner[1], list(themes),
                                   owner=partner_owner)
    pairing = pairing_services.confirm_pairing(
        call=call,
        eu_application_id=eu_application.pk,
        partner_application_id=partner_application.pk,
        by=UserFactory(is_staff=True),
        start_date=start,
    )
    plans = {plan.application_id: plan for plan in pairing.plans.all()}
    return pairing, plans[eu_application.pk], plans[partner_application.pk]
