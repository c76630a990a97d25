"""Stated region/country preferences: they restrict the candidates unless relaxed;
a lock overrides them; "why not?" explains any pair. Engine only, no database."""

import pytest

from pairings.matching import PREFERENCE_PENALTY, City, MatchingConflict, suggest, why_not

THEMES = ["climate-adaptation", "water-and-sanitation"]


def eu(key, name, country, **extra):
    extra.setdefault("themes", tuple(THEMES))
    return City(key=key, side="eu", name=name, country=country, region="eu", **extra)


def partner(key, name, country, region, **extra):
    extra.setdefault("themes", tuple(THEMES))
    return City(key=key, side="partner", name=name, country=country, region=region, **extra)


def pairs(sug):
    return sorted((p.eu.key, p.partner.key) for p in sug.pairs)


@pytest.fixture
def asia_only():
    """Rotterdam asked only for Asia; its best theme match is in Latin America."""
    rotterdam = eu(1, "Rotterdam", "NL", preferred_regions=frozenset({"asia"}))
    recife = partner(11, "Recife", "BR", "latin-america-caribbean")
    surat = partner(12, "Surat", "IN", "asia", themes=("water-and-sanitation",))
    return [rotterdam], [recife, surat]


def test_a_pair_outside_the_eu_citys_preferred_regions_is_no_candidate(asia_only):
    sug = suggest(*asia_only, with_candidates=True)
    assert pairs(sug) == [(1, 12)]
    allowed = {(e, p): ok for e, p, _, ok in sug.candidates}
    assert allowed[(1, 11)] is False


def test_a_pair_outside_the_partners_preferred_countries_is_no_candidate():
    rome = eu(1, "Rome", "IT")
    yantai = partner(11, "Yantai", "CN", "asia", preferred_countries=frozenset({"ES"}))
    sug = suggest([rome], [yantai])
    assert sug.pairs == []
    assert {u.reason for u in sug.unmatched} == {
        "no candidate within both cities' stated preferences"
    }


def test_a_city_without_a_stated_preference_accepts_any_partner():
    sug = suggest([eu(1, "Rome", "IT")], [partner(11, "Recife", "BR", "latin-america-caribbean")])
    assert pairs(sug) == [(1, 11)]
    assert sug.pairs[0].notes == [] and sug.pairs[0].outside_preferences == []


def test_preferred_countries_count_like_preferred_regions():
    almada = eu(1, "Almada", "PT", preferred_countries=frozenset({"BR"}))
    belo = partner(11, "Belo Horizonte", "BR", "latin-america-caribbean",
                   preferred_regions=frozenset({"eu"}))
    austin = partner(12, "Austin", "US", "north-america")
    sug = suggest([almada], [austin, belo], with_candidates=True)
    assert pairs(sug) == [(1, 11)]
    assert {(e, p): ok for e, p, _, ok in sug.candidates}[(1, 12)] is False


def test_relaxed_allows_the_pair_with_a_strong_penalty_and_says_why(asia_only):
    strict = suggest(*asia_only, with_candidates=True)
    raw = {(e, p): s for e, p, s, _ in strict.candidates}
    relaxed = suggest(*asia_only, preferences="relaxed", with_candidates=True)
    penalised = {(e, p): s for e, p, s, _ in relaxed.candidates}
    assert penalised[(1, 11)] == pytest.approx(max(raw[(1, 11)] - PREFERENCE_PENALTY, 0.0))
    assert penalised[(1, 12)] == raw[(1, 12)]  # inside: no penalty
    forced = suggest([asia_only[0][0]], [asia_only[1][0]], preferences="relaxed")
    pair = forced.pairs[0]
    assert pair.components["preference"] < 0
    assert sum(pair.components.values()) == pair.score  # bit for bit
    assert "outside Rotterdam (NL)'s preferred regions" in pair.notes
    doc = forced.to_dict("c")
    assert doc["preferences"] == "relaxed"
    assert doc["pairs"][0]["outside_preferences"][0]["regions"] == ["asia"]


def test_relaxed_prefers_inside_pairs_unless_the_outside_one_is_much_better():
    rotterdam = eu(1, "Rotterdam", "NL", preferred_regions=frozenset({"asia"}))
    recife = partner(11, "Recife", "BR", "latin-america-caribbean")
    surat = partner(12, "Surat", "IN", "asia", themes=("water-and-sanitation",))
    sug = suggest([rotterdam], [recife, surat], preferences="relaxed")
    assert pairs(sug) == [(1, 12)]


def test_a_lock_overrides_the_preferences_and_the_explanation_says_so(asia_only):
    sug = suggest(*asia_only, locks=[(1, 11)])
    assert pairs(sug) == [(1, 11)]
    pair = sug.pairs[0]
    assert pair.locked and [c.key for c in pair.outside_preferences] == [1]
    assert "locked by staff, which overrides the stated preferences" in pair.notes
    assert "preference" not in pair.components  # strict: no penalty, just the lock


