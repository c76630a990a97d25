"""The pure arithmetic: weighted scores, disagreement, balanced assignment."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assessments.scoring import balanced_assignment, disagrees, weighted_score


def test_full_marks_everywhere_is_100_and_zero_is_0():
    assert weighted_score([(5, 5, Decimal(1)), (10, 10, Decimal(2))]) == Decimal("100.00")
    assert weighted_score([(0, 5, Decimal(1))]) == Decimal("0.00")


def test_weights_count_each_criterion_by_its_share_of_its_scale():
    # 5/5 with weight 3, 0/10 with weight 1: 3/4 of the way.
    assert weighted_score([(5, 5, Decimal(3)), (0, 10, Decimal(1))]) == Decimal("75.00")


def test_a_value_outside_its_scale_is_refused():
    with pytest.raises(ValueError):
        weighted_score([(6, 5, Decimal(1))])


@given(st.lists(st.tuples(st.integers(0, 10), st.integers(1, 10), st.integers(1, 5)), min_size=1))
def test_weighted_score_stays_between_0_and_100(rows):
    rows = [(min(v, m), m, Decimal(w)) for v, m, w in rows]
    assert Decimal(0) <= weighted_score(rows) <= Decimal(100)


def test_disagreement_needs_two_scores_further_apart_than_the_threshold():
    assert not disagrees([Decimal(90)], Decimal(20))
    assert not disagrees([Decimal(50), Decimal(70)], Decimal(20))
    assert disagrees([Decimal(50), Decimal("70.01")], Decimal(20))


def _assessors(n, **extra):
    return [{"id": i, "regions": [], "languages": [], "load": 0, **extra} for i in range(1, n + 1)]


def test_each_application_gets_n_distinct_assessors_and_the_load_is_balanced():
    apps = [{"id": i, "region": "eu", "languages": [], "taken": set()} for i in range(10)]
    plan = balanced_assignment(applications=apps, assessors=_assessors(4), per_application=2)
    per_app = {}
    for app, person in plan:
        per_app.setdefault(app, set()).add(person)
    assert all(len(people) == 2 for people in per_app.values()) and len(per_app) == 10
    loads = [sum(1 for _a, p in plan if p == i) for i in range(1, 5)]
    assert max(loads) - min(loads) <= 1


def test_a_conflicted_assessor_is_never_chosen():
    apps = [{"id": 1, "region": "eu", "languages": [], "taken": {1}}]
    plan = balanced_assignment(applications=apps, assessors=_assessors(3), per_application=2)
    assert {p for _a, p in plan} == {2, 3}


def test_an_assessor_of_the_region_or_language_is_preferred_among_equals():
    people = _assessors(3)
    people[2]["languages"] = ["pt"]
    apps = [{"id": 1, "region": "latin-america-caribbean", "languages": ["pt"], "taken": set()}]
    assert balanced_assignment(applications=apps, assessors=people, per_application=1) == [(1, 3)]


def test_applications_already_assessed_enough_get_no_one_more():
    apps = [{"id": 1, "region": "eu", "languages": [], "taken": {1, 2}, "active": 2}]
    assert balanced_assignment(applications=apps, assessors=_assessors(3), per_application=2) == []
