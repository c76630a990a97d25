"""The ``max-total`` solver: an exact max-weight b-matching of the allowed pairs.

(The assignment below runs on the allowed cells only, with scipy's sparse LAPJVsp,
``min_weight_full_bipartite_matching``; the dense ``linear_sum_assignment`` is kept
for rounds with gadgets.)

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
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, linear_sum_assignment, milp
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import min_weight_full_bipartite_matching

from .values import _BLOCK_CELLS

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
            if _SPARSE:
                r, c = _sparse_assignment(self.cost, self.allowed)
                return rs[r], cs[c]
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


def _sparse_assignment(cost: np.ndarray, allowed: np.ndarray):
    """The same slot assignment on the allowed cells only (scipy's LAPJVsp,
    ``min_weight_full_bipartite_matching``): every slot row also gets a private
    "unpaired" column, and all weights are shifted by a constant above every score so
    they are positive; a full row matching then maximises the total score exactly. On
    the sparse matrices of real calls it is several times faster than the dense
    solver, whose many zero ("unpaired") cells are ties it must search through."""
    n_r, n_c = cost.shape
    r, c = np.nonzero(allowed)
    shift = float(-cost[r, c].min()) + 1.0 if len(r) else 1.0
    weights = np.concatenate([cost[r, c] + shift, np.full(n_r, shift)])
    rows = np.concatenate([r, np.arange(n_r)])
    cols = np.concatenate([c, n_c + np.arange(n_r)])
    graph = csr_matrix((weights, (rows, cols)), shape=(n_r, n_c + n_r))
    row, col = min_weight_full_bipartite_matching(graph)
    real = col < n_c
    return row[real], col[real]


# Sparse slot assignment for rounds without gadgets (a test hook; dense otherwise).
_SPARSE = True

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

