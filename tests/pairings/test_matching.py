"""The pairing engine (pairings.matching): pure Python, no database, no Django."""

from __future__ import annotations

import itertools
import json
import math
import random
from collections import Counter

import numpy as np
import pytest
from scipy.optimize import linear_sum_assignment

from pairings import matching
from pairings.matching import (
    COMPONENTS,
    City,
    MatchingConflict,
    Weights,
    score_matrix,
    suggest,
)

REGION_OF = {
    "NL": "eu", "IT": "eu", "ES": "eu", "PT": "eu", "DE": "eu", "GR": "eu", "FR": "eu",
    "JP": "asia", "CN": "asia", "IN": "asia", "US": "north-america", "CA": "north-america",
    "MX": "north-america", "BR": "latin-america-caribbean", "AR": "latin-america-caribbean",
}
EU_COUNTRIES = ["DE", "ES", "FR", "GR", "IT", "NL", "PT"]
PARTNER_COUNTRIES = ["AR", "BR", "CA", "CN", "IN", "JP", "MX", "US"]
THEMES_ONLY = Weights(themes=1.0, region=0.0, language=0.0, size=0.0)


def eu_city(key, name, country, themes, **extra) -> City:
    return City(key=key, side="eu", name=name, country=country, region="eu",
                themes=tuple(themes), **extra)


def partner_city(key, name, country, themes, **extra) -> City:
    return City(key=key, side="partner", name=name, country=country,
                region=REGION_OF[country], themes=tuple(themes), **extra)


def random_city(rng: random.Random, key: int, side: str, *, pool, cap2=0.4) -> City:
    country = rng.choice(EU_COUNTRIES if side == "eu" else PARTNER_COUNTRIES)
    prefs = rng.random()
    if side == "eu":
        regions = ["asia", "north-america", "latin-america-caribbean"]
        pref_regions = frozenset(rng.sample(regions, 1)) if prefs < 0.4 else frozenset()
        pref_countries = (
            frozenset(rng.sample(PARTNER_COUNTRIES, 2)) if 0.4 <= prefs < 0.6 else frozenset()
        )
    else:
        pref_regions = frozenset({"eu"}) if prefs < 0.3 else frozenset()
        pref_countries = (
            frozenset(rng.sample(EU_COUNTRIES, 2)) if 0.3 <= prefs < 0.6 else frozenset()
        )
    return City(
        key=key,
        side=side,
        name=f"{side}-{key}",
        country=country,
        region=REGION_OF[country],
        themes=tuple(rng.sample(pool, rng.randint(1, min(3, len(pool))))),
        preferred_regions=pref_regions,
        preferred_countries=pref_countries,
        languages=frozenset(rng.sample(["en", "es", "pt", "fr"], rng.randint(0, 2))),
        population=rng.choice([0, 120_000, 450_000, 2_000_000, 9_000_000]),
        capacity=2 if rng.random() < cap2 else 1,
    )


def random_instance(seed: int, n_e=None, n_p=None, *, themes=4, cap2=0.4):
    rng = random.Random(seed)
    n_e = n_e or rng.randint(2, 5)
    n_p = n_p or rng.randint(2, 4)
    pool = ["air-quality", "housing", "urban-mobility", "circular-economy", "energy-transition",
            "climate-adaptation"][:themes]
    eu = [random_city(rng, 100 + i, "eu", pool=pool, cap2=cap2) for i in range(n_e)]
    partners = [random_city(rng, 200 + i, "partner", pool=pool, cap2=cap2) for i in range(n_p)]
    return rng, eu, partners


def random_constraints(rng, eu, partners):
    """A few random locks (within capacity), forbids and a minimum score."""
    pairs = [(e.key, p.key) for e in eu for p in partners]
    rng.shuffle(pairs)
    used = Counter()
    cap = {c.key: c.capacity for c in eu + partners}
    locks = []
    for e, p in pairs[: rng.randint(0, 2)]:
        if used[e] < cap[e] and used[p] < cap[p]:
            locks.append((e, p))
            used[e] += 1
            used[p] += 1
    forbids = [pair for pair in pairs[2 : 2 + rng.randint(0, 3)] if pair not in locks]
    min_score = rng.choice([0.0, 0.0, 0.3, 0.5])
    return locks, forbids, min_score


def feasible_matchings(eu, partners, allowed, locks):
    """Every b-matching over the allowed pairs that contains the locks (brute force)."""
    cap_p = {p.key: p.capacity for p in partners}
    locked = set(locks)
    plans = []
    for e in eu:
        forced = [p for (x, p) in locked if x == e.key]
        options = [p.key for p in partners if (e.key, p.key) in allowed
                   and (e.key, p.key) not in locked]
        room = e.capacity - len(forced)
        plans.append([
            forced + list(combo)
            for r in range(0, max(room, 0) + 1)
            for combo in itertools.combinations(options, r)
        ])
    for choice in itertools.product(*plans):
        load = Counter(p for picks in choice for p in picks)
        if all(load[p] <= cap_p[p] for p in load):
            yield [(e.key, p) for e, picks in zip(eu, choice, strict=True) for p in picks]


