"""Explanations: each pair's rank and alternatives, notes in words, why a city is
left unmatched, and the blocking pairs of a suggestion."""

from __future__ import annotations

import numpy as np

from .values import (
    _BLOCK_CELLS,
    REASON_FORBIDDEN,
    REASON_LOCKED_ELSEWHERE,
    REASON_MIN_SCORE,
    REASON_NO_CANDIDATES,
    REASON_NO_OTHER_THEME,
    REASON_NO_THEME,
    REASON_OTHER_FORBIDDEN,
    REASON_OTHER_PREFERENCES,
    REASON_PREFERENCES,
    REASON_TAKEN,
    City,
    Unmatched,
    outside_note,
)


def pair_notes(outside: list[City], *, locked: bool, penalty: float = 0.0) -> list[str]:
    """Why a chosen pair is unusual, in words (English; the portal translates from
    ``outside_preferences`` and ``locked``)."""
    notes = [outside_note(c) for c in outside]
    if penalty:
        notes.append(f"preference penalty {penalty:.2f}")
    if locked:
        notes.append(
            "locked by staff, which overrides the stated preferences" if outside
            else "locked by staff"
        )
    return notes


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


def _unmatched(cities, side, shares, inside, allowed, chosen, count, cap, cap_other,
               locks_other, forbid_set, objective) -> list[Unmatched]:
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
        preferred = inside[i] & others
        open_ = preferred.copy()
        open_[forbid_by_row.get(i, [])] = False
        options = allowed[i] & others
        if n_other == 0:
            reason = REASON_NO_CANDIDATES
        elif not sharing.any():
            reason = REASON_NO_OTHER_THEME if partial else REASON_NO_THEME
        elif not preferred.any():
            reason = REASON_OTHER_PREFERENCES if partial else REASON_PREFERENCES
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

