import pytest

from applications import eligibility

PARTNERS = {"JP", "CN", "US", "CA", "MX", "BR", "AR", "PE", "CL", "CO"}


def problems(**overrides):
    values = dict(
        country="NL", is_group=False, population=100_000, member_populations=[],
        min_population=100_000, partner_countries=PARTNERS,
    )
    values.update(overrides)
    return [p.code for p in eligibility.eligibility_problems(**values)]


@pytest.mark.parametrize(("population", "eligible"), [(99_999, False), (100_000, True)])
def test_single_city_needs_the_calls_minimum_population(population, eligible):
    assert (problems(population=population) == []) is eligible


def test_minimum_population_belongs_to_the_call():
    assert problems(population=60_000, min_population=50_000) == []


@pytest.mark.parametrize(
    ("members", "code"),
    [([60_000, 39_999], "group_below_minimum"), ([60_000, 40_000], None),
     ([150_000], "group_too_small")],
)
def test_group_of_municipalities_counts_its_total_population(members, code):
    found = problems(is_group=True, population=None, member_populations=members)
    assert found == ([code] if code else [])


@pytest.mark.parametrize(
    ("country", "eligible"),
    [("NL", True), ("GR", True), ("GB", False), ("JP", True), ("BR", True), ("IN", False),
     ("AU", False)],
)
def test_eu_cities_in_the_eu_27_and_partners_in_the_calls_countries(country, eligible):
    assert (problems(country=country) == []) is eligible


def test_side_follows_from_the_country():
    assert eligibility.side_for("PT") == "eu"
    assert eligibility.side_for("BR") == "partner"


def test_problem_messages_name_the_rule_and_the_way_forward():
    [problem] = eligibility.eligibility_problems(
        country="NL", is_group=False, population=99_999, member_populations=[],
        min_population=100_000, partner_countries=PARTNERS,
    )
    assert "99,999" in problem.message and "100,000" in problem.message
    assert "group" in problem.message


@pytest.mark.parametrize(
    ("declared", "known", "differs"),
    [(150_000, 100_000, False), (151_000, 100_000, True), (49_000, 100_000, True),
     (50_000, 100_000, False)],
)
def test_declared_population_warning_when_off_by_more_than_half(declared, known, differs):
    assert eligibility.declared_population_differs(declared, known) is differs
