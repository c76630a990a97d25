import pytest

from applications.models import Region, Theme
from iuc_portal.geography import EU_MEMBER_STATES, REGION_COUNTRIES, is_eu_member, region_of

CONTRACT_THEMES = {
    "inclusion-of-migrants-and-refugees": 10,
    "air-quality": 3,
    "urban-poverty": 1,
    "housing": 11,
    "circular-economy": 12,
    "jobs-and-skills": 8,
    "climate-adaptation": 13,
    "energy-transition": 7,
    "sustainable-land-use": 15,
    "urban-mobility": 11,
    "digital-transition": 9,
    "public-procurement": 12,
    "culture-and-heritage": 11,
    "security-in-public-spaces": 16,
    "water-and-sanitation": 6,
    "smart-cities": 9,
    "sustainable-consumption": 12,
}


@pytest.mark.django_db
def test_data_migration_loads_every_contract_theme_with_its_sdg():
    assert dict(Theme.objects.values_list("slug", "sdg")) == CONTRACT_THEMES


@pytest.mark.django_db
def test_data_migration_loads_the_four_contract_regions():
    assert set(Region.objects.values_list("slug", flat=True)) == {
        "eu",
        "asia",
        "north-america",
        "latin-america-caribbean",
    }
    assert list(Region.objects.filter(is_eu=True).values_list("slug", flat=True)) == ["eu"]


def test_eu_is_the_27_member_states_with_greece_as_gr_and_no_uk():
    assert len(EU_MEMBER_STATES) == 27
    assert is_eu_member("GR") and is_eu_member("gr")
    assert not is_eu_member("EL")
    assert not is_eu_member("GB")


@pytest.mark.parametrize(
    ("country", "region"),
    [
        ("NL", "eu"),
        ("IN", "asia"),
        ("JP", "asia"),
        ("MX", "north-america"),
        ("US", "north-america"),
        ("BR", "latin-america-caribbean"),
        ("JM", "latin-america-caribbean"),
        ("GB", None),
        ("AU", None),
    ],
)
def test_region_of_country(country, region):
    assert region_of(country) == region


def test_no_country_belongs_to_two_regions():
    seen = {}
    for region, countries in REGION_COUNTRIES.items():
        for country in countries:
            assert country not in seen, f"{country} in {seen.get(country)} and {region}"
            seen[country] = region


@pytest.mark.django_db
def test_programme_staff_group_can_manage_calls_and_themes():
    from django.contrib.auth.models import Group

    codenames = set(
        Group.objects.get(name="Programme staff").permissions.values_list("codename", flat=True)
    )
    assert {"view_call", "change_call", "add_call", "add_theme", "view_outboundemail"} <= codenames
    assert "delete_call" not in codenames
