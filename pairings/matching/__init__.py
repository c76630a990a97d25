"""Pairing suggestions: score EU × partner cities, then choose pairs exactly.

Pure algorithm: standard library, numpy and scipy only, no Django, no ORM. The
Django side turns accepted applications into :class:`City` values, calls
:func:`suggest` and serialises the result with :meth:`Suggestion.to_dict`, which
produces the "Pairing suggestions (JSON)" contract of DESIGN.md.

Modules, in the order a run goes through them:

``values``       cities, weights, the suggestion and its JSON, canonical order
``scoring``      the score matrix and each pair's components (formulas there)
``constraints``  which pairs are candidates: themes, preferences, forbids, locks
``max_total``    exact max-weight b-matching (assignment with pins, else HiGHS)
``fair``         most pairs, then the best lowest score, then the total
``explain``      ranks, alternatives, notes, unmatched reasons, blocking pairs
``suggest``      :func:`suggest`, which ties them together
``why_not``      :func:`why_not`: why a given pair was not chosen, and its cost
"""

# Solvers, for tests and the benchmark (their tuning knobs live in ``max_total``).
from .fair import _solve_fair  # noqa: E402,F401
from .max_total import _solve_bmatching  # noqa: E402,F401
from .scoring import score_matrix
from .suggest import suggest
from .values import (
    COMPONENTS,
    OBJECTIVES,
    PREFERENCE_PENALTY,
    PREFERENCES,
    City,
    MatchingConflict,
    SuggestedPair,
    Suggestion,
    Unmatched,
    Weights,
    accepts,
    canonical_order,
    city_label,
)
from .why_not import WhyNot, why_not

__all__ = [
    "COMPONENTS",
    "OBJECTIVES",
    "PREFERENCES",
    "PREFERENCE_PENALTY",
    "City",
    "MatchingConflict",
    "SuggestedPair",
    "Suggestion",
    "Unmatched",
    "Weights",
    "WhyNot",
    "accepts",
    "canonical_order",
    "city_label",
    "score_matrix",
    "suggest",
    "why_not",
]