def brute_force(eu, partners, sug, locks):
    scores = {(e, p): s for e, p, s, _ in sug.candidates}
    allowed = {(e, p) for e, p, _, ok in sug.candidates if ok}
    best_total = -1.0
    best_fair = None
    for pairs in feasible_matchings(eu, partners, allowed, locks):
        values = [scores[pair] for pair in pairs]
        total = math.fsum(values)
        best_total = max(best_total, total)
        key = (len(values), min(values) if values else math.inf, total)
        if best_fair is None or key > best_fair:
            best_fair = key
    return best_total, best_fair


def engine_pairs(sug):
    return [(p.eu.key, p.partner.key) for p in sug.pairs]


def check_feasible(sug, eu, partners, locks, forbids, min_score):
    pairs = engine_pairs(sug)
    assert len(pairs) == len(set(pairs)), "a pair was chosen twice"
    load = Counter(k for pair in pairs for k in pair)
    for city in eu + partners:
        assert load[city.key] <= city.capacity
    assert set(locks) <= set(pairs)
    assert not set(forbids) & set(pairs)
    for p in sug.pairs:
        if not p.locked:
            assert p.score >= min_score
            assert p.shared_themes


# ---------------------------------------------------------------- exactness


@pytest.mark.parametrize("seed", range(60))
def test_max_total_equals_brute_force_optimum(seed):
    rng, eu, partners = random_instance(seed)
    locks, forbids, min_score = random_constraints(rng, eu, partners)
    sug = suggest(eu, partners, locks=locks, forbids=forbids, min_score=min_score,
                  with_candidates=True)
    check_feasible(sug, eu, partners, locks, forbids, min_score)
    best_total, _ = brute_force(eu, partners, sug, locks)
    assert sug.total_score == pytest.approx(best_total, abs=1e-9)


@pytest.mark.parametrize("seed", range(100))
def test_fair_equals_brute_force_most_pairs_then_lowest_then_total(seed):
    rng, eu, partners = random_instance(1000 + seed)
    locks, forbids, min_score = random_constraints(rng, eu, partners)
    weights = THEMES_ONLY if seed % 2 else Weights()  # themes alone: wider score spread
    sug = suggest(eu, partners, objective="fair", locks=locks, forbids=forbids,
                  min_score=min_score, weights=weights, with_candidates=True)
    check_feasible(sug, eu, partners, locks, forbids, min_score)
    _, (count, lowest, total) = brute_force(eu, partners, sug, locks)
    assert len(sug.pairs) == count
    if count:
        assert sug.min_pair_score == pytest.approx(lowest, abs=1e-12)
    assert sug.total_score == pytest.approx(total, abs=1e-9)


@pytest.mark.parametrize("seed", range(60))
@pytest.mark.parametrize("objective", ["max-total", "fair"])
def test_both_objectives_equal_brute_force_on_six_by_five_instances(seed, objective):
    rng, eu, partners = random_instance(3000 + seed, 6, 5, themes=5, cap2=0.15)
    locks, forbids, min_score = random_constraints(rng, eu, partners)
    sug = suggest(eu, partners, objective=objective, locks=locks, forbids=forbids,
                  min_score=min_score, weights=THEMES_ONLY, with_candidates=True)
    check_feasible(sug, eu, partners, locks, forbids, min_score)
    best_total, (count, lowest, total) = brute_force(eu, partners, sug, locks)
    if objective == "max-total":
        assert sug.total_score == pytest.approx(best_total, abs=1e-9)
    else:
        assert len(sug.pairs) == count
        if count:
            assert sug.min_pair_score == pytest.approx(lowest, abs=1e-12)
        assert sug.total_score == pytest.approx(total, abs=1e-9)


def test_fair_raises_the_lowest_score_where_max_total_would_not():
    eu = [eu_city(1, "Bologna", "IT", ["housing"]),
          eu_city(2, "Porto", "PT", ["housing", "air-quality"])]
    partners = [partner_city(11, "Austin", "US", ["housing"]),
                partner_city(12, "Rosario", "AR", ["housing", "urban-mobility"])]
    best = suggest(eu, partners, weights=THEMES_ONLY)
    fair = suggest(eu, partners, weights=THEMES_ONLY, objective="fair")
    assert sorted(engine_pairs(best)) == [(1, 11), (2, 12)]
    assert sorted(engine_pairs(fair)) == [(1, 12), (2, 11)]
    assert fair.min_pair_score > best.min_pair_score + 0.2
    assert fair.total_score < best.total_score
    # and pairing more cities comes before any score: the greedy trap, fairly
    eu = [eu_city(1, "Bologna", "IT", ["circular-economy", "urban-mobility"]),
          eu_city(2, "Parma", "IT", ["circular-economy"])]
    partners = [partner_city(11, "Austin", "US", ["circular-economy", "urban-mobility"]),
                partner_city(12, "Guangzhou", "CN", ["urban-mobility"])]
    fair = suggest(eu, partners, weights=THEMES_ONLY, objective="fair")
    assert sorted(engine_pairs(fair)) == [(1, 12), (2, 11)]


