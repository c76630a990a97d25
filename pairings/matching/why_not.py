""""Why not?": for any EU city and partner city, the pair's score and why a run did
not choose it, with what forcing it would cost."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from .constraints import _index
from .scoring import _Scorer
from .suggest import suggest
from .values import (
    _DEFAULT_WEIGHTS,
    PREFERENCE_PENALTY,
    City,
    MatchingConflict,
    SuggestedPair,
    Weights,
    accepts,
    canonical_order,
)

# Reasons, most basic first; several may hold at once.
CHOSEN = "chosen"
NO_SHARED_THEME = "no-shared-theme"
OUTSIDE_PREFERENCES = "outside-preferences"
BELOW_MIN_SCORE = "below-min-score"
FORBIDDEN = "forbidden"
CAPACITY = "capacity"  # allowed, but the cities' places went to better pairs


@dataclass
class WhyNot:
    eu: City
    partner: City
    score: float
    components: dict[str, float]
    shared_themes: list[str]
    reasons: list[str]
    outside_preferences: list[City]  # cities whose stated preferences exclude the pair
    eu_partners: list[SuggestedPair] = field(default_factory=list)  # what each city got
    partner_partners: list[SuggestedPair] = field(default_factory=list)
    total: float = 0.0  # total score of the suggestion as it is
    forced_total: float | None = None  # the total with this pair locked in
    conflict: str = ""  # why the pair cannot even be forced (locks elsewhere)

    @property
    def drop(self) -> float | None:
        return None if self.forced_total is None else self.total - self.forced_total


def why_not(
    eu: Sequence[City],
    partners: Sequence[City],
    eu_key: int,
    partner_key: int,
    *,
    objective: str = "max-total",
    locks: Iterable[tuple[int, int]] = (),
    forbids: Iterable[tuple[int, int]] = (),
    min_score: float = 0.0,
    weights: Weights = _DEFAULT_WEIGHTS,
    preferences: str = "strict",
    preference_penalty: float = PREFERENCE_PENALTY,
) -> WhyNot:
    """Explain the pair (eu_key, partner_key) under the same rules as :func:`suggest`.

    The forced total comes from solving again with the pair locked (and not
    forbidden), so ``drop`` is exact. Raises KeyError for a city not in the lists.
    """
    locks, forbids = list(locks), list(forbids)
    options = {
        "objective": objective, "min_score": min_score, "weights": weights,
        "preferences": preferences, "preference_penalty": preference_penalty,
        "alternatives": 0,
    }
    base = suggest(eu, partners, locks=locks, forbids=forbids, **options)
    eu_sorted, pa_sorted = canonical_order(eu), canonical_order(partners)
    i, j = _index(eu_sorted)[eu_key], _index(pa_sorted)[partner_key]
    a, b = eu_sorted[i], pa_sorted[j]
    relaxed = preferences == "relaxed"
    e_at, p_at = _index(eu_sorted), _index(pa_sorted)
    locked = [(e_at[e], p_at[p]) for e, p in (tuple(x) for x in locks)
              if e in e_at and p in p_at]
    run = _Scorer(eu_sorted, pa_sorted, weights, ordered=True,
                  penalty=float(preference_penalty) if relaxed else 0.0, locked=locked)
    ct, cr, cl, cs, cp, score = run.components(np.array([i]), np.array([j]))
    components = {"themes": float(ct[0]), "region": float(cr[0]),
                  "language": float(cl[0]), "size": float(cs[0])}
    if relaxed:
        components["preference"] = float(cp[0])
    partner_themes = run.theme_sets_p[j]
    outside = [c for c, o in ((a, b), (b, a)) if not accepts(c, o)]
    chosen = [(p.eu.key, p.partner.key) for p in base.pairs]
    answer = WhyNot(
        eu=a, partner=b, score=float(score[0]), components=components,
        shared_themes=[t for t in run.theme_lists_e[i] if t in partner_themes],
        reasons=[], outside_preferences=outside,
        eu_partners=[p for p in base.pairs if p.eu.key == eu_key],
        partner_partners=[p for p in base.pairs if p.partner.key == partner_key],
        total=base.total_score,
    )
    if (eu_key, partner_key) in chosen:
        answer.reasons.append(CHOSEN)
        answer.forced_total = base.total_score
        return answer
    forbidden = (eu_key, partner_key) in set(map(tuple, forbids))
    if not run.shares[i, j]:
        answer.reasons.append(NO_SHARED_THEME)
    if outside and not relaxed:
        answer.reasons.append(OUTSIDE_PREFERENCES)
    if answer.score < min_score:
        answer.reasons.append(BELOW_MIN_SCORE)
    if forbidden:
        answer.reasons.append(FORBIDDEN)
    if not answer.reasons:
        answer.reasons.append(CAPACITY)
    try:
        forced = suggest(
            eu, partners, locks=[*locks, (eu_key, partner_key)],
            forbids=[f for f in forbids if tuple(f) != (eu_key, partner_key)], **options,
        )
    except MatchingConflict as conflict:
        answer.conflict = str(conflict)
    else:
        answer.forced_total = forced.total_score
    return answer
