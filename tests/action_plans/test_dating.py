from datetime import date

import pytest

from action_plans.dating import add_months, months_between


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2025, 1, 15), 0, date(2025, 1, 15)),
        (date(2025, 1, 15), 18, date(2026, 7, 15)),
        (date(2025, 1, 31), 1, date(2025, 2, 28)),  # month end: clamp
        (date(2024, 1, 31), 1, date(2024, 2, 29)),  # leap year
        (date(2025, 8, 31), 3, date(2025, 11, 30)),
        (date(2025, 11, 30), 3, date(2026, 2, 28)),
        (date(2025, 12, 1), 1, date(2026, 1, 1)),  # year boundary
        (date(2025, 3, 1), -8, date(2024, 7, 1)),
    ],
)
def test_milestones_fall_whole_months_after_the_start_clamped_at_month_end(start, months, expected):
    assert add_months(start, months) == expected


def test_months_between_places_days_on_the_timeline():
    start = date(2025, 1, 1)
    assert months_between(start, date(2025, 1, 1)) == 0
    assert months_between(start, date(2026, 7, 1)) == 18
    assert months_between(start, date(2025, 2, 15)) == 1.5  # 14 of 28 February days
