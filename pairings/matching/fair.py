"""The ``fair`` solver: most pairs, then the highest lowest score, then the total.

``fair``
    Among the suggestions with the most pairs (``len(pairs)``, locks included) under
    the allowed pairs, maximises the lowest pair score, then the total: a binary
    search over the distinct scores with a maximum-flow check (does the graph of
    pairs scoring at least this still allow that many pairs?) finds the best
    floor; the max-total solver then runs on the pairs above the floor (never above
    the lowest locked score) with a per-pair bonus larger than any total, which
    forces the most pairs.
"""

from __future__ import annotations

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import maximum_flow

from . import max_total
from .max_total import _EMPTY, _active


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
    ei, pj, note = max_total._solve_bmatching(
        scores, final, cap_e, cap_p, bonus=float(most) + 1.0, method=method
    )
    if len(ei) != most:  # pragma: no cover - guaranteed by the bonus
        raise RuntimeError("fair matching lost pairs")
    return ei, pj, f"fair (floor {floor!r}): {note}"
