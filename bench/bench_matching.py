"""Benchmark of the pairing engine (``make bench``; plain script, no pytest).

For 100, 1,000 and 3,000 cities per side with random but realistic applications
(fixed seed; 17 theme slugs, 1-5 themes each, ~15 % capacity 2, random preferences,
languages and populations) it prints: engine time (``suggest``, max-total), peak
memory of a second run under tracemalloc, bare ``linear_sum_assignment`` on the same
score matrix, and the ratio engine / bare. ``--fair`` adds the fair objective.
Engine and bare runs alternate and the best of each is kept, since the machine may be
shared; the load average is printed with the table.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scipy.optimize import linear_sum_assignment  # noqa: E402

from pairings.matching import City, score_matrix, suggest  # noqa: E402

THEMES = [
    "inclusion-of-migrants-and-refugees", "air-quality", "urban-poverty", "housing",
    "circular-economy", "jobs-and-skills", "climate-adaptation", "energy-transition",
    "sustainable-land-use", "urban-mobility", "digital-transition", "public-procurement",
    "culture-and-heritage", "security-in-public-spaces", "water-and-sanitation",
    "smart-cities", "sustainable-consumption",
]
EU_COUNTRIES = "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE"
EU_COUNTRIES = EU_COUNTRIES.split()
PARTNERS = {
    "JP": "asia", "CN": "asia", "IN": "asia", "US": "north-america", "CA": "north-america",
    "MX": "north-america", "BR": "latin-america-caribbean", "AR": "latin-america-caribbean",
    "PE": "latin-america-caribbean", "CL": "latin-america-caribbean",
    "CO": "latin-america-caribbean",
}
REGIONS = ["asia", "north-america", "latin-america-caribbean"]
LANGUAGES = ["en", "es", "pt", "fr", "de", "it", "zh", "ja", "nl", "pl"]


def make_cities(n: int, seed: int = 2019) -> tuple[list[City], list[City]]:
    """n EU and n partner cities, reproducible from the seed."""
    rng = random.Random(seed)

    def common(side: str, i: int, country: str, region: str) -> dict:
        return {
            "key": (0 if side == "eu" else 10**6) + i,
            "side": side,
            "name": f"{side}-city-{i:05d}",
            "country": country,
            "region": region,
            "themes": tuple(rng.sample(THEMES, rng.randint(1, 5))),
            "languages": frozenset(rng.sample(LANGUAGES, rng.randint(1, 3))),
            "population": int(10 ** rng.uniform(5, 7.3)),
            "capacity": 2 if rng.random() < 0.15 else 1,
        }

    eu = []
    for i in range(n):
        prefs = rng.random()
        regions = frozenset(rng.sample(REGIONS, 1)) if prefs < 0.4 else frozenset()
        countries = (
            frozenset(rng.sample(sorted(PARTNERS), 2)) if 0.4 <= prefs < 0.6 else frozenset()
        )
        eu.append(
            City(
                **common("eu", i, rng.choice(EU_COUNTRIES), "eu"),
                preferred_regions=regions,
                preferred_countries=countries,
            )
        )
    partners = []
    for i in range(n):
        country = rng.choice(sorted(PARTNERS))
        prefs = rng.random()
        partners.append(
            City(
                **common("partner", i, country, PARTNERS[country]),
                preferred_regions=frozenset({"eu"}) if prefs < 0.3 else frozenset(),
                preferred_countries=(
                    frozenset(rng.sample(EU_COUNTRIES, 3)) if 0.3 <= prefs < 0.6 else frozenset()
                ),
            )
        )
    return eu, partners


def best_of(repeat: int, fn) -> float:
    times = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def peak_mb(fn) -> float:
    gc.collect()
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[100, 1000, 3000])
    parser.add_argument("--repeat", type=int, default=5, help="runs per size (3,000: a third)")
    parser.add_argument("--seed", type=int, default=2019)
    parser.add_argument("--fair", action="store_true", help="also time objective=fair")
    args = parser.parse_args()

    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"{os.cpu_count()} CPUs, load average {load}; seed {args.seed}")
    header = (
        f"{'cities/side':>11} {'engine s':>9} {'peak MB':>8} {'bare LSA s':>10} "
        f"{'ratio':>6} {'pairs':>6}"
    )
    if args.fair:
        header += f" {'fair s':>7}"
    header += "  solver"
    print(header)
    print("-" * len(header))
    for n in args.sizes:
        eu, partners = make_cities(n, args.seed)
        scores = score_matrix(eu, partners)
        repeat = args.repeat if n <= 1000 else max(1, args.repeat // 3)
        engine_times, bare_times = [], []
        for _ in range(repeat):  # interleaved, best of each: the machine may be shared
            engine_times.append(best_of(1, lambda eu=eu, partners=partners: suggest(eu, partners)))
            bare_times.append(
                best_of(1, lambda s=scores: linear_sum_assignment(s, maximize=True))
            )
        engine_s, bare_s = min(engine_times), min(bare_times)
        del scores
        peak = peak_mb(lambda eu=eu, partners=partners: suggest(eu, partners))
        sug = suggest(eu, partners)
        line = (
            f"{n:>11,} {engine_s:>9.3f} {peak:>8.1f} {bare_s:>10.3f} "
            f"{engine_s / bare_s:>6.2f} {len(sug.pairs):>6}"
        )
        if args.fair:
            fair_s = best_of(
                1, lambda eu=eu, partners=partners: suggest(eu, partners, objective="fair")
            )
            line += f" {fair_s:>7.3f}"
        print(f"{line}  {sug.solver}", flush=True)


if __name__ == "__main__":
    main()
