"""The iCalendar (RFC 5545) document of an official's milestones (icalendar package)."""

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from iuc_portal.mail.services import absolute_url


def milestones_calendar(milestones) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//IUC portal//Local Action Plan milestones//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", _("IUC Local Action Plan milestones"))
    stamp = timezone.now()
    for milestone in milestones:
        plan = milestone.plan
        event = Event()
        event.add("uid", f"milestone-{milestone.pk}@iuc-portal")
        event.add("dtstamp", stamp)
        event.add("dtstart", milestone.due_date)
        event.add("dtend", milestone.due_date + timedelta(days=1))
        event.add("summary", f"{milestone.title} — {plan.application.city_name}")
        event.add(
            "description",
            _("Status: %(status)s, %(progress)s%% done.")
            % {"status": milestone.get_status_display(), "progress": milestone.progress},
        )
        event.add("url", absolute_url(f"/plans/{plan.pk}/milestones/{milestone.pk}/"))
        event.add("transp", "TRANSPARENT")
        calendar.add_component(event)
    return calendar.to_ical()