def doubled_by_plain_assignment(eu, partners):
    """Whether the bare slot relaxation (no pins) would use some pair twice."""
    scores = score_matrix(eu, partners)
    shares = matching.scoring._Scorer(eu, partners, Weights()).shares
    cap_e = np.array([c.capacity for c in matching.canonical_order(eu)])
    cap_p = np.array([c.capacity for c in matching.canonical_order(partners)])
    rs, cs = np.repeat(np.arange(len(eu)), cap_e), np.repeat(np.arange(len(partners)), cap_p)
    weight = np.where(shares, scores, 0.0)[np.ix_(rs, cs)]
    r, c = linear_sum_assignment(weight, maximize=True)
    keep = weight[r, c] > 0
    chosen = list(zip(rs[r[keep]].tolist(), cs[c[keep]].tolist(), strict=True))
    return len(chosen) != len(set(chosen))


@pytest.mark.parametrize(
    "hooks",
    [
        {"_PIN_SHARE": 0.0},  # repairs by pins only
        {"_PIN_SHARE": 0.0, "_PIN_REPAIRS": False},  # repairs by gadgets only
        {"_PIN_SHARE": 0.0, "_MAX_ROUNDS": 0},  # straight to HiGHS
    ],
    ids=["pins", "gadgets", "highs"],
)
@pytest.mark.parametrize("objective", ["max-total", "fair"])
def test_pair_used_twice_by_the_relaxation_is_repaired_exactly(monkeypatch, hooks, objective):
    for name, value in hooks.items():
        monkeypatch.setattr(matching.max_total, name, value)
    doubled = 0
    for seed in range(40):
        rng, eu, partners = random_instance(5000 + seed, 4, 4, themes=3, cap2=0.8)
        doubled += doubled_by_plain_assignment(eu, partners)
        locks, forbids, min_score = random_constraints(rng, eu, partners)
        sug = suggest(eu, partners, objective=objective, locks=locks, forbids=forbids,
                      min_score=min_score, with_candidates=True)
        check_feasible(sug, eu, partners, locks, forbids, min_score)
        best_total, (count, lowest, total) = brute_force(eu, partners, sug, locks)
        if objective == "max-total":
            assert sug.total_score == pytest.approx(best_total, abs=1e-9)
        else:
            assert (len(sug.pairs), sug.total_score) == (count, pytest.approx(total, abs=1e-9))
    assert doubled >= 5, "the instances should provoke pairs used twice"


@pytest.mark.parametrize("objective", ["max-total", "fair"])
def test_medium_instances_agree_with_highs(monkeypatch, objective):
    # too big for brute force, many pairs the relaxation would double: HiGHS decides
    for seed in range(6):
        rng, eu, partners = random_instance(seed, 40, 35, themes=4, cap2=0.6)
        locks, forbids, min_score = random_constraints(rng, eu, partners)
        kwargs = {"objective": objective, "locks": locks, "forbids": forbids,
                  "min_score": min_score}
        fast = suggest(eu, partners, **kwargs)
        with monkeypatch.context() as patch:
            patch.setattr(matching.max_total, "_MAX_ROUNDS", -1)  # no assignment round: HiGHS
            exact = suggest(eu, partners, **kwargs)
        assert "milp" in exact.solver and "milp" not in fast.solver
        assert len(fast.pairs) == len(exact.pairs)
        assert fast.total_score == pytest.approx(exact.total_score, abs=1e-9)
        if objective == "fair":  # max-total optima may differ in their lowest score
            assert fast.min_pair_score == pytest.approx(exact.min_pair_score, abs=1e-12)
        check_feasible(fast, eu, partners, locks, forbids, min_score)


def test_highs_b_matching_agrees_with_the_assignment_solver():
    rng = np.random.default_rng(7)
    for _ in range(30):
        n_e, n_p = rng.integers(3, 9, size=2)
        scores = rng.random((n_e, n_p)).round(2)
        mask = rng.random((n_e, n_p)) < 0.7
        cap_e = rng.integers(0, 3, size=n_e)
        cap_p = rng.integers(0, 3, size=n_p)
        results = []
        for method in ("auto", "lp"):
            ei, pj, _ = matching._solve_bmatching(scores, mask, cap_e, cap_p, method=method)
            assert len(set(zip(ei.tolist(), pj.tolist(), strict=True))) == len(ei)
            assert mask[ei, pj].all()
            assert (np.bincount(ei, minlength=n_e) <= cap_e).all()
            assert (np.bincount(pj, minlength=n_p) <= cap_p).all()
            results.append(scores[ei, pj].sum())
        assert results[0] == pytest.approx(results[1], abs=1e-9)


