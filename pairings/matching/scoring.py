"""Scores of EU × partner pairs: the matrix the solvers optimise, and each pair's parts.

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

preference (only with ``preferences="relaxed"``)
    A pair outside either city's stated preferences (see :func:`accepts`) loses
    ``PREFERENCE_PENALTY`` (never below 0): ``preference = -min(score, penalty)``, an
    extra component so the components still add up to the score. A locked pair is
    never penalised: the lock overrides the preferences. With the default
    ``"strict"`` such a pair is no candidate at all (unless locked).

No BLAS: the theme cosines are summed theme by theme over the cities that list
the theme, so no BLAS worker threads compete with the solver for the cores.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from .values import _DEFAULT_WEIGHTS, _FILL_BLOCK_CELLS, City, Weights, canonical_order


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
                 *, ordered: bool = False, penalty: float = 0.0,
                 locked: Sequence[tuple[int, int]] = ()):
        self.weights = weights
        self.penalty = float(penalty)  # relaxed preferences: taken off outside pairs
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
        self.inside = np.ones((n_e, n_p), dtype=bool)  # within both stated preferences
        self.scores = np.empty((n_e, n_p))
        # A staff lock overrides the stated preferences: a locked pair is never
        # penalised (it scores as with "strict"). (row, column) in canonical order.
        self.locked: np.ndarray | None = None
        if self.penalty and len(locked):
            self.locked = np.zeros((n_e, n_p), dtype=bool)
            li, lj = np.array(list(locked), dtype=np.intp).reshape(-1, 2).T
            self.locked[li, lj] = True
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
            inside = self.inside[rows]
            np.not_equal(tmp, 0.0, out=inside)  # 0: the city states preferences, not this
            inside &= tmp2 != 0.0
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
            if self.penalty:
                out = ~inside
                if self.locked is not None:
                    out &= ~self.locked[rows]
                s[out] += -np.minimum(s[out], self.penalty)

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
        """Weighted components, preference penalty and score of the pairs (i[k], j[k]),
        as in the matrix."""
        w = self.weights
        region, language, size = self.parts(i, j)
        ct = self.theme_cosine(i, j) * w.themes
        cr = region * w.region
        cl = language * w.language
        cs = size * w.size
        score = ct + cr
        score += cl
        score += cs
        cp = np.zeros_like(score)
        if self.penalty:
            out = ~self.inside[i, j]
            if self.locked is not None:
                out &= ~self.locked[i, j]
            cp[out] = -np.minimum(score[out], self.penalty)
            score[out] += cp[out]
        return ct, cr, cl, cs, cp, score


def score_matrix(
    eu: Sequence[City], partners: Sequence[City], weights: Weights = _DEFAULT_WEIGHTS
) -> np.ndarray:
    """The EU × partner score matrix, rows and columns in :func:`canonical_order`."""
    return _Scorer(eu, partners, weights).scores

