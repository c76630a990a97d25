import json

import pytest
from django.core.management import CommandError, call_command

from applications.models import ApplicationStatus
from iuc_portal.mail.models import OutboundEmail
from pairings import services
from pairings.models import MatchRun, PairDecision, Pairing, PairingStatus
from pairings.signals import pairing_confirmed
from tests.factories import CallFactory, UserFactory
from tests.pairings.helpers import accepted

pytestmark = pytest.mark.django_db


@pytest.fixture
def call():
    return CallFactory(slug="c2019", partner_countries=["IN", "CN", "US", "BR"])


@pytest.fixture
def cities(call):
    return {
        "rotterdam": accepted(
            call,
            "Rotterdam",
            "NL",
            ["climate-adaptation", "water-and-sanitation"],
            owner=UserFactory(),
        ),
        "rome": accepted(call, "Rome", "IT", ["air-quality", "circular-economy"]),
        "surat": accepted(
            call, "Surat", "IN", ["climate-adaptation", "water-and-sanitation"], owner=UserFactory()
        ),
        "yantai": accepted(call, "Yantai", "CN", ["air-quality", "circular-economy"]),
    }


def confirm(call, eu, partner, by=None):
    return services.confirm_pairing(
        call=call,
        eu_application_id=eu.pk,
        partner_application_id=partner.pk,
        by=by or UserFactory(is_staff=True),
    )


def test_the_engine_pairs_cities_sharing_themes(call, cities):
    document = services.run_matching(call=call).document
    pairs = {(p["eu"]["city"], p["partner"]["city"]) for p in document["pairs"]}
    assert pairs == {("Rotterdam", "Surat"), ("Rome", "Yantai")}


def test_each_run_is_kept_with_who_parameters_and_result(call, cities):
    staff = UserFactory(is_staff=True)
    services.run_matching(call=call, by=staff, objective="fair", min_score=0.3)
    run = MatchRun.objects.get()
    assert run.created_by == staff and run.objective == "fair"
    assert run.parameters["min_score"] == 0.3
    assert len(run.result["pairs"]) == 2


def test_confirming_pairs_both_cities_emails_both_and_signals(
    call, cities, django_capture_on_commit_callbacks
):
    received = []
    pairing_confirmed.connect(
        lambda sender, pairing, by, **kw: received.append(pairing),
        weak=False,
        dispatch_uid="test-receiver",
    )
    try:
        with django_capture_on_commit_callbacks(execute=True):
            pairing = confirm(call, cities["rotterdam"], cities["surat"])
    finally:
        pairing_confirmed.disconnect(dispatch_uid="test-receiver")
    assert received == [pairing]
    assert pairing.status == PairingStatus.CONFIRMED and pairing.start_date
    for city in ("rotterdam", "surat"):
        cities[city].refresh_from_db()
        assert cities[city].status == ApplicationStatus.PAIRED
    recipients = set(
        OutboundEmail.objects.filter(template="pairings/email/confirmed").values_list(
            "to_email", flat=True
        )
    )
    assert recipients == {cities["rotterdam"].owner.email, cities["surat"].owner.email}
    assert pairing.transitions.get().to_status == PairingStatus.CONFIRMED


def test_a_city_is_never_in_more_pairings_than_it_asked_for(call, cities):
    confirm(call, cities["rotterdam"], cities["surat"])
    with pytest.raises(services.PairingError, match="already has the 1 partner"):
        confirm(call, cities["rotterdam"], cities["yantai"])


def test_a_city_asking_for_two_gets_two_distinct_partners(call, cities):
    bologna = accepted(call, "Bologna", "IT", ["climate-adaptation", "air-quality"], capacity=2)
    confirm(call, bologna, cities["surat"])
    confirm(call, bologna, cities["yantai"])
    assert Pairing.objects.filter(eu_application=bologna).count() == 2


def test_never_twice_with_the_same_partner(call):
    bologna = accepted(call, "Bologna", "IT", ["climate-adaptation"], capacity=2)
    austin = accepted(call, "Austin", "US", ["climate-adaptation"], capacity=2)
    confirm(call, bologna, austin)
    with pytest.raises(services.PairingError, match="already paired"):
        confirm(call, bologna, austin)


def test_dissolving_frees_both_cities_for_a_new_pairing(call, cities):
    pairing = confirm(call, cities["rotterdam"], cities["surat"])
    with pytest.raises(services.PairingError, match="reason"):
        services.dissolve_pairing(pairing=pairing, by=UserFactory(), reason=" ")
    services.dissolve_pairing(pairing=pairing, by=UserFactory(), reason="Surat withdrew")
    cities["rotterdam"].refresh_from_db()
    assert cities["rotterdam"].status == ApplicationStatus.ACCEPTED
    assert confirm(call, cities["rotterdam"], cities["yantai"]).status == PairingStatus.CONFIRMED