def test_greedy_best_pair_first_falls_into_a_trap_the_engine_avoids():
    # Bologna–Austin is the single best pair, but taking it leaves Parma alone;
    # Bologna–Guangzhou + Parma–Austin is worth more.
    eu = [eu_city(1, "Bologna", "IT", ["circular-economy", "urban-mobility"]),
          eu_city(2, "Parma", "IT", ["circular-economy"])]
    partners = [partner_city(11, "Austin", "US", ["circular-economy", "urban-mobility"]),
                partner_city(12, "Guangzhou", "CN", ["urban-mobility"])]
    sug = suggest(eu, partners, weights=THEMES_ONLY, with_candidates=True)
    score = {(e, p): s for e, p, s, ok in sug.candidates if ok}
    greedy, used = 0.0, set()
    for (e, p), s in sorted(score.items(), key=lambda item: -item[1]):
        if e not in used and p not in used:
            greedy += s
            used |= {e, p}
    assert max(score, key=score.get) == (1, 11)
    assert sorted(engine_pairs(sug)) == [(1, 12), (2, 11)]
    assert sug.total_score > greedy + 0.3


# ---------------------------------------------------------------- hard rules


def test_locks_are_kept_even_below_the_minimum_score_and_without_a_shared_theme():
    eu = [eu_city(1, "Rotterdam", "NL", ["water-and-sanitation"]),
          eu_city(2, "Almada", "PT", ["urban-mobility"])]
    partners = [partner_city(11, "Surat", "IN", ["water-and-sanitation"]),
                partner_city(12, "Belo Horizonte", "BR", ["housing"])]
    sug = suggest(eu, partners, locks=[(2, 12), (2, 12)], min_score=0.9)
    locked = [p for p in sug.pairs if p.locked]
    assert [(p.eu.key, p.partner.key) for p in locked] == [(2, 12)]
    assert locked[0].score < 0.9 and locked[0].shared_themes == []
    assert all(p.score >= 0.9 for p in sug.pairs if not p.locked)


def test_forbidden_pairs_are_never_chosen():
    eu = [eu_city(1, "Rotterdam", "NL", ["water-and-sanitation", "climate-adaptation"])]
    partners = [partner_city(11, "Surat", "IN", ["water-and-sanitation", "climate-adaptation"]),
                partner_city(12, "Yantai", "CN", ["climate-adaptation"])]
    assert engine_pairs(suggest(eu, partners)) == [(1, 11)]
    assert engine_pairs(suggest(eu, partners, forbids=[(1, 11)])) == [(1, 12)]
    for seed in range(20):
        rng, eu, partners = random_instance(300 + seed)
        forbids = [(e.key, p.key) for e in eu for p in partners if rng.random() < 0.5]
        assert not set(forbids) & set(engine_pairs(suggest(eu, partners, forbids=forbids)))


def test_capacity_two_gets_two_distinct_partners_and_never_the_same_pair_twice():
    themes = ["circular-economy", "climate-adaptation", "urban-mobility"]
    bologna = eu_city(1, "Bologna", "IT", themes, capacity=2)
    austin = partner_city(11, "Austin", "US", themes, capacity=2)  # ideal for each other
    rest = [partner_city(12, "Guangzhou", "CN", ["urban-mobility"])]
    others = [eu_city(2, "Porto", "PT", ["circular-economy"])]
    sug = suggest([bologna, *others], [austin, *rest])
    pairs = engine_pairs(sug)
    assert len(pairs) == len(set(pairs)) == 3
    assert sorted(p for e, p in pairs if e == 1) == [11, 12]
    assert sorted(e for e, p in pairs if p == 11) == [1, 2]
    # with nobody else around, the pair still appears once only
    alone = suggest([bologna], [austin])
    assert engine_pairs(alone) == [(1, 11)]
    assert [(u.city.key, u.missing) for u in alone.unmatched] == [(1, 1), (11, 1)]


def test_minimum_score_is_respected():
    for seed in range(20):
        _, eu, partners = random_instance(700 + seed, 5, 4)
        for objective in ("max-total", "fair"):
            sug = suggest(eu, partners, objective=objective, min_score=0.45)
            assert all(p.score >= 0.45 for p in sug.pairs)


