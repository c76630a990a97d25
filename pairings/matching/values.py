"""Values the engine takes and gives: cities, weights, the suggestion and its JSON.

Constants, the reasons an unmatched city is given, and the canonical order of cities
(country, name, key) in which every matrix is built.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

OBJECTIVES = ("max-total", "fair")
COMPONENTS = ("themes", "region", "language", "size")
SIDES = ("eu", "partner")
# How stated region/country preferences act: "strict" keeps pairs outside a city's
# preference out of the candidates; "relaxed" lets them in with PREFERENCE_PENALTY.
PREFERENCES = ("strict", "relaxed")
PREFERENCE_PENALTY = 0.25

# Rows per block when a computation walks the whole EU × partner matrix.
_BLOCK_CELLS = 1 << 20
_FILL_BLOCK_CELLS = 1 << 16

REASON_NO_CANDIDATES = "there is no candidate on the other side"
REASON_NO_THEME = "no candidate shares a theme"
REASON_NO_OTHER_THEME = "no other candidate shares a theme"
REASON_FORBIDDEN = "all candidates are forbidden"
REASON_OTHER_FORBIDDEN = "all other candidates are forbidden"
REASON_PREFERENCES = "no candidate within both cities' stated preferences"
REASON_OTHER_PREFERENCES = "no other candidate within both cities' stated preferences"
REASON_MIN_SCORE = "no partner left above the minimum score"
REASON_LOCKED_ELSEWHERE = "its candidates are locked to other cities"
REASON_TAKEN = {
    "max-total": "its candidates were paired with better-scoring partners",
    "fair": "its candidates were paired with other cities in the fairest suggestion",
}


@dataclass(frozen=True)
class City:
    """One applicant city as the engine sees it."""

    key: int  # opaque id (an application id); orders only as a last resort
    side: str  # "eu" or "partner"
    name: str
    country: str  # ISO 3166-1 alpha-2
    region: str  # eu | asia | north-america | latin-america-caribbean
    themes: tuple[str, ...]  # 1-5 theme slugs, most important first
    preferred_regions: frozenset[str] = frozenset()
    preferred_countries: frozenset[str] = frozenset()
    languages: frozenset[str] = frozenset()  # ISO 639-1
    population: int = 0  # 0 = unknown
    capacity: int = 1  # partners wanted: 1 or 2

    @property
    def label(self) -> str:
        return city_label(self)


@dataclass(frozen=True)
class Weights:
    """Weights of the four components; they must sum to 1 so a score is in [0, 1]."""

    themes: float = 0.55
    region: float = 0.2
    language: float = 0.1
    size: float = 0.15

    def __post_init__(self) -> None:
        values = [self.themes, self.region, self.language, self.size]
        if any(not math.isfinite(v) or v < 0 for v in values):
            raise ValueError(f"weights must be finite and >= 0, got {self}")
        if abs(math.fsum(values) - 1.0) > 1e-9:
            raise ValueError(f"weights must sum to 1, got {math.fsum(values)!r}")

    def as_dict(self) -> dict[str, float]:
        return {name: float(getattr(self, name)) for name in COMPONENTS}


_DEFAULT_WEIGHTS = Weights()


class MatchingConflict(ValueError):
    """The request is impossible (conflicting locks/forbids); names the cities."""

    def __init__(self, problems: Sequence[str]):
        self.problems = list(problems)
        super().__init__("; ".join(self.problems))


@dataclass
class SuggestedPair:
    eu: City
    partner: City
    score: float
    components: dict[str, float]  # weighted terms, keys COMPONENTS, sum == score
    shared_themes: list[str]  # in the EU city's priority order
    locked: bool
    eu_rank: int  # rank of the partner among the EU city's allowed candidates (1 = best)
    partner_rank: int  # rank of the EU city among the partner's allowed candidates
    eu_alternatives: list[tuple[City, float]] = field(default_factory=list)
    partner_alternatives: list[tuple[City, float]] = field(default_factory=list)
    # cities whose stated preferences the pair is outside of (relaxed mode or a lock)
    outside_preferences: list[City] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # the explanation in words


@dataclass
class Unmatched:
    city: City
    side: str  # "eu" or "partner"
    missing: int  # partners short of its capacity
    reason: str


@dataclass
class Suggestion:
    objective: str
    total_score: float  # sum of the pair scores, unrounded
    min_pair_score: float | None  # None when there is no pair
    pairs: list[SuggestedPair]
    unmatched: list[Unmatched]
    blocking_pairs: int
    candidates: list[tuple[int, int, float, bool]] | None = None  # only with_candidates
    weights: Weights = _DEFAULT_WEIGHTS
    min_score: float = 0.0
    solver: str = ""  # how the optimum was found (diagnostics)
    preferences: str = "strict"

    def to_dict(self, call_slug: str) -> dict[str, Any]:
        """The DESIGN.md "Pairing suggestions (JSON)" document (plus a few extra keys)."""

        def ref(city: City) -> dict[str, Any]:
            return {"id": city.key, "city": city.name, "country": city.country}

        def alts(items: list[tuple[City, float]]) -> list[dict[str, Any]]:
            return [{**ref(c), "score": float(s)} for c, s in items]

        doc: dict[str, Any] = {
            "call": call_slug,
            "objective": self.objective,
            "preferences": self.preferences,
            "total_score": float(self.total_score),
            "min_pair_score": (
                None if self.min_pair_score is None else float(self.min_pair_score)
            ),
            "pairs": [
                {
                    "eu": ref(p.eu),
                    "partner": ref(p.partner),
                    "score": float(p.score),
                    "components": {k: float(v) for k, v in p.components.items()},
                    "shared_themes": list(p.shared_themes),
                    "locked": bool(p.locked),
                    "eu_rank": int(p.eu_rank),
                    "partner_rank": int(p.partner_rank),
                    "eu_alternatives": alts(p.eu_alternatives),
                    "partner_alternatives": alts(p.partner_alternatives),
                    "outside_preferences": [
                        {**ref(c), "regions": sorted(c.preferred_regions),
                         "countries": sorted(c.preferred_countries)}
                        for c in p.outside_preferences
                    ],
                    "notes": list(p.notes),
                }
                for p in self.pairs
            ],
            "unmatched": [
                {
                    "id": u.city.key,
                    "side": u.side,
                    "city": u.city.name,
                    "country": u.city.country,
                    "reason": u.reason,
                }
                for u in self.unmatched
            ],
            "blocking_pairs": int(self.blocking_pairs),
        }
        if self.candidates is not None:
            doc["candidates"] = [
                {"eu": e, "partner": p, "score": s, "allowed": a}
                for e, p, s, a in self.candidates
            ]
        return doc


def city_label(city: City) -> str:
    """``"Rotterdam (NL)"`` — how messages name a city."""
    return f"{city.name} ({city.country})"


def _canon_key(city: City) -> tuple:
    return (city.country, city.name.casefold(), city.name, city.key)


def canonical_order(cities: Iterable[City]) -> list[City]:
    """Cities sorted by (country, name, key): the row/column order of every matrix."""
    return sorted(cities, key=_canon_key)



def states_preferences(city: City) -> bool:
    return bool(city.preferred_regions or city.preferred_countries)


def accepts(city: City, other: City) -> bool:
    """Whether ``other`` is within ``city``'s stated preferences (no preference: any)."""
    if not states_preferences(city):
        return True
    return other.region in city.preferred_regions or other.country in city.preferred_countries


def outside_note(city: City) -> str:
    """``"outside Rotterdam (NL)'s preferred regions"`` (or countries, or both)."""
    kinds = [
        word
        for word, values in (("regions", city.preferred_regions),
                             ("countries", city.preferred_countries))
        if values
    ]
    return f"outside {city_label(city)}'s preferred {' and '.join(kinds)}"
