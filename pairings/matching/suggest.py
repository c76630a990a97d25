"""``suggest``: score the cities, apply the constraints, solve, explain."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np

from . import fair, max_total
from .constraints import _check_cities, _resolve, allowed_pairs
from .explain import _blocking_pairs, _explain, _unmatched, pair_notes
from .scoring import _Scorer
from .values import (
    _DEFAULT_WEIGHTS,
    OBJECTIVES,
    PREFERENCE_PENALTY,
    PREFERENCES,
    City,
    SuggestedPair,
    Suggestion,
    Weights,
    accepts,
    canonical_order,
)


def suggest(
    eu: Sequence[City],
    partners: Sequence[City],
    *,
    objective: str = "max-total",
    locks: Iterable[tuple[int, int]] = (),
    forbids: Iterable[tuple[int, int]] = (),
    min_score: float = 0.0,
    weights: Weights = _DEFAULT_WEIGHTS,
    with_candidates: bool = False,
    alternatives: int = 3,
    preferences: str = "strict",
    preference_penalty: float = PREFERENCE_PENALTY,
) -> Suggestion:
    """Suggest EU–partner pairs; see the package docstring for the rules.

    ``locks`` and ``forbids`` are (eu_key, partner_key) pairs; a repeated lock counts
    once. A forbid naming an unknown city is ignored (the pair cannot happen anyway);
    a lock naming one, a pair both locked and forbidden, or more locks on a city than
    its capacity raise :class:`MatchingConflict`, whose message names the cities as
    "City (CC)". ``alternatives`` is how many next-best allowed candidates each pair
    lists for each of its cities. ``with_candidates`` lists every EU × partner pair
    as (eu_key, partner_key, score, allowed), in canonical order; ``allowed`` is
    False without a shared theme, for a forbidden pair and below ``min_score``, and
    True for a locked pair. ``preferences`` is ``"strict"`` (a pair outside either
    city's stated regions/countries is no candidate) or ``"relaxed"`` (it is, with
    ``preference_penalty`` taken off its score as the component ``preference``).
    """
    if objective not in OBJECTIVES:
        raise ValueError(f"objective must be one of {OBJECTIVES}, got {objective!r}")
    if preferences not in PREFERENCES:
        raise ValueError(f"preferences must be one of {PREFERENCES}, got {preferences!r}")
    relaxed = preferences == "relaxed"
    penalty = float(preference_penalty) if relaxed else 0.0
    if not (0.0 <= penalty <= 1.0):
        raise ValueError("preference_penalty must be in [0, 1]")
    if not isinstance(weights, Weights):
        raise TypeError("weights must be a Weights")
    min_score = float(min_score)
    if math.isnan(min_score):
        raise ValueError("min_score is NaN")
    alternatives = max(0, int(alternatives))
    _check_cities(eu, "eu")
    _check_cities(partners, "partner")

    eu, partners = canonical_order(eu), canonical_order(partners)
    lock_set, forbid_set = _resolve(eu, partners, locks, forbids)  # before any matrix
    run = _Scorer(eu, partners, weights, ordered=True, penalty=penalty, locked=lock_set)
    score, shares = run.scores, run.shares
    n_e, n_p = score.shape

    allowed = allowed_pairs(
        run, min_score=min_score, forbid_set=forbid_set, lock_set=lock_set, strict=not relaxed
    )
    li = np.array([i for i, _ in lock_set], dtype=np.intp)
    lj = np.array([j for _, j in lock_set], dtype=np.intp)

    cap_e = np.array([c.capacity for c in run.eu], dtype=np.int64)
    cap_p = np.array([c.capacity for c in run.pa], dtype=np.int64)
    locks_e = np.bincount(li, minlength=n_e).astype(np.int64)
    locks_p = np.bincount(lj, minlength=n_p).astype(np.int64)
    free = allowed.copy()
    free[li, lj] = False
    rest_e, rest_p = cap_e - locks_e, cap_p - locks_p

    if objective == "max-total":
        ei, pj, solver = max_total._solve_bmatching(score, free, rest_e, rest_p)
    else:
        floor = float(score[li, lj].min()) if len(li) else None
        ei, pj, solver = fair._solve_fair(score, free, rest_e, rest_p, floor)
    del free

    at_e = np.concatenate([li, ei]).astype(np.intp)
    at_p = np.concatenate([lj, pj]).astype(np.intp)
    is_lock = np.concatenate([np.ones(len(li), bool), np.zeros(len(ei), bool)])
    order = np.lexsort((at_p, at_e))
    at_e, at_p, is_lock = at_e[order], at_p[order], is_lock[order]

    ct, cr, cl, cs, cp, pair_scores = run.components(at_e, at_p)
    chosen = np.zeros_like(allowed)
    chosen[at_e, at_p] = True
    e_ranks, e_alts = _explain(score, allowed, at_e, at_p, alternatives)
    p_ranks, p_alts = _explain(score, allowed, at_p, at_e, alternatives, columns=True)

    pairs: list[SuggestedPair] = []
    rows = zip(
        at_e.tolist(), at_p.tolist(), pair_scores.tolist(), ct.tolist(), cr.tolist(), cl.tolist(),
        cs.tolist(), cp.tolist(), is_lock.tolist(), e_ranks.tolist(), p_ranks.tolist(),
        strict=True,
    )
    for i, j, s, c_t, c_r, c_l, c_s, c_p, lock, e_rank, p_rank in rows:
        partner_themes = run.theme_sets_p[j]
        a, b = run.eu[i], run.pa[j]
        components = {"themes": c_t, "region": c_r, "language": c_l, "size": c_s}
        if relaxed:
            components["preference"] = c_p
        outside = [c for c, o in ((a, b), (b, a)) if not accepts(c, o)]
        pairs.append(
            SuggestedPair(
                eu=a,
                partner=b,
                score=s,
                components=components,
                shared_themes=[t for t in run.theme_lists_e[i] if t in partner_themes],
                locked=lock,
                eu_rank=e_rank,
                partner_rank=p_rank,
                eu_alternatives=[(run.pa[x], v) for x, v in e_alts.get(i, ())],
                partner_alternatives=[(run.eu[x], v) for x, v in p_alts.get(j, ())],
                outside_preferences=outside,
                notes=pair_notes(outside, locked=lock, penalty=c_p),
            )
        )

    count_e = np.bincount(at_e, minlength=n_e)
    count_p = np.bincount(at_p, minlength=n_p)
    forbid_t = [(j, i) for i, j in forbid_set]
    inside = run.shares if relaxed else run.shares & run.inside
    unmatched = _unmatched(
        run.eu, "eu", shares, inside, allowed, chosen, count_e, cap_e, cap_p, locks_p,
        forbid_set, objective,
    ) + _unmatched(
        run.pa, "partner", shares.T, inside.T, allowed.T, chosen.T, count_p, cap_p, cap_e,
        locks_e, forbid_t, objective,
    )
    blocking = _blocking_pairs(
        score, allowed, chosen, at_e, at_p, pair_scores, count_e, count_p, cap_e, cap_p
    )

    candidates = None
    if with_candidates:
        e_keys = [c.key for c in run.eu]
        p_keys = [c.key for c in run.pa]
        candidates = [
            (e_keys[i], pk, s, a)
            for i, (srow, arow) in enumerate(zip(score.tolist(), allowed.tolist(), strict=True))
            for pk, s, a in zip(p_keys, srow, arow, strict=True)
        ]

    scores_list = [p.score for p in pairs]
    return Suggestion(
        objective=objective,
        total_score=float(sum(scores_list)),
        min_pair_score=min(scores_list) if scores_list else None,
        pairs=pairs,
        unmatched=unmatched,
        blocking_pairs=blocking,
        candidates=candidates,
        weights=weights,
        min_score=min_score,
        solver=solver,
        preferences=preferences,
    )