def test_unmatched_cities_are_listed_with_the_reason():
    eu = [
        eu_city(1, "Rotterdam", "NL", ["water-and-sanitation"], population=650_000),
        eu_city(2, "Ioannina", "GR", ["culture-and-heritage"]),
        eu_city(3, "Almada", "PT", ["urban-mobility"]),
        eu_city(4, "Lisboa", "PT", ["water-and-sanitation", "energy-transition"]),
        eu_city(5, "Parma", "IT", ["inclusion-of-migrants-and-refugees"]),
        eu_city(6, "Bologna", "IT", ["urban-mobility", "smart-cities"], capacity=2),
    ]
    partners = [
        partner_city(11, "Surat", "IN", ["water-and-sanitation"], population=600_000),
        partner_city(12, "Belo Horizonte", "BR", ["urban-mobility"]),
        partner_city(13, "Fredericton", "CA", ["housing", "air-quality", "urban-poverty",
                                                "inclusion-of-migrants-and-refugees"]),
    ]
    sug = suggest(eu, partners, forbids=[(3, 12)], min_score=0.5, weights=THEMES_ONLY)
    reasons = {u.city.name: (u.side, u.missing, u.reason) for u in sug.unmatched}
    assert reasons["Ioannina"] == ("eu", 1, "no candidate shares a theme")
    assert reasons["Almada"] == ("eu", 1, "all candidates are forbidden")
    assert reasons["Parma"] == ("eu", 1, "no partner left above the minimum score")
    assert reasons["Fredericton"] == ("partner", 1, "no partner left above the minimum score")
    # Rotterdam and Lisboa want Surat; Lisboa loses it to the better score
    assert reasons["Lisboa"] == ("eu", 1, "its candidates were paired with better-scoring partners")
    assert reasons["Bologna"] == ("eu", 1, "no other candidate shares a theme")
    named = {u.city.name for u in sug.unmatched}
    paired = {p.eu.name for p in sug.pairs} | {p.partner.name for p in sug.pairs}
    assert named | paired == {c.name for c in eu + partners}


def test_locked_candidates_explain_why_a_city_is_left_out():
    eu = [eu_city(1, "Rotterdam", "NL", ["water-and-sanitation"]),
          eu_city(2, "Lisboa", "PT", ["water-and-sanitation", "housing"])]
    partners = [partner_city(11, "Surat", "IN", ["water-and-sanitation"])]
    sug = suggest(eu, partners, locks=[(2, 11)])
    assert [(u.city.key, u.reason) for u in sug.unmatched] == [
        (1, "its candidates are locked to other cities")
    ]


# ---------------------------------------------------------------- determinism


def shuffled_renumbered(rng, cities, offset):
    keys = list(range(offset, offset + len(cities)))
    rng.shuffle(keys)
    out = [City(**{**c.__dict__, "key": k}) for c, k in zip(cities, keys, strict=True)]
    rng.shuffle(out)
    return out, {c.key: k for c, k in zip(cities, keys, strict=True)}


def by_name(sug):
    return sorted((p.eu.country, p.eu.name, p.partner.country, p.partner.name) for p in sug.pairs)


@pytest.mark.parametrize("objective", ["max-total", "fair"])
def test_same_answer_for_shuffled_input_and_renumbered_keys(objective):
    # few themes and no other criteria: plenty of exact score ties to break
    _, eu, partners = random_instance(99, 25, 25, themes=2, cap2=0.3)
    weights = Weights(themes=0.7, region=0.0, language=0.3, size=0.0)
    first = suggest(eu, partners, objective=objective, weights=weights)
    rng = random.Random(1)
    for _ in range(4):
        eu2, map_e = shuffled_renumbered(rng, eu, 5000)
        pa2, map_p = shuffled_renumbered(rng, partners, 9000)
        again = suggest(eu2, pa2, objective=objective, weights=weights)
        assert by_name(again) == by_name(first)
        assert again.total_score == first.total_score
        assert [u.city.name for u in again.unmatched] == [u.city.name for u in first.unmatched]


def test_equal_candidates_are_decided_by_country_then_name():
    eu = [eu_city(1, "Porto", "PT", ["housing"])]
    twins = [partner_city(key, name, country, ["housing"])
             for key, name, country in [(30, "Rosario", "AR"), (10, "Cordoba", "AR"),
                                        (20, "Curitiba", "BR")]]
    sug = suggest(eu, twins)
    assert [(p.partner.name, p.eu_rank) for p in sug.pairs] == [("Cordoba", 1)]
    assert [c.name for c, _ in sug.pairs[0].eu_alternatives] == ["Rosario", "Curitiba"]


# ---------------------------------------------------------------- scores


def reference_components(a: City, b: City, everyone: list[City]) -> dict[str, float]:
    """The formulas of the module docstring, written out plainly."""
    lists = [list(dict.fromkeys(c.themes)) for c in everyone]
    counts = Counter(t for ts in lists for t in ts)
    n = len(everyone)

    def vector(city):
        ts = list(dict.fromkeys(city.themes))
        k = max(5, len(ts))
        return {t: (k - i) / k * (1 + math.log(n / counts[t]) / math.log(n))
                for i, t in enumerate(ts)}

    va, vb = vector(a), vector(b)
    dot = sum(v * vb[t] for t, v in va.items() if t in vb)
    themes = dot / math.sqrt(sum(v * v for v in va.values()) * sum(v * v for v in vb.values()))

    def pref(x, y):
        if not (x.preferred_regions or x.preferred_countries):
            return 0.5
        return 1.0 if y.region in x.preferred_regions or y.country in x.preferred_countries else 0.0

    if a.population > 0 and b.population > 0:
        size = min(1.0, max(0.0, 1 - abs(math.log10(a.population / b.population)) / 2))
    else:
        size = 0.5
    return {
        "themes": themes,
        "region": (pref(a, b) + pref(b, a)) / 2,
        "language": 1.0 if a.languages & b.languages else 0.0,
        "size": size,
    }


