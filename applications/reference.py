"""Reference data loaded by data migrations: the DESIGN.md theme and region slugs.

Names are marked with gettext_noop so they reach the translation catalogues; the
models translate them when shown.
"""

from django.utils.translation import gettext_noop

THEMES = [
    ("inclusion-of-migrants-and-refugees", gettext_noop("Inclusion of migrants and refugees"), 10),
    ("air-quality", gettext_noop("Air quality"), 3),
    ("urban-poverty", gettext_noop("Urban poverty"), 1),
    ("housing", gettext_noop("Housing"), 11),
    ("circular-economy", gettext_noop("Circular economy"), 12),
    ("jobs-and-skills", gettext_noop("Jobs and skills in the local economy"), 8),
    ("climate-adaptation", gettext_noop("Climate adaptation"), 13),
    ("energy-transition", gettext_noop("Energy transition"), 7),
    (
        "sustainable-land-use",
        gettext_noop("Sustainable use of land and nature-based solutions"),
        15,
    ),
    ("urban-mobility", gettext_noop("Urban mobility"), 11),
    ("digital-transition", gettext_noop("Digital transition"), 9),
    ("public-procurement", gettext_noop("Innovative and responsible public procurement"), 12),
    ("culture-and-heritage", gettext_noop("Culture and cultural heritage"), 11),
    ("security-in-public-spaces", gettext_noop("Security in public spaces"), 16),
    ("water-and-sanitation", gettext_noop("Water, waste water and sanitation"), 6),
    ("smart-cities", gettext_noop("Smart cities and urban innovation"), 9),
    ("sustainable-consumption", gettext_noop("Sustainable production and consumption"), 12),
]

REGIONS = [
    ("eu", gettext_noop("European Union"), True),
    ("asia", gettext_noop("Asia"), False),
    ("north-america", gettext_noop("North America"), False),
    ("latin-america-caribbean", gettext_noop("Latin America and the Caribbean"), False),
]
