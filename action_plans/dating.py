"""Milestone due dates: month offsets from a pairing's start, clamped at month ends."""

import calendar
from datetime import date


def add_months(start: date, months: int) -> date:
    """`start` moved by whole months; 31 January + 1 month is the last day of February.

    Never raises: a result beyond the calendar's range is clamped to `date.max` or
    `date.min`, so a far-off stored date cannot break a page that draws it.
    """
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    if year > date.max.year:
        return date.max
    if year < date.min.year:
        return date.min
    day = min(start.day, calendar.monthrange(year, month)[1])
    return date(year, month, day)


def months_between(start: date, moment: date) -> float:
    """Fractional months from start to moment (for placing a day on the timeline)."""
    whole = (moment.year - start.year) * 12 + (moment.month - start.month)
    anchor = add_months(start, whole)
    if anchor > moment:
        whole -= 1
        anchor = add_months(start, whole)
    following = add_months(start, whole + 1)
    return whole + (moment - anchor).days / max((following - anchor).days, 1)