def test_components_add_up_to_the_score_and_follow_the_documented_formulas():
    weights = Weights(themes=0.4, region=0.3, language=0.1, size=0.2)
    for seed in range(15):
        _, eu, partners = random_instance(40 + seed, 5, 4, themes=6)
        # relaxed without a penalty: every pair is a candidate, as before preferences
        sug = suggest(eu, partners, weights=weights, min_score=0.0, preferences="relaxed",
                      preference_penalty=0.0)
        assert sug.pairs
        for p in sug.pairs:
            assert list(p.components) == [*COMPONENTS, "preference"]
            assert p.components.pop("preference") == 0.0
            assert sum(p.components.values()) == p.score  # bit for bit
            raw = reference_components(p.eu, p.partner, eu + partners)
            for name in COMPONENTS:
                w = getattr(weights, name)
                assert 0.0 <= p.components[name] / w <= 1.0
                assert p.components[name] == pytest.approx(w * raw[name], abs=1e-12)
        assert sug.total_score == sum(p.score for p in sug.pairs)


def test_every_raw_component_stays_in_the_unit_interval_on_a_large_random_matrix():
    _, eu, partners = random_instance(3, 60, 70, themes=6)
    for name in COMPONENTS:
        only = Weights(**{c: float(c == name) for c in COMPONENTS})
        matrix = score_matrix(eu, partners, only)
        assert matrix.min() >= 0.0 and matrix.max() <= 1.0
    full = score_matrix(eu, partners)
    assert full.min() >= 0.0 and full.max() <= 1.0


def matrix_by_name(eu, partners, weights=THEMES_ONLY):
    s = score_matrix(eu, partners, weights)
    rows = {c.name: i for i, c in enumerate(matching.canonical_order(eu))}
    cols = {c.name: j for j, c in enumerate(matching.canonical_order(partners))}
    return lambda e, p: s[rows[e], cols[p]]


def test_shared_rarer_and_higher_priority_themes_score_higher():
    eu = [eu_city(1, "A", "DE", ["housing", "energy-transition"]),
          eu_city(2, "B", "DE", ["water-and-sanitation", "energy-transition"]),
          eu_city(3, "C", "DE", ["energy-transition", "housing"])]
    partners = [partner_city(11, "X", "US", ["housing", "urban-mobility"]),
                partner_city(12, "Y", "US", ["water-and-sanitation", "urban-mobility"]),
                partner_city(13, "Z", "US", ["housing"]), partner_city(14, "W", "US", ["housing"])]
    score = matrix_by_name(eu, partners)
    # same shape, but water-and-sanitation (2 cities) is rarer than housing (5 cities)
    assert score("B", "Y") > score("A", "X")
    # housing first on both sides beats housing second on one side
    assert score("A", "X") > score("C", "X")
    # identical lists are ideal; nothing shared is 0
    assert score("A", "Z") < 1.0 and score("B", "W") == 0.0
    assert matrix_by_name([eu[0]], [partner_city(15, "V", "US", eu[0].themes)])("A", "V") == (
        pytest.approx(1.0))
    # more shared themes count more
    more = [partner_city(16, "M", "US", ["housing", "energy-transition", "urban-mobility"])]
    assert matrix_by_name(eu, partners + more)("A", "M") > matrix_by_name(eu, partners + more)(
        "A", "X")


def raw_components(eu_city_, partner, everyone_eu, everyone_partners):
    sug = suggest(everyone_eu, everyone_partners, locks=[(eu_city_.key, partner.key)])
    pair = next(p for p in sug.pairs if p.partner.key == partner.key)
    return {k: v / getattr(Weights(), k) for k, v in pair.components.items()}


def test_region_language_and_size_components():
    rotterdam = eu_city(1, "Rotterdam", "NL", ["housing"], preferred_regions=frozenset({"asia"}),
                        languages=frozenset({"en", "nl"}), population=650_000)
    surat = partner_city(11, "Surat", "IN", ["housing"], preferred_regions=frozenset({"eu"}),
                         languages=frozenset({"en"}), population=6_500_000)
    austin = partner_city(12, "Austin", "US", ["housing"],
                          preferred_countries=frozenset({"IT"}), population=0)
    nyc = partner_city(13, "New York City", "US", ["housing"], population=650_000_000)
    everyone = [surat, austin, nyc]
    raw = raw_components(rotterdam, surat, [rotterdam], everyone)
    assert raw["region"] == pytest.approx(1.0)  # each prefers the other
    assert raw["language"] == pytest.approx(1.0)
    assert raw["size"] == pytest.approx(0.5)  # a factor of 10
    raw = raw_components(rotterdam, austin, [rotterdam], everyone)
    assert raw["region"] == 0.0  # neither prefers the other
    assert raw["language"] == 0.0
    assert raw["size"] == pytest.approx(0.5)  # unknown population
    raw = raw_components(rotterdam, nyc, [rotterdam], everyone)
    assert raw["region"] == pytest.approx(0.25)  # NYC neutral (1/2), Rotterdam not keen (0)
    assert raw["size"] == 0.0  # a factor of 1,000


