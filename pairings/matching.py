"""Pairing suggestions: score EU × partner cities, then choose pairs exactly.

Pure algorithm: standard library, numpy and scipy only, no Django, no ORM. The
Django side turns accepted applications into :class:`City` values, calls
:func:`suggest` and serialises the result with :meth:`Suggestion.to_dict`, which
produces the "Pairing suggestions (JSON)" contract of DESIGN.md.

Scores
======

The score of a pair (EU city ``a``, partner city ``b``) is::

    score = w_themes·themes + w_region·region + w_language·language + w_size·size

with :class:`Weights` that sum to 1 and four raw components, each in [0, 1]. A pair's
``components`` are the *weighted* terms, added in that order, so they add up to the
score (bit for bit: the matrix and the per-pair explanation use the same operations).

themes
    A city's themes form a vector over all theme slugs of the run. Theme ``t`` at
    position ``i`` (0 = most important) of a list of ``n`` themes gets::

        v(t) = priority(i) · rarity(t)
        priority(i) = (K - i) / K,  K = max(5, n)      # 1, 0.8, 0.6, 0.4, 0.2
        rarity(t)   = 1 + ln(N / n_t) / ln(N)          # in [1, 2]; 1 when N = 1

    where ``N`` is the number of cities in the run (both sides) and ``n_t`` the number
    of them listing ``t``. ``themes = v_a · v_b / (|v_a| |v_b|)`` (cosine), so shared
    themes, rarer shared themes and higher priorities on both sides count more; it
    is 0 without a shared theme and 1 for identical priority lists.

region
    Mutual preference, half from each side::

        region = (pref(a → b) + pref(b → a)) / 2
        pref(x → y) = 1    if y's region is in x.preferred_regions
                           or y's country is in x.preferred_countries
                      0    if x states preferences and y matches none of them
                      0.5  if x states no preference (neutral)

    A partner city that lists region ``eu`` prefers every EU city; one that lists
    ``ES`` in its countries prefers Spanish cities.

language
    1 if the two cities share a working language (ISO 639-1), else 0.

size
    ``1 - |log10(pop_a / pop_b)| / 2`` clipped to [0, 1] (same size 1, a factor
    of 100 or more 0); 0.5 when a population is unknown (0).

Choosing pairs
==============

A pair is *allowed* when the cities share a theme, the pair is not forbidden and its
score is at least ``min_score``. A locked pair is always chosen (it overrides the
minimum score and the shared-theme rule). A city is paired at most ``capacity``
times and never twice with the same partner.

``max-total``
    Maximises the total score exactly. ``linear_sum_assignment`` runs on a slot
    expansion: each city repeated ``capacity`` times; an allowed slot pair weighs its
    score, any other 0, which is the same as leaving both slots unpaired because
    every allowed weight is >= 0. That relaxation may use one pair twice (only two
    cities of capacity 2 can). A *pin* forbids it without losing any real solution:
    pair (a, b) pinned to slot s of a may only use that slot of a, and as long as
    each slot holds at most one pin, every b-matching still fits (a city gives each
    pinned partner the pin's slot and the others the rest). The pairs most likely to
    be doubled (each city's best counterpart of capacity 2, pairs in both cities'
    top 3, then by risk ``2·w(a,b) - w(a's next best) - w(b's next best)``) are
    pinned before the first assignment; a pair the assignment still doubles is
    pinned (or, when both cities' slots hold required pins, gets a gadget row and
    column) and the assignment runs again.
    Every round solves a relaxation of the true problem, so the first optimum
    without a doubled pair is the exact optimum. After a few rounds the b-matching
    goes to HiGHS instead (``scipy.optimize.milp``; its LP is integral because the
    constraint matrix is a bipartite incidence matrix).

``fair``
    Among the suggestions with the most pairs (``len(pairs)``, locks included) under
    the allowed pairs, maximises the lowest pair score, then the total: a binary
    search over the distinct scores with a maximum-flow check (does the graph of
    pairs scoring at least this still allow that many pairs?) finds the best
    floor; the max-total solver then runs on the pairs above the floor (never above
    the lowest locked score) with a per-pair bonus larger than any total, which
    forces the most pairs.

Determinism: cities are put in canonical order (country, name, key) before any
matrix is built, so shuffled input or renumbered keys give the same matrices and
so the same pairs; the solvers break score ties by that order (the earlier city
wins in ``linear_sum_assignment`` and in the ranks and alternatives).

No BLAS: the theme cosines are summed theme by theme over the cities that list
the theme, so no BLAS worker threads compete with the solver for the cores.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, linear_sum_assignment, milp
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import maximum_flow

__all__ = [
    "COMPONENTS",
    "OBJECTIVES",
    "City",
    "MatchingConflict",
    "SuggestedPair",
    "Suggestion",
    "Unmatched",
    "Weights",
    "canonical_order",
    "city_label",
    "score_matrix",
    "suggest",
]

OBJECTIVES = ("max-total", "fair")
COMPONENTS = ("themes", "region", "language", "size")
SIDES = ("eu", "partner")

# Rows per block when a computation walks the whole EU × partner matrix.
_BLOCK_CELLS = 1 << 20
_FILL_BLOCK_CELLS = 1 << 16

REASON_NO_CANDIDATES = "there is no candidate on the other side"
REASON_NO_THEME = "no candidate shares a theme"
REASON_NO_OTHER_THEME = "no other candidate shares a theme"
REASON_FORBIDDEN = "all candidates are forbidden"
REASON_OTHER_FORBIDDEN = "all other candidates are forbidden"
REASON_MIN_SCORE = "no partner left above the minimum score"
REASON_LOCKED_ELSEWHERE = "its candidates are locked to other cities"
REASON_TAKEN = {
    "max-total": "its candidates were paired with better-scoring partners",
    "fair": "its candidates were paired with other cities in the fairest suggestion",
}


# --------------------------------------------------------------------------- values


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

    def to_dict(self, call_slug: str) -> dict[str, Any]:
        """The DESIGN.md "Pairing suggestions (JSON)" document (plus a few extra keys)."""

        def ref(city: City) -> dict[str, Any]:
            return {"id": city.key, "city": city.name, "country": city.country}

        def alts(items: list[tuple[City, float]]) -> list[dict[str, Any]]:
            return [{**ref(c), "score": float(s)} for c, s in items]

        doc: dict[str, Any] = {
            "call": call_slug,
            "objective": self.objective,
            "total_score": float(self.total_score),
            "min_pair_score": (
                None if self.min_pair_score is None else float(self.min_pair_score)
            ),
            "pairs": [
                {
                    "eu": ref(p.eu),
                    "partner": ref(p.partner),
                    "score": float(p.score),
                    "components": {k: float(p.components[k]) for k in COMPONENTS},
                    "shared_themes": list(p.shared_themes),
                    "locked": bool(p.locked),
                    "eu_rank": int(p.eu_rank),
                    "partner_rank": int(p.partner_rank),
                    "eu_alternatives": alts(p.eu_alternatives),
                    "partner_alternatives": alts(p.partner_alternatives),
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


# --------------------------------------------------------------------------- scoring


def _unique_themes(city: City) -> list[str]:
    return list(dict.fromkeys(city.themes))


def _cells(cities: list[City], attr: str, at: dict[str, int]) -> tuple[list[int], list[int]]:
    """(row, column) cells of a one-hot matrix of a set-valued City attribute."""
    rows: list[int] = []
    cols: list[int] = []
    for row, c in enumerate(cities):
        for value in getattr(c, attr):
            rows.append(row)
            cols.append(at[value])
    return rows, cols


def _places(cities: list[City]) -> tuple[list[tuple[str, str]], np.ndarray]:
    """Distinct (region, country) of the cities and each city's index into them."""
    places = sorted({(c.region, c.country) for c in cities})
    at = {p: i for i, p in enumerate(places)}
    return places, np.array([at[(c.region, c.country)] for c in cities], dtype=np.intp)