def test_a_forbidden_pair_is_never_suggested_nor_confirmed(call, cities):
    services.decide_pair(
        call=call,
        eu_application_id=cities["rotterdam"].pk,
        partner_application_id=cities["surat"].pk,
        kind=PairDecision.Kind.FORBID,
        by=UserFactory(),
    )
    document = services.run_matching(call=call).document
    assert ("Rotterdam", "Surat") not in {
        (p["eu"]["city"], p["partner"]["city"]) for p in document["pairs"]
    }
    with pytest.raises(services.PairingError, match="forbidden"):
        confirm(call, cities["rotterdam"], cities["surat"])


def test_a_saved_lock_is_kept_by_every_later_run(call, cities):
    services.decide_pair(
        call=call,
        eu_application_id=cities["rotterdam"].pk,
        partner_application_id=cities["yantai"].pk,
        kind=PairDecision.Kind.LOCK,
        by=UserFactory(),
    )
    pairs = services.run_matching(call=call).document["pairs"]
    locked = [p for p in pairs if p["locked"]]
    assert [(p["eu"]["city"], p["partner"]["city"]) for p in locked] == [("Rotterdam", "Yantai")]


def test_paired_cities_leave_the_pool_and_half_paired_ones_stay(call, cities):
    bologna = accepted(call, "Bologna", "IT", ["climate-adaptation", "air-quality"], capacity=2)
    confirm(call, cities["rotterdam"], cities["surat"])
    confirm(call, bologna, cities["yantai"])
    eu, partners = services.candidate_cities(call)
    assert {c.name: c.capacity for c in eu} == {"Rome": 1, "Bologna": 1}
    assert partners == []


def test_only_accepted_eligible_applications_are_candidates(call, cities):
    accepted(call, "Draft City", "FR", ["housing"], status=ApplicationStatus.SUBMITTED)
    accepted(call, "Tiny", "DE", ["housing"], has_eligibility_problems=True)
    names = {c.name for side in services.candidate_cities(call) for c in side}
    assert "Draft City" not in names and "Tiny" not in names
    with_submitted = services.candidate_cities(call, include_submitted=True)
    assert "Draft City" in {c.name for c in with_submitted[0]}


# --- the suggest_pairings command (DESIGN.md contract) --------------------------------


def run_command(*args):
    from io import StringIO

    out = StringIO()
    call_command("suggest_pairings", *args, stdout=out)
    return out.getvalue()


def test_command_prints_the_contract_json(call, cities):
    document = json.loads(run_command("--call", "c2019", "--with-candidates"))
    assert set(document) >= {
        "call",
        "objective",
        "total_score",
        "min_pair_score",
        "pairs",
        "unmatched",
        "candidates",
    }
    assert document["call"] == "c2019" and document["objective"] == "max-total"
    for pair in document["pairs"]:
        assert set(pair) >= {"eu", "partner", "score", "components", "shared_themes", "locked"}
        assert set(pair["components"]) == {"themes", "region", "language", "size"}
        assert abs(sum(pair["components"].values()) - pair["score"]) < 1e-9
        assert set(pair["eu"]) == {"id", "city", "country"}
    assert abs(document["total_score"] - sum(p["score"] for p in document["pairs"])) < 1e-9
    assert len(document["candidates"]) == 4  # EU × partner
    assert all(set(c) == {"eu", "partner", "score", "allowed"} for c in document["candidates"])


def test_command_locks_and_forbids_by_application_id(call, cities):
    lock = f"{cities['rotterdam'].pk}:{cities['yantai'].pk}"
    forbid = f"{cities['rome'].pk}:{cities['surat'].pk}"
    document = json.loads(run_command("--call", "c2019", "--lock", lock, "--forbid", forbid))
    pairs = {(p["eu"]["city"], p["partner"]["city"], p["locked"]) for p in document["pairs"]}
    assert ("Rotterdam", "Yantai", True) in pairs
    assert not any(eu == "Rome" and partner == "Surat" for eu, partner, _ in pairs)


def test_command_refuses_an_impossible_request_naming_the_cities(call, cities):
    pair = f"{cities['rotterdam'].pk}:{cities['surat'].pk}"
    with pytest.raises(CommandError, match="Rotterdam") as refused:
        run_command("--call", "c2019", "--lock", pair, "--forbid", pair)
    assert "Surat" in str(refused.value)
    other = f"{cities['rotterdam'].pk}:{cities['yantai'].pk}"
    with pytest.raises(CommandError, match="Rotterdam"):
        run_command("--call", "c2019", "--lock", pair, "--lock", other)