def test_weights_must_be_non_negative_and_sum_to_one():
    with pytest.raises(ValueError):
        Weights(themes=0.5, region=0.2, language=0.1, size=0.1)
    with pytest.raises(ValueError):
        Weights(themes=1.2, region=-0.2, language=0.0, size=0.0)
    assert Weights(themes=0.25, region=0.25, language=0.25, size=0.25)


# ---------------------------------------------------------------- explanations


def test_ranks_alternatives_and_blocking_pairs_agree_with_the_candidates():
    for seed in range(12):
        rng, eu, partners = random_instance(800 + seed, 5, 4)
        locks, forbids, min_score = random_constraints(rng, eu, partners)
        sug = suggest(eu, partners, locks=locks, forbids=forbids, min_score=min_score,
                      with_candidates=True, alternatives=2)
        order = {c.key: i for i, c in enumerate(matching.canonical_order(eu + partners))}
        allowed = [(e, p, s) for e, p, s, ok in sug.candidates if ok]
        chosen = set(engine_pairs(sug))
        for pair in sug.pairs:
            e, p = pair.eu.key, pair.partner.key
            mine = sorted(((-s, order[q]), q) for x, q, s in allowed if x == e)
            theirs = sorted(((-s, order[x]), x) for x, q, s in allowed if q == p)
            assert pair.eu_rank == [q for _, q in mine].index(p) + 1
            assert pair.partner_rank == [x for _, x in theirs].index(e) + 1
            partners_of_e = {q for x, q in chosen if x == e}
            assert [c.key for c, _ in pair.eu_alternatives] == [
                q for _, q in mine if q not in partners_of_e][:2]
        worst = {}
        for pair in sug.pairs:
            for key in (pair.eu.key, pair.partner.key):
                worst[key] = min(worst.get(key, math.inf), pair.score)
        cap = {c.key: c.capacity for c in eu + partners}
        load = Counter(k for pair in chosen for k in pair)

        def wants(key, s, load=load, cap=cap, worst=worst):
            return load[key] < cap[key] or s > worst[key]

        blocking = sum(1 for e, p, s in allowed
                       if (e, p) not in chosen and wants(e, s) and wants(p, s))
        assert sug.blocking_pairs == blocking


# ---------------------------------------------------------------- conflicts


def test_two_locks_on_a_capacity_one_city_raise_a_conflict_naming_the_cities():
    eu = [eu_city(1, "Rotterdam", "NL", ["housing"])]
    partners = [partner_city(11, "Surat", "IN", ["housing"]),
                partner_city(12, "Yantai", "CN", ["housing"])]
    with pytest.raises(MatchingConflict) as err:
        suggest(eu, partners, locks=[(1, 11), (1, 12)])
    message = str(err.value)
    assert "Rotterdam (NL)" in message and "Surat (IN)" in message and "Yantai (CN)" in message
    assert isinstance(err.value, ValueError)


def test_a_pair_both_locked_and_forbidden_raises_a_conflict_naming_the_cities():
    eu = [eu_city(1, "Rotterdam", "NL", ["housing"])]
    partners = [partner_city(11, "Surat", "IN", ["housing"])]
    with pytest.raises(MatchingConflict, match=r"Rotterdam \(NL\).*Surat \(IN\)"):
        suggest(eu, partners, locks=[(1, 11)], forbids=[(1, 11)])


def test_a_lock_on_an_unknown_city_is_a_conflict_and_a_repeated_lock_is_fine():
    eu = [eu_city(1, "Rotterdam", "NL", ["housing"])]
    partners = [partner_city(11, "Surat", "IN", ["housing"])]
    with pytest.raises(MatchingConflict, match="unknown partner city id 99"):
        suggest(eu, partners, locks=[(1, 99)])
    sug = suggest(eu, partners, locks=[(1, 11), (1, 11)], forbids=[(1, 42)])
    assert engine_pairs(sug) == [(1, 11)]


# ---------------------------------------------------------------- JSON contract


