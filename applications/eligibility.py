"""Who may apply to a call: pure rules, no database, each problem with a way forward."""

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from django.utils.formats import number_format
from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from django_countries import countries

from iuc_portal.geography import is_eu_member

EU = "eu"
PARTNER = "partner"


@dataclass(frozen=True)
class Problem:
    code: str
    field: str
    message: str


def side_for(country: str) -> str:
    """The side follows from the country: EU member states apply as EU cities."""
    return EU if is_eu_member(country) else PARTNER


def country_problems(*, country: str, partner_countries: Collection[str]) -> list[Problem]:
    if not country:
        return [Problem("country_missing", "country", _("Choose the city's country."))]
    if side_for(country) == EU or country in partner_countries:
        return []
    return [
        Problem(
            "country_not_eligible",
            "country",
            _(
                "Cities in %(country)s cannot apply to this call: an EU city must be in one "
                "of the 27 EU member states, and a partner city in one of the call's partner "
                "countries (%(partners)s)."
            )
            % {"country": country_name(country), "partners": _country_list(partner_countries)},
        )
    ]


def country_name(code: str) -> str:
    """The country's name in the active language (its code if unknown)."""
    return str(countries.name(code)) or code


def _country_list(codes: Collection[str]) -> str:
    names = sorted(country_name(code) for code in codes)
    return get_text_list(names, _("and")) if names else "—"


ELIGIBILITY_CODES = frozenset(
    {"country_not_eligible", "population_below_minimum", "group_too_small", "group_below_minimum"}
)


def is_ineligible(problems: Sequence[Problem]) -> bool:
    """True when a rule of the call, not a missing answer, stands in the way."""
    return any(problem.code in ELIGIBILITY_CODES for problem in problems)


def population_problems(
    *,
    is_group: bool,
    population: int | None,
    member_populations: Sequence[int],
    min_population: int,
) -> list[Problem]:
    minimum = number_format(min_population, force_grouping=True)
    if not is_group:
        if population is None:
            return [Problem("population_missing", "population", _("Give the population."))]
        if population < min_population:
            return [
                Problem(
                    "population_below_minimum",
                    "population",
                    _(
                        "A population of %(population)s is below this call's minimum of "
                        "%(minimum)s inhabitants. A smaller municipality may apply together "
                        "with neighbouring municipalities as a group whose total reaches "
                        "the minimum."
                    )
                    % {"population": number_format(population, force_grouping=True),
                       "minimum": minimum},
                )
            ]
        return []
    if len(member_populations) < 2:
        return [
            Problem(
                "group_too_small",
                "municipalities",
                _("A group needs at least two member municipalities; a single city applies alone."),
            )
        ]
    total = sum(member_populations)
    if total < min_population:
        return [
            Problem(
                "group_below_minimum",
                "municipalities",
                _(
                    "Together the municipalities have %(total)s inhabitants, below this call's "
                    "minimum of %(minimum)s. Add member municipalities until the total reaches it."
                )
                % {"total": number_format(total, force_grouping=True), "minimum": minimum},
            )
        ]
    return []


def eligibility_problems(
    *,
    country: str,
    is_group: bool,
    population: int | None,
    member_populations: Sequence[int],
    min_population: int,
    partner_countries: Collection[str],
) -> list[Problem]:
    return country_problems(country=country, partner_countries=partner_countries) + (
        population_problems(
            is_group=is_group,
            population=population,
            member_populations=member_populations,
            min_population=min_population,
        )
    )


def declared_population_differs(declared: int, known: int) -> bool:
    """True when a declared figure is off by more than half from a known one."""
    if known <= 0:
        return False
    return abs(declared - known) > known / 2