class _Scorer:
    """Feature arrays of one run, in canonical order, and the score formulas.

    :meth:`parts` evaluates region/language/size for broadcastable index arrays: the
    whole matrix (a column of EU indices against a row of partner indices) and the
    chosen pairs go through the very same element-wise operations, so a pair's
    components add up, bit for bit, to the matrix score the solver optimised.
    """

    def __init__(self, eu: Sequence[City], partners: Sequence[City], weights: Weights,
                 *, ordered: bool = False):
        self.weights = weights
        self.eu = list(eu) if ordered else canonical_order(eu)
        self.pa = list(partners) if ordered else canonical_order(partners)
        every = self.eu + self.pa
        n_e, n_p = len(self.eu), len(self.pa)

        # themes: unit vectors of priority × rarity
        per_city = [_unique_themes(c) for c in every]
        slugs = sorted({t for ts in per_city for t in ts})
        col = {t: i for i, t in enumerate(slugs)}
        rows: list[int] = []
        cols: list[int] = []
        priority: list[float] = []
        for row, ts in enumerate(per_city):
            k = max(5, len(ts))
            for i, t in enumerate(ts):
                rows.append(row)
                cols.append(col[t])
                priority.append((k - i) / k)
        counts = np.bincount(np.array(cols, dtype=np.intp), minlength=len(slugs))
        total = len(every)
        if total > 1 and slugs:
            rarity = 1.0 + np.log(total / counts) / math.log(total)
        else:
            rarity = np.ones(len(slugs))
        vec = np.zeros((total, max(len(slugs), 1)))
        vec[rows, cols] = np.array(priority) * rarity[cols]
        norm = np.sqrt((vec * vec).sum(axis=1))
        norm[norm == 0] = 1.0
        vec /= norm[:, None]
        self.theme_vec_e = np.ascontiguousarray(vec[:n_e])
        self.theme_vec_p = np.ascontiguousarray(vec[n_e:])
        self.theme_lists_e = per_city[:n_e]
        self.theme_sets_p = [frozenset(ts) for ts in per_city[n_e:]]

        # region: each side's preference for each (region, country) of the other side
        places_e, self.place_e = _places(self.eu)
        places_p, self.place_p = _places(self.pa)
        regions = sorted(
            {r for c in every for r in c.preferred_regions} | {c.region for c in every}
        )
        countries = sorted(
            {k for c in every for k in c.preferred_countries} | {c.country for c in every}
        )
        r_at = {r: i for i, r in enumerate(regions)}
        k_at = {k: i for i, k in enumerate(countries)}

        def prefers(cities: list[City], places: list[tuple[str, str]]) -> np.ndarray:
            wants_r = np.zeros((len(cities), len(regions)), dtype=bool)
            wants_k = np.zeros((len(cities), len(countries)), dtype=bool)
            wants_r[_cells(cities, "preferred_regions", r_at)] = True
            wants_k[_cells(cities, "preferred_countries", k_at)] = True
            has = wants_r.any(axis=1) | wants_k.any(axis=1)
            place_r = np.array([r_at[r] for r, _ in places], dtype=np.intp)
            place_k = np.array([k_at[k] for _, k in places], dtype=np.intp)
            hit = wants_r[:, place_r] | wants_k[:, place_k]
            return np.where(has[:, None], hit, 0.5).reshape(len(cities), len(places))

        self.pref_e = prefers(self.eu, places_p)  # EU city → partner place
        self.pref_p = prefers(self.pa, places_e)  # partner city → EU place
        self.pref_p_by_place = np.ascontiguousarray(self.pref_p.T)  # EU place → partner

        # languages as bit sets, 64 a word
        langs = sorted({la for c in every for la in c.languages})
        l_at = {la: i for i, la in enumerate(langs)}
        words = max(1, (len(langs) + 63) // 64)

        def bits(cities: list[City]) -> np.ndarray:
            out = np.zeros((len(cities), words), dtype=np.uint64)
            for w in range(words):
                low = 64 * w
                out[:, w] = [
                    sum(1 << (l_at[la] - low) for la in c.languages if low <= l_at[la] < low + 64)
                    for c in cities
                ]
            return out

        self.lang_e, self.lang_p = bits(self.eu), bits(self.pa)

        # sizes
        def logs(cities: list[City]) -> tuple[np.ndarray, np.ndarray]:
            pop = np.array([max(int(c.population or 0), 0) for c in cities], dtype=float)
            known = pop > 0
            return np.log10(np.where(known, pop, 1.0)), known

        self.lg_e, self.known_e = logs(self.eu)
        self.lg_p, self.known_p = logs(self.pa)
        self.all_known = bool(self.known_e.all() and self.known_p.all())

        self.shares = np.zeros((n_e, n_p), dtype=bool)  # at least one theme in common
        self.scores = np.empty((n_e, n_p))
        self._fill()

    @staticmethod
    def _size(gap: np.ndarray) -> np.ndarray:
        """``clip(1 - |gap| / 2, 0, 1)`` in place; the one sequence both paths use."""
        np.abs(gap, out=gap)
        gap *= -0.5
        gap += 1.0
        np.clip(gap, 0.0, 1.0, out=gap)
        return gap

    def _fill(self) -> None:
        """The whole matrix, a cache-sized block of EU rows at a time.

        Region and language values are exact (multiples of 1/4, 0 or 1), so the fast
        block path and :meth:`components` give identical floats; size runs through
        the same operations in both, and the theme cosines are stored.
        """
        n_e, n_p = self.scores.shape
        if n_e == 0 or n_p == 0:
            return
        w = self.weights
        # theme cosines, summed theme by theme (in slug order) over the cities listing
        # it, into the score matrix; no BLAS, whose worker threads would compete with
        # the solver for the cores
        raw = self.scores
        raw.fill(0.0)
        for t in range(self.theme_vec_e.shape[1]):
            ie = np.flatnonzero(self.theme_vec_e[:, t])
            ip = np.flatnonzero(self.theme_vec_p[:, t])
            if len(ie) and len(ip):
                cells = np.ix_(ie, ip)
                raw[cells] += np.multiply.outer(self.theme_vec_e[ie, t], self.theme_vec_p[ip, t])
        np.greater(raw, 0.0, out=self.shares)  # a sum of positive products
        np.clip(raw, 0.0, 1.0, out=raw)
        block = max(1, _FILL_BLOCK_CELLS // n_p)
        buf = np.empty((block, n_p))
        buf2 = np.empty((block, n_p))
        shared = np.empty((block, n_p), dtype=bool)
        both = np.empty((block, n_p), dtype=np.uint64)
        for start in range(0, n_e, block):
            stop = min(n_e, start + block)
            rows = slice(start, stop)
            tmp, tmp2 = buf[: stop - start], buf2[: stop - start]
            s = self.scores[rows]
            s *= w.themes
            # region = (EU city's view of the partner + partner's view of the EU city) / 2
            np.take(self.pref_e[rows], self.place_p, axis=1, out=tmp, mode="clip")
            np.take(self.pref_p_by_place, self.place_e[rows], axis=0, out=tmp2, mode="clip")
            tmp += tmp2
            tmp *= 0.5
            tmp *= w.region
            s += tmp
            # language
            sh, bb = shared[: stop - start], both[: stop - start]
            sh[...] = False
            for word in range(self.lang_e.shape[1]):
                np.bitwise_and(self.lang_e[rows, word, None], self.lang_p[None, :, word], out=bb)
                sh |= bb != 0
            np.multiply(sh, w.language, out=tmp)
            s += tmp
            # size
            np.subtract.outer(self.lg_e[rows], self.lg_p, out=tmp)
            self._size(tmp)
            if not self.all_known:
                tmp[~np.logical_and.outer(self.known_e[rows], self.known_p)] = 0.5
            tmp *= w.size
            s += tmp

    def parts(self, i: np.ndarray, j: np.ndarray):
        """Raw region, language and size of the pairs (i[k], j[k])."""
        region = self.pref_e[i, self.place_p[j]] + self.pref_p[j, self.place_e[i]]
        region *= 0.5
        language = ((self.lang_e[i] & self.lang_p[j]) != 0).any(axis=-1).astype(np.float64)
        size = self._size(self.lg_e[i] - self.lg_p[j])
        if not self.all_known:
            size[~(self.known_e[i] & self.known_p[j])] = 0.5
        return region, language, size

    def theme_cosine(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """Theme component of the pairs (i[k], j[k]): the same sum, in the same order,
        as the matrix."""
        raw = np.zeros(np.broadcast_shapes(np.shape(i), np.shape(j)))
        for t in range(self.theme_vec_e.shape[1]):
            e, p = self.theme_vec_e[i, t], self.theme_vec_p[j, t]
            both = (e != 0) & (p != 0)
            raw[both] += e[both] * p[both]
        return np.clip(raw, 0.0, 1.0, out=raw)

    def components(self, i: np.ndarray, j: np.ndarray):
        """Weighted components and score of the pairs (i[k], j[k]), as in the matrix."""
        w = self.weights
        region, language, size = self.parts(i, j)
        ct = self.theme_cosine(i, j) * w.themes
        cr = region * w.region
        cl = language * w.language
        cs = size * w.size
        score = ct + cr
        score += cl
        score += cs
        return ct, cr, cl, cs, score


def score_matrix(
    eu: Sequence[City], partners: Sequence[City], weights: Weights = _DEFAULT_WEIGHTS
) -> np.ndarray:
    """The EU × partner score matrix, rows and columns in :func:`canonical_order`."""
    return _Scorer(eu, partners, weights).scores


# --------------------------------------------------------------------------- solvers

_EMPTY = (np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.intp))


def _active(mask: np.ndarray, cap_e: np.ndarray, cap_p: np.ndarray) -> np.ndarray:
    return mask & (cap_e > 0)[:, None] & (cap_p > 0)[None, :]


class _SlotProblem:
    """The b-matching as an assignment problem over city slots.

    Every city with room appears ``capacity`` times (its slots). The cost matrix is
    ``-(score + bonus)`` on allowed slot pairs and 0 elsewhere: 0 means "unpaired",
    which is harmless because every allowed weight is >= 0, so the assignment optimum
    is the best b-matching that may use a pair more than once (only between two
    cities of capacity >= 2).

    A *pin* ties a pair (a, b) to one slot of a (or of b): the other slots of that
    city cannot take that partner, so the pair is used at most once. Pinning never
    loses a feasible b-matching as long as each slot holds at most one pin: a city
    gives each of its pinned partners that pin's slot and the others the rest. Pairs
    found twice that cannot be pinned get a gadget (see :meth:`assign`).
    """

    def __init__(self, scores, live, cap_e, cap_p, bonus):
        self.scores, self.bonus, self.live = scores, bonus, live
        self.cap_e, self.cap_p = cap_e, cap_p
        self.rows_e = np.flatnonzero(live.any(axis=1))
        self.cols_p = np.flatnonzero(live.any(axis=0))
        self.rs = np.repeat(self.rows_e, cap_e[self.rows_e])
        self.cs = np.repeat(self.cols_p, cap_p[self.cols_p])
        first_r = np.zeros(len(cap_e), dtype=np.intp)
        first_r[self.rows_e] = np.cumsum(cap_e[self.rows_e]) - cap_e[self.rows_e]
        first_c = np.zeros(len(cap_p), dtype=np.intp)
        first_c[self.cols_p] = np.cumsum(cap_p[self.cols_p]) - cap_p[self.cols_p]
        self.first_r, self.first_c = first_r.tolist(), first_c.tolist()
        self.ncap_e, self.ncap_p = cap_e.tolist(), cap_p.tolist()
        n_r, n_c = len(self.rs), len(self.cs)
        # a block of slot rows at a time bounds the temporaries of big runs
        block = max(1, (_BLOCK_CELLS << 1) // max(live.shape[1], 1))
        if n_r > block:
            self.cost = np.empty((n_r, n_c))
            self.allowed = np.empty((n_r, n_c), dtype=bool)
        for start in range(0, n_r, block):
            rows = self.rs[start : start + block]
            ok = live.take(rows, axis=0).take(self.cs, axis=1)
            cost = scores.take(rows, axis=0).take(self.cs, axis=1)
            if bonus:
                cost += bonus
            np.negative(cost, out=cost)
            cost *= ok
            if n_r > block:
                self.cost[start : start + block] = cost
                self.allowed[start : start + block] = ok
            else:
                self.cost, self.allowed = cost, ok
        self.slots: dict[tuple[str, int], list] = {}  # (side, city) -> pinned pair per slot
        self.pinned: dict[tuple[int, int], tuple[str, int, bool]] = {}
        self._pending: list[tuple[int, int, str, int]] = []  # pins not yet in the matrix

    def _block(self, a: int, b: int) -> tuple[slice, slice]:
        r0, c0 = self.first_r[a], self.first_c[b]
        return slice(r0, r0 + self.ncap_e[a]), slice(c0, c0 + self.ncap_p[b])

    def _cut_cells(self, pins) -> tuple[list[int], list[int]]:
        """Slot cells a list of pins (a, b, side, slot) takes out of play."""
        rows: list[int] = []
        cols: list[int] = []
        for a, b, side, slot in pins:
            r0, c0 = self.first_r[a], self.first_c[b]
            ra = range(r0, r0 + self.ncap_e[a])
            cb = range(c0, c0 + self.ncap_p[b])
            if side == "eu":
                for r in ra:
                    if r != r0 + slot:
                        rows.extend([r] * len(cb))
                        cols.extend(cb)
            else:
                for c in cb:
                    if c != c0 + slot:
                        rows.extend(ra)
                        cols.extend([c] * len(ra))
        return rows, cols

    def flush(self) -> None:
        """Apply the pins recorded so far to the cost matrix, all at once."""
        if self._pending:
            rows, cols = self._cut_cells(self._pending)
            self.cost[rows, cols] = 0.0
            self.allowed[rows, cols] = False
            self._pending = []

    def _unpin(self, a: int, b: int) -> None:
        self.flush()
        side, slot, _ = self.pinned.pop((a, b))
        ra, cb = self._block(a, b)
        self.cost[ra, cb] = -(self.scores[a, b] + self.bonus)
        self.allowed[ra, cb] = True
        self.slots[(side, a if side == "eu" else b)][slot] = None

    def _pin(self, a: int, b: int, side: str, slot: int, required: bool) -> None:
        city, cap = (a, self.ncap_e[a]) if side == "eu" else (b, self.ncap_p[b])
        self.slots.setdefault((side, city), [None] * cap)[slot] = (a, b)
        self.pinned[(a, b)] = (side, slot, required)
        self._pending.append((a, b, side, slot))

    def pin(self, a: int, b: int, *, required: bool, first: str = "eu") -> bool:
        """Pin (a, b) to a free slot of one of its cities; a required pin may displace
        an optional one. False when both cities' slots all hold required pins."""
        if (a, b) in self.pinned:
            return True
        ends = [("eu", a, self.ncap_e[a]), ("partner", b, self.ncap_p[b])]
        if first != "eu":
            ends.reverse()
        for side, city, cap in ends:
            slots = self.slots.setdefault((side, city), [None] * cap)
            if None in slots:
                self._pin(a, b, side, slots.index(None), required)
                return True
        if not required:
            return False
        for side, city, _ in ends:
            for slot, held in enumerate(self.slots[(side, city)]):
                if not self.pinned[held][2]:
                    self._unpin(*held)
                    self._pin(a, b, side, slot, required)
                    return True
        return False

    def pin_likely_doubles(self, share: float) -> None:
        """Pin, before the first assignment, the pairs it is likely to use twice.

        Only pairs of two cities with capacity >= 2 can be used twice; the risk of
        (a, b) is ``2·w(a,b) - w(a's best other) - w(b's best other)`` (what using the
        pair twice gains over giving each city its next choice). First come each such
        city's best counterpart of capacity >= 2 and the pairs in both cities' top 3,
        then the riskiest pairs, up to ``share`` pins per city of capacity >= 2 (a
        heuristic: it only saves rounds, exactness never depends on it).
        """
        e2 = self.rows_e[self.cap_e[self.rows_e] >= 2]
        p2 = self.cols_p[self.cap_p[self.cols_p] >= 2]
        if share <= 0 or len(e2) == 0 or len(p2) == 0:
            return
        s = self.scores
        rows = np.where(self.live[e2], s[e2], 0.0)  # 0 = staying unpaired
        cols = np.ascontiguousarray(np.where(self.live[:, p2], s[:, p2], 0.0).T)

        def best_two(m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            at = np.arange(len(m))
            top = m.argmax(axis=1)
            best = m[at, top]
            m[at, top] = 0.0
            return best[:, None], m.max(axis=1)[:, None]

        w = rows[:, p2]
        ok = self.live[np.ix_(e2, p2)]
        best_r, next_r = best_two(rows)
        best_c, next_c = (x.T for x in best_two(cols))
        risk = 2 * w - np.where(w >= best_r, next_r, best_r) - np.where(w >= best_c, next_c, best_c)
        risk[~ok] = -np.inf
        # rank of each pair on both cities' lists of counterparts of capacity >= 2
        sub = np.where(ok, w, -1.0)
        rank_r = np.empty(sub.shape, dtype=np.intp)
        np.put_along_axis(
            rank_r, np.argsort(-sub, axis=1, kind="stable"), np.arange(len(p2))[None, :], axis=1
        )
        rank_c = np.empty(sub.shape, dtype=np.intp)
        np.put_along_axis(
            rank_c, np.argsort(-sub, axis=0, kind="stable"), np.arange(len(e2))[:, None], axis=0
        )
        first = ((np.minimum(rank_r, rank_c) == 0) | (np.maximum(rank_r, rank_c) < 3)) & ok
        budget = int(share * (len(e2) + len(p2)))
        flat_risk = risk.ravel()
        order = np.lexsort((-flat_risk, ~first.ravel()))[:budget]
        order = order[np.isfinite(flat_risk[order])]
        xs, ys = np.divmod(order, len(p2))
        # greedy: the pair takes the next free slot of its EU city, else of its partner
        free_e = dict.fromkeys(e2.tolist(), 0)
        free_p = dict.fromkeys(p2.tolist(), 0)
        for a, b in zip(e2[xs].tolist(), p2[ys].tolist(), strict=True):
            if free_e[a] < self.ncap_e[a]:
                self._pin(a, b, "eu", free_e[a], False)
                free_e[a] += 1
            elif free_p[b] < self.ncap_p[b]:
                self._pin(a, b, "partner", free_p[b], False)
                free_p[b] += 1
        self.flush()

    def assign(self, cuts: dict[tuple[int, int], int]):
        """One linear_sum_assignment; pairs in ``cuts`` get a gadget each.

        Gadget for pair (a, b): a column c and a row r. a's slots reach c with
        ``w + h``, r reaches b's slots with ``h`` and r–c weighs ``2h`` ("unused");
        with ``h`` above any weight both r and c are always matched at the optimum,
        so the pair is used once (a–c and r–b) or not at all (r–c).
        """
        self.flush()
        rs, cs = self.rs, self.cs
        if not cuts:
            r, c = linear_sum_assignment(self.cost)
            keep = self.allowed[r, c]
            return rs[r[keep]], cs[c[keep]]
        n_r, n_c = self.cost.shape
        g = len(cuts)
        big = np.zeros((n_r + g, n_c + g))
        big[:n_r, :n_c] = self.cost
        direct = self.allowed.copy()
        half = float(-self.cost.min()) + 1.0
        cut_a = np.empty(g, dtype=np.intp)
        cut_b = np.empty(g, dtype=np.intp)
        for (a, b), k in cuts.items():
            cut_a[k], cut_b[k] = a, b
            ra, cb = self._block(a, b)
            big[ra, cb] = 0.0
            direct[ra, cb] = False
            big[ra, n_c + k] = -(self.scores[a, b] + self.bonus + half)
            big[n_r + k, cb] = -half
            big[n_r + k, n_c + k] = -2.0 * half
        r, c = linear_sum_assignment(big)

        plain = (r < n_r) & (c < n_c)
        pr, pc = r[plain], c[plain]
        keep = direct[pr, pc]
        ei, pj = rs[pr[keep]], cs[pc[keep]]
        used_a = np.zeros(g, dtype=bool)
        sel = (r < n_r) & (c >= n_c)
        k = c[sel] - n_c
        used_a[k[rs[r[sel]] == cut_a[k]]] = True
        used_b = np.zeros(g, dtype=bool)
        sel = (r >= n_r) & (c < n_c)
        k = r[sel] - n_r
        used_b[k[cs[c[sel]] == cut_b[k]]] = True
        if not np.array_equal(used_a, used_b):  # pragma: no cover - h rules this out
            return None
        return np.concatenate([ei, cut_a[used_a]]), np.concatenate([pj, cut_b[used_a]])


# Test hooks: pin likely doubles up front; repair doubles with pins (else gadgets);
# rounds of the assignment loop before HiGHS takes over.
_PIN_SHARE = 2.0
_PIN_REPAIRS = True
_MAX_ROUNDS = 6
_MAX_CUTS = 500


def _solve_bmatching(
    scores: np.ndarray,
    mask: np.ndarray,
    cap_e: np.ndarray,
    cap_p: np.ndarray,
    *,
    bonus: float = 0.0,
    method: str = "auto",
) -> tuple[np.ndarray, np.ndarray, str]:
    """Exact max-weight b-matching with unit edge capacities.

    Weights are ``scores + bonus`` on the edges where ``mask`` is true (all >= 0);
    city ``i`` is used at most ``cap[i]`` times, a pair at most once. Returns the city
    index arrays of the chosen pairs and a note on how the optimum was found.

    ``linear_sum_assignment`` solves the slot relaxation; when its optimum uses a pair
    twice the pair is pinned (or gets a gadget) and the assignment is solved again.
    Every round is a relaxation of the true problem, so the first optimum that uses
    no pair twice is the exact optimum. After ``_MAX_ROUNDS`` rounds the b-matching
    goes to HiGHS instead.
    """
    live = _active(mask, cap_e, cap_p)
    if not live.any():
        return *_EMPTY, "empty"
    if method == "lp":
        return *_solve_lp(scores, live, cap_e, cap_p, bonus), "milp"

    problem = _SlotProblem(scores, live, cap_e, cap_p, bonus)
    problem.pin_likely_doubles(_PIN_SHARE)
    n_p = scores.shape[1]
    cuts: dict[tuple[int, int], int] = {}
    for round_ in range(_MAX_ROUNDS + 1):
        found = problem.assign(cuts)
        if found is None:  # pragma: no cover
            break
        ei, pj = found
        uniq, counts = np.unique(ei * n_p + pj, return_counts=True)
        twice = uniq[counts > 1]
        if len(twice) == 0:
            note = "assignment" if round_ == 0 else f"assignment, {round_ + 1} rounds"
            return ei, pj, note
        if round_ == _MAX_ROUNDS or len(cuts) + len(twice) > _MAX_CUTS:
            break
        for code in twice.tolist():
            a, b = divmod(code, n_p)
            if not (_PIN_REPAIRS and problem.pin(a, b, required=True)):
                cuts[(a, b)] = len(cuts)
    return *_solve_lp(scores, live, cap_e, cap_p, bonus), "milp"


def _solve_lp(scores, live, cap_e, cap_p, bonus):
    """The b-matching as an integer program for HiGHS (its LP relaxation is integral:
    the constraint matrix is the incidence matrix of a bipartite graph)."""
    n_e, n_p = scores.shape
    ii, jj = np.nonzero(live)
    m = len(ii)
    if m == 0:
        return _EMPTY
    weight = scores[ii, jj] + bonus
    edge = np.arange(m)
    incidence = csr_matrix(
        (np.ones(2 * m), (np.concatenate([ii, n_e + jj]), np.concatenate([edge, edge]))),
        shape=(n_e + n_p, m),
    )
    upper = np.concatenate([cap_e, cap_p]).astype(float)
    res = milp(
        -weight,
        integrality=np.ones(m),
        bounds=Bounds(0.0, 1.0),
        constraints=LinearConstraint(incidence, -np.inf, upper),
        options={"mip_rel_gap": 0.0},
    )
    if res.x is None:  # pragma: no cover - a b-matching always has a solution
        raise RuntimeError(f"HiGHS failed on the b-matching: {res.message}")
    chosen = res.x > 0.5
    return ii[chosen], jj[chosen]


class _FlowGraph:
    """source → EU city (capacity) → partner (1 per pair) → sink (capacity).

    :meth:`most_pairs` is one maximum flow: the most pairs a b-matching can have on
    the pairs switched on. The pairs come in row-major order (``np.nonzero``), so the
    CSR arrays are put together without sorting."""

    def __init__(self, ii, jj, cap_e, cap_p):
        self.n_e, self.n_p = len(cap_e), len(cap_p)
        self.n = self.n_e + self.n_p + 2
        self.ii, self.cols = ii, (1 + self.n_e + jj).astype(np.int32)
        self.cap_e, self.cap_p = cap_e.astype(np.int32), cap_p.astype(np.int32)

    def most_pairs(self, on: np.ndarray) -> int:
        n_e, n_p, n = self.n_e, self.n_p, self.n
        per_city = np.bincount(self.ii[on], minlength=n_e)
        counts = np.concatenate([[n_e], per_city, np.ones(n_p, dtype=np.intp), [0]])
        indptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int32)
        indices = np.concatenate([
            np.arange(1, n_e + 1, dtype=np.int32), self.cols[on],
            np.full(n_p, n - 1, dtype=np.int32),
        ])
        data = np.concatenate([self.cap_e, np.ones(len(indices) - n_e - n_p, np.int32),
                               self.cap_p])
        graph = csr_matrix((data, indices, indptr), shape=(n, n))
        return int(maximum_flow(graph, 0, n - 1).flow_value)


def _solve_fair(scores, mask, cap_e, cap_p, lock_floor, *, method="auto"):
    """Most pairs, then the highest lowest score, then the highest total.

    ``lock_floor`` is the lowest locked score: the lowest score of the whole
    suggestion cannot rise above it, so free pairs down to it are acceptable.
    """
    live = _active(mask, cap_e, cap_p)
    ii, jj = np.nonzero(live)
    if len(ii) == 0:
        return *_EMPTY, "empty"
    edge_scores = scores[ii, jj]
    flow = _FlowGraph(ii, jj, cap_e, cap_p)
    most = flow.most_pairs(np.ones(len(ii), dtype=bool))
    # distinct scores, best first: the lowest score of the answer is one of them, the
    # highest level whose pairs (score >= level) still allow `most` pairs
    ranked = -np.sort(-edge_scores)
    levels = ranked[np.flatnonzero(np.r_[True, ranked[1:] != ranked[:-1]])]
    lo = int(np.searchsorted(-levels, -ranked[most - 1], side="left"))  # >= `most` pairs
    hi = len(levels) - 1
    while lo < hi:
        mid = (lo + hi) // 2
        if flow.most_pairs(edge_scores >= levels[mid]) == most:
            hi = mid
        else:
            lo = mid + 1
    floor = float(levels[lo])
    if lock_floor is not None:
        floor = min(floor, lock_floor)
    final = live & (scores >= floor)
    ei, pj, note = _solve_bmatching(
        scores, final, cap_e, cap_p, bonus=float(most) + 1.0, method=method
    )
    if len(ei) != most:  # pragma: no cover - guaranteed by the bonus
        raise RuntimeError("fair matching lost pairs")
    return ei, pj, f"fair (floor {floor!r}): {note}"


# --------------------------------------------------------------------------- suggest


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
) -> Suggestion:
    """Suggest EU–partner pairs; see the module docstring for the rules.

    ``locks`` and ``forbids`` are (eu_key, partner_key) pairs; a repeated lock counts
    once. A forbid naming an unknown city is ignored (the pair cannot happen anyway);
    a lock naming one, a pair both locked and forbidden, or more locks on a city than
    its capacity raise :class:`MatchingConflict`, whose message names the cities as
    "City (CC)". ``alternatives`` is how many next-best allowed candidates each pair
    lists for each of its cities. ``with_candidates`` lists every EU × partner pair
    as (eu_key, partner_key, score, allowed), in canonical order; ``allowed`` is
    False without a shared theme, for a forbidden pair and below ``min_score``, and
    True for a locked pair.
    """
    if objective not in OBJECTIVES:
        raise ValueError(f"objective must be one of {OBJECTIVES}, got {objective!r}")
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
    run = _Scorer(eu, partners, weights, ordered=True)
    score, shares = run.scores, run.shares
    n_e, n_p = score.shape

    allowed = shares.copy()
    if min_score > 0:
        allowed &= score >= min_score
    if forbid_set:
        fi, fj = np.array(forbid_set).T
        allowed[fi, fj] = False
    li = np.array([i for i, _ in lock_set], dtype=np.intp)
    lj = np.array([j for _, j in lock_set], dtype=np.intp)
    allowed[li, lj] = True

    cap_e = np.array([c.capacity for c in run.eu], dtype=np.int64)
    cap_p = np.array([c.capacity for c in run.pa], dtype=np.int64)
    locks_e = np.bincount(li, minlength=n_e).astype(np.int64)
    locks_p = np.bincount(lj, minlength=n_p).astype(np.int64)
    free = allowed.copy()
    free[li, lj] = False
    rest_e, rest_p = cap_e - locks_e, cap_p - locks_p

    if objective == "max-total":
        ei, pj, solver = _solve_bmatching(score, free, rest_e, rest_p)
    else:
        floor = float(score[li, lj].min()) if len(li) else None
        ei, pj, solver = _solve_fair(score, free, rest_e, rest_p, floor)
    del free

    at_e = np.concatenate([li, ei]).astype(np.intp)
    at_p = np.concatenate([lj, pj]).astype(np.intp)
    is_lock = np.concatenate([np.ones(len(li), bool), np.zeros(len(ei), bool)])
    order = np.lexsort((at_p, at_e))
    at_e, at_p, is_lock = at_e[order], at_p[order], is_lock[order]

    ct, cr, cl, cs, pair_scores = run.components(at_e, at_p)
    chosen = np.zeros_like(allowed)
    chosen[at_e, at_p] = True
    e_ranks, e_alts = _explain(score, allowed, at_e, at_p, alternatives)
    p_ranks, p_alts = _explain(score, allowed, at_p, at_e, alternatives, columns=True)

    pairs: list[SuggestedPair] = []
    rows = zip(
        at_e.tolist(), at_p.tolist(), pair_scores.tolist(), ct.tolist(), cr.tolist(), cl.tolist(),
        cs.tolist(), is_lock.tolist(), e_ranks.tolist(), p_ranks.tolist(), strict=True,
    )
    for i, j, s, c_t, c_r, c_l, c_s, lock, e_rank, p_rank in rows:
        partner_themes = run.theme_sets_p[j]
        pairs.append(
            SuggestedPair(
                eu=run.eu[i],
                partner=run.pa[j],
                score=s,
                components={"themes": c_t, "region": c_r, "language": c_l, "size": c_s},
                shared_themes=[t for t in run.theme_lists_e[i] if t in partner_themes],
                locked=lock,
                eu_rank=e_rank,
                partner_rank=p_rank,
                eu_alternatives=[(run.pa[x], v) for x, v in e_alts.get(i, ())],
                partner_alternatives=[(run.eu[x], v) for x, v in p_alts.get(j, ())],
            )
        )

    count_e = np.bincount(at_e, minlength=n_e)
    count_p = np.bincount(at_p, minlength=n_p)
    forbid_t = [(j, i) for i, j in forbid_set]
    unmatched = _unmatched(
        run.eu, "eu", shares, allowed, chosen, count_e, cap_e, cap_p, locks_p, forbid_set,
        objective,
    ) + _unmatched(
        run.pa, "partner", shares.T, allowed.T, chosen.T, count_p, cap_p, cap_e, locks_e,
        forbid_t, objective,
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
    )


# --------------------------------------------------------------------------- explain


def _explain(score: np.ndarray, allowed: np.ndarray, rows: np.ndarray, cols: np.ndarray,
             k: int, *, columns: bool = False):
    """Ranks and alternatives for the chosen pairs (rows[x], cols[x]).

    ``rows`` index the cities explained: rows of ``score``/``allowed`` (EU cities), or
    their columns with ``columns=True`` (partner cities). A pair's rank is its
    position on that city's list of allowed candidates (score descending, ties in
    canonical order); a city's alternatives are its ``k`` best allowed candidates
    other than its chosen partners. Only the chosen cities are read, a block at a
    time.
    """
    ranks = np.zeros(len(rows), dtype=np.int64)
    alts: dict[int, list[tuple[int, float]]] = {}
    if len(rows) == 0:
        return ranks, alts
    n_o = score.shape[0 if columns else 1]
    by_row = np.argsort(rows, kind="stable")
    uniq, pos_of = np.unique(rows, return_inverse=True)
    block = max(1, _BLOCK_CELLS // max(n_o, 1))
    if columns:
        block = min(block, 128)  # transposing: cache-sized blocks
    starts = np.searchsorted(pos_of[by_row], np.arange(0, len(uniq) + block, block))
    for b, start in enumerate(range(0, len(uniq), block)):
        ids = uniq[start : start + block]
        run = slice(int(ids[0]), int(ids[-1]) + 1)
        contiguous = ids[-1] - ids[0] + 1 == len(ids)  # a run of cities: slices, no gather
        if columns:  # a block of columns, transposed: contiguous rows again
            ok = (allowed[:, run] if contiguous else allowed.take(ids, axis=1)).T.copy()
            sc = (score[:, run] if contiguous else score.take(ids, axis=1)).T.copy()
        elif contiguous:
            ok, sc = allowed[run], score[run]
        else:
            ok, sc = allowed.take(ids, axis=0), score.take(ids, axis=0)
        # scores of allowed candidates; the others pushed below 0 (scores are >= 0)
        sub = np.multiply(~ok, -4.0)
        sub += sc
        sel = by_row[starts[b] : starts[b + 1]]  # this block's pairs, by row
        rr, cc = pos_of[sel] - start, cols[sel]
        first = np.ones(len(sel), dtype=bool)
        first[1:] = rr[1:] != rr[:-1]  # one pair per row: no need to copy the rows
        for layer in (first, ~first):
            if not layer.any():
                continue
            lr, lc, ls = rr[layer], cc[layer], sel[layer]
            cand = sub if layer is first else sub[lr]
            s = sub[lr, lc][:, None]
            better = np.count_nonzero(cand > s, axis=1)
            level = np.count_nonzero(cand >= s, axis=1)
            ranks[ls] = 1 + better
            tied = np.flatnonzero(level - better > 1)
            if len(tied):
                before = np.arange(n_o)[None, :] < lc[tied, None]
                ranks[ls[tied]] += np.count_nonzero((cand[tied] == s[tied]) & before, axis=1)
        if k == 0:
            continue
        sub[rr, cc] = -8.0  # alternatives exclude the city's own partners
        here = np.arange(len(ids))
        picked_c, picked_s = [], []
        for _ in range(min(k, n_o)):
            best = sub.argmax(axis=1)  # first maximum: canonical order on ties
            picked_c.append(best)
            picked_s.append(sub[here, best])
            sub[here, best] = -8.0
        pc = np.stack(picked_c, axis=1).tolist()
        ps = np.stack(picked_s, axis=1).tolist()
        for x, city in enumerate(ids.tolist()):
            alts[city] = [(c, v) for c, v in zip(pc[x], ps[x], strict=True) if v >= 0.0]
    return ranks, alts


def _unmatched(cities, side, shares, allowed, chosen, count, cap, cap_other, locks_other,
               forbid_set, objective) -> list[Unmatched]:
    """Every city paired fewer times than its capacity, with the reason."""
    n_other = shares.shape[1]
    out: list[Unmatched] = []
    forbid_by_row: dict[int, list[int]] = {}
    for i, j in forbid_set:
        forbid_by_row.setdefault(i, []).append(j)
    held_by_locks = locks_other >= cap_other
    for i in np.flatnonzero(count < cap).tolist():
        partial = bool(count[i])
        others = ~chosen[i]
        sharing = shares[i] & others
        open_ = sharing.copy()
        open_[forbid_by_row.get(i, [])] = False
        options = allowed[i] & others
        if n_other == 0:
            reason = REASON_NO_CANDIDATES
        elif not sharing.any():
            reason = REASON_NO_OTHER_THEME if partial else REASON_NO_THEME
        elif not open_.any():
            reason = REASON_OTHER_FORBIDDEN if partial else REASON_FORBIDDEN
        elif not options.any():
            reason = REASON_MIN_SCORE
        elif not (options & ~held_by_locks).any():
            reason = REASON_LOCKED_ELSEWHERE
        else:
            reason = REASON_TAKEN[objective]
        out.append(Unmatched(cities[i], side, int(cap[i] - count[i]), reason))
    return out


def _blocking_pairs(
    score, allowed, chosen, at_e, at_p, pair_scores, count_e, count_p, cap_e, cap_p
) -> int:
    """Allowed pairs (a, b) left out that both cities would take over their worst
    current partner, or for which they still have room."""
    n_e, n_p = score.shape
    worst_e = np.full(n_e, np.inf)
    worst_p = np.full(n_p, np.inf)
    np.minimum.at(worst_e, at_e, pair_scores)
    np.minimum.at(worst_p, at_p, pair_scores)
    worst_e[count_e < cap_e] = -np.inf
    worst_p[count_p < cap_p] = -np.inf
    total = 0
    block = max(1, _BLOCK_CELLS // max(n_p, 1))
    for start in range(0, n_e, block):
        sl = slice(start, start + block)
        s = score[sl]
        hit = (s > worst_e[sl, None]) & (s > worst_p[None, :]) & allowed[sl] & ~chosen[sl]
        total += int(np.count_nonzero(hit))
    return total