def test_to_dict_matches_the_design_json_shape():
    _, eu, partners = random_instance(11, 5, 4)
    locks = [(eu[0].key, partners[0].key)]
    forbids = [(eu[1].key, partners[1].key)]
    sug = suggest(eu, partners, locks=locks, forbids=forbids, min_score=0.3)
    doc = json.loads(json.dumps(sug.to_dict("iuc-2019")))
    assert {"call", "objective", "total_score", "min_pair_score", "pairs", "unmatched"} <= set(doc)
    assert "candidates" not in doc
    assert doc["call"] == "iuc-2019" and doc["objective"] == "max-total"
    assert isinstance(doc["total_score"], float) and isinstance(doc["blocking_pairs"], int)
    assert doc["total_score"] == sum(p["score"] for p in doc["pairs"])
    assert doc["min_pair_score"] == min(p["score"] for p in doc["pairs"])
    for pair in doc["pairs"]:
        for side in ("eu", "partner"):
            assert set(pair[side]) == {"id", "city", "country"}
            assert isinstance(pair[side]["id"], int)
        assert list(pair["components"]) == ["themes", "region", "language", "size"]
        assert sum(pair["components"].values()) == pytest.approx(pair["score"], abs=1e-12)
        assert isinstance(pair["shared_themes"], list) and isinstance(pair["locked"], bool)
        assert pair["eu_rank"] >= 1 and pair["partner_rank"] >= 1
        for alt in pair["eu_alternatives"] + pair["partner_alternatives"]:
            assert set(alt) == {"id", "city", "country", "score"}
    assert [p["locked"] for p in doc["pairs"]].count(True) == 1
    for item in doc["unmatched"]:
        assert set(item) == {"id", "side", "city", "country", "reason"}
        assert item["side"] in {"eu", "partner"} and item["reason"]

    with_cands = suggest(eu, partners, locks=locks, forbids=forbids, min_score=0.3,
                         with_candidates=True).to_dict("iuc-2019")
    cands = {(c["eu"], c["partner"]): c for c in with_cands["candidates"]}
    assert len(cands) == len(eu) * len(partners)
    assert all(set(c) == {"eu", "partner", "score", "allowed"} for c in cands.values())
    assert cands[locks[0]]["allowed"] is True
    assert cands[forbids[0]]["allowed"] is False
    assert all(not c["allowed"] for c in cands.values()
               if c["score"] < 0.3 and (c["eu"], c["partner"]) != locks[0])


def test_to_dict_of_an_empty_suggestion():
    doc = suggest([], [partner_city(11, "Surat", "IN", ["housing"])]).to_dict("demo")
    assert doc["pairs"] == [] and doc["total_score"] == 0.0 and doc["min_pair_score"] is None
    assert doc["unmatched"] == [{"id": 11, "side": "partner", "city": "Surat", "country": "IN",
                                 "reason": "there is no candidate on the other side"}]


def test_a_thousand_cities_a_side_are_paired_with_distinct_partners():
    rng = random.Random(2019)
    pool = ["inclusion-of-migrants-and-refugees", "air-quality", "urban-poverty", "housing",
            "circular-economy", "jobs-and-skills", "climate-adaptation", "energy-transition",
            "sustainable-land-use", "urban-mobility", "digital-transition",
            "public-procurement", "culture-and-heritage", "security-in-public-spaces",
            "water-and-sanitation", "smart-cities", "sustainable-consumption"]

    def city(key, side):
        c = random_city(rng, key, side, pool=pool, cap2=0.15)
        return City(**{**c.__dict__, "themes": tuple(rng.sample(pool, rng.randint(1, 5)))})

    eu = [city(i, "eu") for i in range(1000)]
    partners = [city(10_000 + i, "partner") for i in range(1000)]
    sug = suggest(eu, partners)  # speed is measured by `make bench`, not asserted here
    assert len(sug.pairs) > 900
    pairs = [(p.eu.key, p.partner.key) for p in sug.pairs]
    assert len(pairs) == len(set(pairs))


def test_the_engine_package_has_small_modules():
    import pathlib

    for path in pathlib.Path(matching.__file__).parent.glob("*.py"):
        assert len(path.read_text(encoding="utf-8").splitlines()) < 400, path.name


def test_the_engine_imports_no_django_and_no_orm():
    import ast
    import pathlib

    modules = set()
    for path in pathlib.Path(matching.__file__).parent.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        modules |= {alias.name.split(".")[0] for node in ast.walk(tree)
                    if isinstance(node, ast.Import) for alias in node.names}
        modules |= {node.module.split(".")[0] for node in ast.walk(tree)
                    if isinstance(node, ast.ImportFrom) and node.module and not node.level}
    assert modules <= {"__future__", "math", "collections", "dataclasses", "typing", "numpy",
                       "scipy"}


@pytest.mark.parametrize("objective", ["max-total", "fair"])
def test_sparse_slot_assignment_agrees_with_the_dense_solver(monkeypatch, objective):
    for seed in range(8):
        rng, eu, partners = random_instance(300 + seed, 30, 25, themes=5, cap2=0.3)
        locks, forbids, min_score = random_constraints(rng, eu, partners)
        kwargs = {"objective": objective, "locks": locks, "forbids": forbids,
                  "min_score": min_score}
        sparse = suggest(eu, partners, **kwargs)
        with monkeypatch.context() as patch:
            patch.setattr(matching.max_total, "_SPARSE", False)
            dense = suggest(eu, partners, **kwargs)
        assert len(sparse.pairs) == len(dense.pairs)
        assert sparse.total_score == pytest.approx(dense.total_score, abs=1e-9)
        check_feasible(sparse, eu, partners, locks, forbids, min_score)
