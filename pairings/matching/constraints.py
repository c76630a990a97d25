"""Candidates and constraints: which pairs a run may choose, locks and forbids.

A pair is *allowed* when the cities share a theme, the pair is within both cities'
stated preferences (with ``preferences="strict"``, the default; a city that states
no preference accepts any), the pair is not forbidden and its score is at least
``min_score``. A locked pair is always chosen (it overrides the minimum score, the
preferences and the shared-theme rule). A city is paired at most ``capacity`` times
and never twice with the same partner.

Determinism: cities are put in canonical order (country, name, key) before any
matrix is built, so shuffled input or renumbered keys give the same matrices and
so the same pairs; the solvers break score ties by that order (the earlier city
wins in ``linear_sum_assignment`` and in the ranks and alternatives).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .values import City, MatchingConflict, city_label


def _index(cities: list[City]) -> dict[int, int]:
    return {c.key: i for i, c in enumerate(cities)}


def _check_cities(cities: Sequence[City], side: str) -> None:
    seen: dict[Any, City] = {}
    dupes = []
    for c in cities:
        if not isinstance(c, City):
            raise TypeError(f"expected City, got {type(c).__name__}")
        if c.side != side:
            raise ValueError(f"{city_label(c)} has side {c.side!r} in the {side} list")
        if c.capacity < 0:
            raise ValueError(f"{city_label(c)} has a negative capacity")
        if c.key in seen:
            dupes.append(f"{city_label(seen[c.key])} and {city_label(c)} share the id {c.key}")
        seen[c.key] = c
    if dupes:
        raise MatchingConflict(dupes)


def _resolve(eu: list[City], pa: list[City], locks, forbids):
    """Locks and forbids as (row, column) indices; raises MatchingConflict."""
    e_idx, p_idx = _index(eu), _index(pa)
    problems: list[str] = []
    lock_set: list[tuple[int, int]] = []
    for pair in dict.fromkeys(tuple(x) for x in locks):
        e_key, p_key = pair
        bad = []
        if e_key not in e_idx:
            bad.append(f"EU city id {e_key}")
        if p_key not in p_idx:
            bad.append(f"partner city id {p_key}")
        if bad:
            problems.append(f"lock {e_key}:{p_key} names an unknown {' and '.join(bad)}")
            continue
        lock_set.append((e_idx[e_key], p_idx[p_key]))
    forbid_set = {
        (e_idx[e], p_idx[p]) for e, p in (tuple(x) for x in forbids) if e in e_idx and p in p_idx
    }
    for i, j in lock_set:
        if (i, j) in forbid_set:
            problems.append(
                f"{city_label(eu[i])} – {city_label(pa[j])} is both locked and forbidden"
            )
    for cities, pos in ((eu, 0), (pa, 1)):
        others = pa if pos == 0 else eu
        per: dict[int, list[int]] = {}
        for pair in lock_set:
            per.setdefault(pair[pos], []).append(pair[1 - pos])
        for i, js in sorted(per.items()):
            c = cities[i]
            if len(js) > c.capacity:
                names = ", ".join(city_label(others[j]) for j in sorted(js))
                problems.append(
                    f"{city_label(c)} is locked to {len(js)} partners but wants at most "
                    f"{c.capacity}: {names}"
                )
    if problems:
        raise MatchingConflict(problems)
    return sorted(lock_set), sorted(forbid_set)




def allowed_pairs(run, *, min_score: float, forbid_set, lock_set, strict: bool) -> np.ndarray:
    """The pairs this run may choose: sharing a theme, within the preferences when
    ``strict``, not forbidden, at least ``min_score``; every locked pair."""
    allowed = run.shares.copy()
    if strict:
        allowed &= run.inside
    if min_score > 0:
        allowed &= run.scores >= min_score
    if forbid_set:
        fi, fj = np.array(forbid_set).T
        allowed[fi, fj] = False
    if lock_set:
        li, lj = np.array(lock_set).T
        allowed[li, lj] = True
    return allowed
