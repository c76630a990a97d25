"""Where countries belong in the programme: the EU-27 and the partner regions.

django-countries knows every country but not the EU, nor the IUC's regions, so
this module is the single place that says which country is where.
"""

from django.utils.translation import gettext_lazy as _

# EU member states (ISO 3166-1 alpha-2). Greece is GR; the UK left in 2020.
EU_MEMBER_STATES: frozenset[str] = frozenset(
    "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE".split()
)

EU = "eu"
ASIA = "asia"
NORTH_AMERICA = "north-america"
LATIN_AMERICA_CARIBBEAN = "latin-america-caribbean"

REGION_NAMES = {
    EU: _("European Union"),
    ASIA: _("Asia"),
    NORTH_AMERICA: _("North America"),
    LATIN_AMERICA_CARIBBEAN: _("Latin America and the Caribbean"),
}

REGION_COUNTRIES: dict[str, frozenset[str]] = {
    EU: EU_MEMBER_STATES,
    ASIA: frozenset("CN IN JP KR VN ID MY SG".split()),
    NORTH_AMERICA: frozenset("US CA MX".split()),
    LATIN_AMERICA_CARIBBEAN: frozenset(
        "AR BR CL CO PE AG AI AW BB BL BO BQ BS BZ CR CU CW DM DO EC FK GD GF GP GT GY HN HT "
        "JM KN KY LC MF MQ MS NI PA PR PY SR SV SX TC TT UY VC VE VG VI".split()
    ),
}

_REGION_OF = {country: region for region, codes in REGION_COUNTRIES.items() for country in codes}


def region_of(country_code: str) -> str | None:
    """The region slug of a country, or None when the programme does not cover it."""
    return _REGION_OF.get((country_code or "").upper())


def is_eu_member(country_code: str) -> bool:
    return (country_code or "").upper() in EU_MEMBER_STATES