def test_command_rejects_malformed_pairs_and_unknown_calls(call):
    with pytest.raises(CommandError, match="EU_ID:PARTNER_ID"):
        run_command("--call", "c2019", "--lock", "rotterdam-surat")
    with pytest.raises(CommandError, match="No call"):
        run_command("--call", "nope")


def test_the_same_applications_always_give_the_same_answer(call, cities):
    first = json.loads(run_command("--call", "c2019"))
    second = json.loads(run_command("--call", "c2019"))
    assert first == second


def test_an_import_cannot_unpair_a_paired_city(call, cities):
    from applications.importing import import_applications_csv

    confirm(call, cities["rotterdam"], cities["surat"])
    csv_text = (
        "side,city,country,population,themes,contact_name,contact_email\n"
        "eu,Rotterdam,NL,651446,climate-adaptation,Ana,ana@rotterdam.example.eu\n"
    )
    report = import_applications_csv(csv_text, call=call, accept=True, allow_late=True)
    assert not report.ok
    assert "is paired: an import cannot change it" in report.errors[0]
    cities["rotterdam"].refresh_from_db()
    assert cities["rotterdam"].status == ApplicationStatus.PAIRED


@pytest.fixture
def asia_only(call):
    from applications.models import Region

    rotterdam = accepted(call, "Rotterdam", "NL", ["climate-adaptation", "water-and-sanitation"])
    rotterdam.preferred_regions.set([Region.objects.get(slug="asia")])
    recife = accepted(call, "Recife", "BR", ["climate-adaptation", "water-and-sanitation"])
    surat = accepted(call, "Surat", "IN", ["water-and-sanitation"])
    return rotterdam, recife, surat


def run_json(*args):
    return json.loads(run_command(*args))


def test_stated_preferences_restrict_by_default_and_the_command_can_relax_them(call, asia_only):
    rotterdam, recife, surat = asia_only
    strict = run_json("--call", call.slug, "--min-score", "0")
    assert strict["preferences"] == "strict"
    assert [(p["eu"]["id"], p["partner"]["id"]) for p in strict["pairs"]] == [
        (rotterdam.pk, surat.pk)
    ]
    relaxed = run_json(
        "--call", call.slug, "--min-score", "0", "--preferences", "relaxed",
        "--lock", f"{rotterdam.pk}:{recife.pk}",
    )
    pair = relaxed["pairs"][0]
    assert relaxed["preferences"] == "relaxed" and pair["partner"]["id"] == recife.pk
    assert pair["components"]["preference"] == 0.0  # the lock overrides the penalty too
    assert sum(pair["components"].values()) == pytest.approx(pair["score"])
    assert {"themes", "region", "language", "size"} <= set(pair["components"])
    assert MatchRun.objects.latest("created_at").parameters["preferences"] == "relaxed"


def test_the_calls_matching_settings_choose_the_preference_rule(call, asia_only):
    rotterdam, recife, surat = asia_only
    config = services.settings_for(call)
    config.preferences = "relaxed"
    config.save()
    document = services.run_matching(call=call, min_score=0, locks=[(rotterdam.pk, recife.pk)])
    assert document.document["preferences"] == "relaxed"


def test_staff_ask_why_not_for_any_pair_and_see_the_reason(client, call, asia_only):
    from django.contrib.auth.models import Group
    from django.urls import reverse

    rotterdam, recife, surat = asia_only
    staff = UserFactory(is_staff=True)
    staff.groups.add(Group.objects.get(name="Programme staff"))
    client.force_login(staff)
    run = services.run_matching(call=call, by=staff, min_score=0).run
    review = client.get(reverse("admin:pairings_matchrun_review", args=[run.pk])).content.decode()
    assert "Why not?" in review
    url = reverse("admin:pairings_matchrun_why_not", args=[run.pk])
    page = client.get(url, {"eu_application": rotterdam.pk, "partner_application": recife.pk})
    html = page.content.decode()
    assert page.status_code == 200
    assert "outside Rotterdam&#x27;s preferred regions (Asia)" in html
    assert "The total score would drop by" in html
    bad = client.get(url, {"eu_application": "x", "partner_application": "<b>"})
    assert bad.status_code == 200 and "Select a valid choice" in bad.content.decode()
    # an official is never let in
    client.force_login(UserFactory())
    assert client.get(url).status_code == 302