def test_unknown_preference_rule_is_refused(asia_only):
    with pytest.raises(ValueError, match="preferences"):
        suggest(*asia_only, preferences="loose")


# ------------------------------------------------------------------ why not?


def test_why_not_names_the_preference_that_excludes_the_pair(asia_only):
    answer = why_not(*asia_only, 1, 11)
    assert answer.reasons == ["outside-preferences"]
    assert [c.name for c in answer.outside_preferences] == ["Rotterdam"]
    assert set(answer.components) == {"themes", "region", "language", "size"}
    assert sum(answer.components.values()) == pytest.approx(answer.score)
    # forcing it would take Surat's place: the total drops by the difference
    assert answer.drop == pytest.approx(answer.total - answer.score)


def test_why_not_for_a_chosen_pair_says_it_is_chosen(asia_only):
    answer = why_not(*asia_only, 1, 12)
    assert answer.reasons == ["chosen"] and answer.drop == 0


def test_why_not_lists_min_score_forbid_and_no_theme():
    rome = eu(1, "Rome", "IT", themes=("air-quality",))
    yantai = partner(11, "Yantai", "CN", "asia", themes=("air-quality",))
    surat = partner(12, "Surat", "IN", "asia", themes=("housing",))
    assert why_not([rome], [yantai, surat], 1, 12).reasons == ["no-shared-theme"]
    assert why_not([rome], [yantai], 1, 11, forbids=[(1, 11)]).reasons == ["forbidden"]
    below = why_not([rome], [yantai], 1, 11, min_score=0.99)
    assert below.reasons == ["below-min-score"] and below.drop == pytest.approx(-below.score)


def test_why_not_capacity_gives_the_exact_drop_of_forcing_the_pair():
    # Bologna–Austin is best alone, but Bologna–Guangzhou + Parma–Austin is worth more
    bologna = eu(1, "Bologna", "IT", themes=("circular-economy", "urban-mobility"))
    parma = eu(2, "Parma", "IT", themes=("circular-economy",))
    austin = partner(11, "Austin", "US", "north-america",
                     themes=("circular-economy", "urban-mobility"))
    guangzhou = partner(12, "Guangzhou", "CN", "asia", themes=("urban-mobility",))
    cities = ([bologna, parma], [austin, guangzhou])
    answer = why_not(*cities, 1, 11)
    assert answer.reasons == ["capacity"]
    assert {p.partner.name for p in answer.eu_partners} == {"Guangzhou"}
    forced = suggest(*cities, locks=[(1, 11)])
    best = suggest(*cities)
    assert answer.drop == pytest.approx(best.total_score - forced.total_score)
    assert answer.drop > 0


def test_why_not_reports_a_pair_that_cannot_even_be_forced():
    rome = eu(1, "Rome", "IT")
    yantai = partner(11, "Yantai", "CN", "asia")
    surat = partner(12, "Surat", "IN", "asia")
    answer = why_not([rome], [yantai, surat], 1, 12, locks=[(1, 11)])
    assert answer.reasons == ["capacity"] and answer.forced_total is None
    assert "Rome (IT)" in answer.conflict
    with pytest.raises(MatchingConflict):
        suggest([rome], [yantai, surat], locks=[(1, 11), (1, 12)])


def test_a_lock_overrides_the_relaxed_penalty_too(asia_only):
    strict = suggest(*asia_only, locks=[(1, 11)]).pairs[0]
    relaxed = suggest(*asia_only, preferences="relaxed", locks=[(1, 11)]).pairs[0]
    assert relaxed.locked and relaxed.components["preference"] == 0.0
    assert relaxed.score == strict.score  # scored as in strict mode
    assert sum(relaxed.components.values()) == relaxed.score
    assert "locked by staff, which overrides the stated preferences" in relaxed.notes
    answer = why_not(*asia_only, 1, 11, preferences="relaxed", locks=[(1, 11)])
    assert answer.score == strict.score


def test_relaxed_keeps_a_good_pair_outside_a_preference_as_a_penalised_candidate():
    """With the call's default minimum score and penalty, a well-matched pair outside
    a stated preference is still suggested when nothing inside is possible."""
    rotterdam = eu(1, "Rotterdam", "NL", preferred_regions=frozenset({"asia"}))
    recife = partner(11, "Recife", "BR", "latin-america-caribbean")
    sug = suggest([rotterdam], [recife], preferences="relaxed", min_score=0.2,
                  with_candidates=True)
    assert pairs(sug) == [(1, 11)]
    pair = sug.pairs[0]
    assert pair.score >= 0.2 and pair.components["preference"] < 0
    assert sum(pair.components.values()) == pair.score
