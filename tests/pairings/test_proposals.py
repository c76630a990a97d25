"""Proposals: both cities accept before a pairing is confirmed."""

import threading
from datetime import timedelta

import pytest
import time_machine
from django.db import connection, connections
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from action_plans.models import LocalActionPlan
from iuc_portal.mail.models import OutboundEmail
from pairings import services
from pairings.models import PairDecision, Pairing, PairingStatus, PairingTransition
from tests.conftest import require
from tests.factories import CallFactory, UserFactory
from tests.pairings.helpers import accepted

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    from django.contrib.auth.models import Group

    call = CallFactory(partner_countries=["IN", "CN", "BR"])
    officials = {
        "rotterdam": UserFactory(language="en"),
        "surat": UserFactory(language="pt"),
        "yantai": UserFactory(language="es"),
        "rome": UserFactory(),
    }
    apps = {
        "rotterdam": accepted(call, "Rotterdam", "NL", ["climate-adaptation"],
                              owner=officials["rotterdam"]),
        "surat": accepted(call, "Surat", "IN", ["climate-adaptation"], owner=officials["surat"],
                          challenges="Monsoon floods", motivation="Learn from Rotterdam"),
        "yantai": accepted(call, "Yantai", "CN", ["climate-adaptation"],
                           owner=officials["yantai"]),
        "rome": accepted(call, "Rome", "IT", ["climate-adaptation"], owner=officials["rome"]),
    }
    staff = UserFactory(is_staff=True, email="staff@iuc.example.eu")
    staff.groups.add(Group.objects.get(name="Programme staff"))
    return call, officials, apps, staff


def propose(world, eu="rotterdam", partner="surat", **kwargs):
    call, _officials, apps, staff = world
    return services.propose_pairing(
        call=call, eu_application_id=apps[eu].pk, partner_application_id=apps[partner].pk,
        by=staff, **kwargs,
    )


def legacy_second_proposal(first, partner):
    """A second open proposal to a city of capacity 1, as could be made before open
    proposals counted toward capacity (the acceptance check still holds then)."""
    return Pairing.objects.create(
        call=first.call, eu_application=first.eu_application, partner_application=partner,
        proposed_at=first.proposed_at, respond_by=first.respond_by,
    )


def test_proposing_emails_both_cities_in_their_language_and_records_history(world):
    _call, officials, _apps, staff = world
    pairing = propose(world)
    assert pairing.status == PairingStatus.PROPOSED
    assert pairing.respond_by - timezone.now() > timedelta(days=13, hours=23)
    sent = OutboundEmail.objects.filter(template="pairings/email/proposed")
    mails = {m.to_email: m for m in sent}
    assert set(mails) == {officials["rotterdam"].email, officials["surat"].email}
    assert mails[officials["surat"].email].language == "pt"
    assert "Surat" in mails[officials["rotterdam"].email].subject
    assert "Asia/Kolkata" in mails[officials["surat"].email].body_text  # city's time zone
    step = PairingTransition.objects.get(pairing=pairing)
    assert (step.to_status, step.by) == ("proposed", staff)


def test_both_cities_see_the_proposal_with_the_partners_public_profile(client, world):
    _call, officials, _apps, _staff = world
    pairing = propose(world)
    client.force_login(officials["rotterdam"])
    dashboard = client.get(reverse("applications:dashboard")).content
    assert b"A partner city is proposed to you" in dashboard
    page = client.get(reverse("pairings:proposal", args=[pairing.pk])).content.decode()
    for text in ["Surat", "Monsoon floods", "Learn from Rotterdam", "Climate adaptation",
                 "You share the theme", "Europe/Amsterdam"]:
        assert text in page
    assert "contact@surat" not in page  # public profile only, no contact before confirming
    client.force_login(officials["surat"])
    page = client.get(reverse("pairings:proposal", args=[pairing.pk])).content.decode()
    assert "Asia/Kolkata" in page


def test_only_the_two_cities_see_or_answer_a_proposal(client, world):
    _call, officials, _apps, staff = world
    pairing = propose(world)
    client.force_login(officials["rome"])
    assert client.get(reverse("pairings:proposal", args=[pairing.pk])).status_code == 404
    assert client.post(reverse("pairings:accept", args=[pairing.pk])).status_code == 404
    with pytest.raises(services.PairingError, match="Only the officials"):
        services.accept_proposal(pairing=pairing, by=staff)
    client.logout()
    assert client.get(reverse("pairings:proposal", args=[pairing.pk])).status_code == 302


def test_both_accept_and_the_pairing_is_confirmed_with_both_plans(client, world):
    _call, officials, apps, _staff = world
    pairing = propose(world)
    client.force_login(officials["rotterdam"])
    client.post(reverse("pairings:accept", args=[pairing.pk]))
    pairing.refresh_from_db()
    assert pairing.status == PairingStatus.PROPOSED
    client.force_login(officials["surat"])
    response = client.post(reverse("pairings:accept", args=[pairing.pk]))
    assert response.url == reverse("pairings:partnerships")
    pairing.refresh_from_db()
    assert pairing.status == PairingStatus.CONFIRMED
    assert LocalActionPlan.objects.filter(pairing=pairing).count() == 2
    notes = list(PairingTransition.objects.filter(pairing=pairing).values_list("note", flat=True))
    assert notes == [
        "proposed to both cities", "Rotterdam accepted", "Surat accepted", "both cities accepted"
    ]
    with pytest.raises(services.PairingError):
        services.accept_proposal(pairing=pairing, by=officials["surat"])


def test_a_decline_needs_a_reason_dissolves_forbids_and_tells_staff(client, world):
    call, officials, apps, staff = world
    pairing = propose(world)
    client.force_login(officials["surat"])
    response = client.post(reverse("pairings:decline", args=[pairing.pk]), {"reason": " "})
    assert response.status_code == 200 and b"This field is required" in response.content
    client.post(reverse("pairings:decline", args=[pairing.pk]), {"reason": "Too far apart"})
    pairing.refresh_from_db()
    assert pairing.status == PairingStatus.DISSOLVED
    forbid = PairDecision.objects.get(eu_application=apps["rotterdam"],
                                      partner_application=apps["surat"])
    assert forbid.kind == "forbid" and forbid.decided_by == officials["surat"]
    told = OutboundEmail.objects.get(template="pairings/email/proposal_declined")
    assert told.to_email == staff.email and "Too far apart" in told.body_text
    # the former partner sees nothing any more
    client.force_login(officials["rotterdam"])
    assert client.get(reverse("pairings:proposal", args=[pairing.pk])).status_code == 404
    assert b"Surat" not in client.get(reverse("applications:dashboard")).content
    assert b"Surat" not in client.get(reverse("pairings:partnerships")).content
    # and the next run respects the forbid
    document = services.run_matching(call=call, min_score=0).document
    assert (apps["rotterdam"].pk, apps["surat"].pk) not in [
        (p["eu"]["id"], p["partner"]["id"]) for p in document["pairs"]
    ]


def test_a_city_never_accepts_beyond_its_capacity(world):
    _call, officials, _apps, _staff = world
    first = propose(world, "rotterdam", "surat")
    second = legacy_second_proposal(first, world[2]["yantai"])
    services.accept_proposal(pairing=first, by=officials["rotterdam"])
    with pytest.raises(services.PairingError, match="already has or has accepted"):
        services.accept_proposal(pairing=second, by=officials["rotterdam"])


def test_one_reminder_three_days_before_the_deadline(world):
    _call, officials, _apps, _staff = world
    pairing = propose(world)
    services.accept_proposal(pairing=pairing, by=officials["rotterdam"])
    assert services.send_proposal_reminders(now=pairing.respond_by - timedelta(days=4)) == 0
    assert services.send_proposal_reminders(now=pairing.respond_by - timedelta(days=3)) == 1
    assert services.send_proposal_reminders(now=pairing.respond_by - timedelta(days=2)) == 0
    reminders = OutboundEmail.objects.filter(template="pairings/email/proposal_reminder")
    # only the city that has not answered
    assert [m.to_email for m in reminders] == [officials["surat"].email]


def test_after_the_deadline_staff_extend_confirm_anyway_or_drop(client, world):
    _call, officials, _apps, staff = world
    late = propose(world, "rotterdam", "surat")
    dropped = propose(world, "rome", "yantai")
    with time_machine.travel(late.respond_by + timedelta(minutes=1)):
        with pytest.raises(services.PairingError, match="deadline"):
            services.accept_proposal(pairing=late, by=officials["rotterdam"])
        client.force_login(staff)
        page = client.get(reverse("admin:pairings_pairing_waiting")).content.decode()
        assert "Rotterdam" in page and "Rome" in page
        settle = "admin:pairings_pairing_settle"
        client.post(reverse(settle, args=[late.pk]), {"action": "extend", "days": "5"})
        late.refresh_from_db()
        assert late.respond_by > timezone.now() + timedelta(days=4)
        response = client.post(reverse(settle, args=[dropped.pk]), {"action": "confirm"})
        dropped.refresh_from_db()
        assert response.status_code == 302 and dropped.status == PairingStatus.PROPOSED
        client.post(reverse(settle, args=[dropped.pk]), {"action": "drop", "reason": "no reply"})
        dropped.refresh_from_db()
        assert dropped.status == PairingStatus.DISSOLVED
        assert client.post(reverse(settle, args=[late.pk]), {"action": "x"}).status_code == 400
    with pytest.raises(services.PairingError, match="can still answer"):
        services.confirm_proposal_anyway(pairing=late, by=staff, reason="agreed by phone")
    late.refresh_from_db()
    with time_machine.travel(late.respond_by + timedelta(minutes=1)):
        services.confirm_proposal_anyway(pairing=late, by=staff, reason="agreed by phone")
    late.refresh_from_db()
    assert late.status == PairingStatus.CONFIRMED
    step = PairingTransition.objects.get(pairing=late, to_status="confirmed")
    assert step.note.endswith("agreed by phone") and step.by == staff


def test_staff_propose_the_whole_suggestion_from_the_admin(client, world):
    call, _officials, _apps, staff = world
    client.force_login(staff)
    run = services.run_matching(call=call, by=staff, min_score=0).run
    url = reverse("admin:pairings_matchrun_propose", args=[run.pk])
    client.post(url, {"all": "1", "days": "10"})
    proposed = Pairing.objects.filter(status=PairingStatus.PROPOSED)
    assert proposed.count() == len(run.result["pairs"]) == 2
    assert client.post(url, {"all": "1", "days": "abc"}).status_code == 400
    page = client.get(reverse("admin:pairings_matchrun_review", args=[run.pk])).content.decode()
    assert "Proposed: waiting for the cities" in page


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_acceptances_at_the_same_moment_never_exceed_capacity():
    require(connection.vendor == "postgresql", "row locks need PostgreSQL")
    call = CallFactory(partner_countries=["IN", "CN"])
    official = UserFactory()
    rotterdam = accepted(call, "Rotterdam", "NL", ["climate-adaptation"], owner=official)
    surat = accepted(call, "Surat", "IN", ["climate-adaptation"])
    yantai = accepted(call, "Yantai", "CN", ["climate-adaptation"])
    staff = UserFactory(is_staff=True)
    first = services.propose_pairing(call=call, eu_application_id=rotterdam.pk,
                                     partner_application_id=surat.pk, by=staff)
    proposals = [first, legacy_second_proposal(first, yantai)]
    start = threading.Barrier(2)
    outcomes = []

    def accept(pairing):
        try:
            start.wait(timeout=10)
            services.accept_proposal(pairing=pairing, by=official)
            outcomes.append("accepted")
        except services.PairingError as error:
            outcomes.append(error.message)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=accept, args=(p,)) for p in proposals]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert outcomes.count("accepted") == 1
    assert any("already has or has accepted" in o for o in outcomes)


def test_the_demo_shows_a_proposal_waiting_for_both_cities():
    from django.core.management import call_command

    call_command("seed_demo", force=True)
    call_command("seed_demo", force=True)  # idempotent
    proposal = Pairing.objects.get(status=PairingStatus.PROPOSED)
    assert str(proposal) == "Almada (PT) – Belo Horizonte (BR)"
    assert proposal.shared_themes and proposal.components  # explained from the run
    assert proposal.eu_application.owner.email == "almada@city.example.eu"
    assert proposal.partner_application.owner.email == "belohorizonte@city.example.eu"
    assert not proposal.answers.exists()


# --- Open proposals use up capacity ------------------------------------------------


def test_a_city_is_never_proposed_beyond_its_capacity(world):
    propose(world, "rotterdam", "surat")
    with pytest.raises(services.PairingError, match="Rotterdam.*open proposals"):
        propose(world, "rotterdam", "yantai")
    assert Pairing.objects.filter(status=PairingStatus.PROPOSED).count() == 1


def test_propose_all_after_a_lock_never_proposes_a_city_twice(client, world):
    call, _officials, apps, staff = world
    client.force_login(staff)
    first = services.run_matching(call=call, by=staff, min_score=0).run
    pairs = {(p["eu"]["id"], p["partner"]["id"]) for p in first.result["pairs"]}
    client.post(reverse("admin:pairings_matchrun_propose", args=[first.pk]), {"all": "1"})
    # staff lock Rotterdam with the partner it was not proposed to, and run again
    other = next(a for a in ("surat", "yantai")
                 if (apps["rotterdam"].pk, apps[a].pk) not in pairs)
    services.decide_pair(call=call, eu_application_id=apps["rotterdam"].pk,
                         partner_application_id=apps[other].pk, kind="lock", by=staff)
    second = services.run_matching(call=call, by=staff, min_score=0).run
    client.post(reverse("admin:pairings_matchrun_propose", args=[second.pk]), {"all": "1"})
    for city in apps.values():
        open_ = Pairing.objects.filter(
            Q(eu_application=city) | Q(partner_application=city),
            status=PairingStatus.PROPOSED,
        )
        assert open_.count() <= city.partners_wanted


def test_a_city_with_an_open_proposal_is_not_free_in_a_suggestion(world):
    call, _officials, apps, _staff = world
    propose(world, "rotterdam", "surat")
    document = services.run_matching(call=call, min_score=0, with_candidates=True).document
    ids = {p[side]["id"] for p in document["pairs"] for side in ("eu", "partner")}
    assert apps["rotterdam"].pk not in ids and apps["surat"].pk not in ids
    assert {(p["eu"]["id"], p["partner"]["id"]) for p in document["pairs"]} == {
        (apps["rome"].pk, apps["yantai"].pk)
    }


def test_confirming_withdraws_the_other_open_proposals_of_a_full_city(world):
    call, officials, apps, staff = world
    apps["surat"].partners_wanted = 2
    apps["surat"].save(update_fields=["partners_wanted"])
    kept = propose(world, "rotterdam", "surat")
    withdrawn = propose(world, "rome", "surat")
    OutboundEmail.objects.all().delete()
    # Rome (capacity 1) is confirmed with Yantai: its proposal with Surat is withdrawn
    services.confirm_pairing(call=call, eu_application_id=apps["rome"].pk,
                             partner_application_id=apps["yantai"].pk, by=staff)
    withdrawn.refresh_from_db()
    kept.refresh_from_db()
    assert withdrawn.status == PairingStatus.DISSOLVED
    assert kept.status == PairingStatus.PROPOSED  # Surat still has room
    step = PairingTransition.objects.get(pairing=withdrawn, to_status="dissolved")
    assert "withdrawn" in step.note and step.by == staff
    assert not PairDecision.objects.filter(
        eu_application=apps["rome"], partner_application=apps["surat"]
    ).exists()  # not a forbid: the pair may be proposed again
    mails = {m.to_email: m for m in OutboundEmail.objects.filter(
        template="pairings/email/proposal_withdrawn")}
    assert set(mails) == {officials["rome"].email, officials["surat"].email}
    assert mails[officials["surat"].email].language == "pt"
    assert "Rome" in mails[officials["surat"].email].subject


def test_a_withdrawn_proposal_no_longer_invites_the_other_city_to_answer(client, world):
    call, officials, apps, staff = world
    apps["surat"].partners_wanted = 2
    apps["surat"].save(update_fields=["partners_wanted"])
    withdrawn = propose(world, "rome", "surat")
    services.confirm_pairing(call=call, eu_application_id=apps["rome"].pk,
                             partner_application_id=apps["yantai"].pk, by=staff)
    client.force_login(officials["surat"])
    assert b"A partner city is proposed to you" not in client.get(
        reverse("applications:dashboard")).content
    assert client.get(reverse("pairings:proposal", args=[withdrawn.pk])).status_code == 404


# --- The review page: confirm all, and a row's own Propose button ------------------


def test_confirm_all_leaves_proposed_pairs_to_the_cities(client, world):
    call, _officials, apps, staff = world
    client.force_login(staff)
    run = services.run_matching(call=call, by=staff, min_score=0).run
    first = run.result["pairs"][0]
    proposed = services.propose_pairing(
        call=call, eu_application_id=first["eu"]["id"],
        partner_application_id=first["partner"]["id"], by=staff, match_run=run,
    )
    page = client.get(reverse("admin:pairings_matchrun_review", args=[run.pk])).content.decode()
    assert "Confirm the 1 unconfirmed pair" in page
    client.post(reverse("admin:pairings_matchrun_confirm", args=[run.pk]), {"all": "1"})
    proposed.refresh_from_db()
    assert proposed.status == PairingStatus.PROPOSED
    assert Pairing.objects.filter(status=PairingStatus.CONFIRMED).count() == 1
    # nor one by one without a reason
    with pytest.raises(services.PairingError, match="proposed to both cities"):
        services.confirm_pairing(call=call, eu_application_id=first["eu"]["id"],
                                 partner_application_id=first["partner"]["id"], by=staff)


def test_a_rows_propose_button_uses_the_answer_days_field(client, world):
    call, _officials, _apps, staff = world
    client.force_login(staff)
    run = services.run_matching(call=call, by=staff, min_score=0).run
    pair = run.result["pairs"][0]
    page = client.get(reverse("admin:pairings_matchrun_review", args=[run.pk])).content.decode()
    button = f'form="propose-form" name="one" value="{pair["eu"]["id"]}:{pair["partner"]["id"]}"'
    assert button in page
    client.post(reverse("admin:pairings_matchrun_propose", args=[run.pk]), {
        "one": f'{pair["eu"]["id"]}:{pair["partner"]["id"]}', "days": "5",
        "pair": [f'{p["eu"]["id"]}:{p["partner"]["id"]}' for p in run.result["pairs"]],
    })
    proposal = Pairing.objects.get(status=PairingStatus.PROPOSED)  # only that row's pair
    assert timedelta(days=4, hours=23) < proposal.respond_by - timezone.now() <= timedelta(days=5)


# --- Locks and forbids added in the admin ---------------------------------------------


def test_an_admin_lock_joins_an_eu_and_a_partner_city_of_its_call_decided_by_the_saver(
    client, world
):
    call, _officials, apps, staff = world
    staff.is_superuser = True
    staff.save()
    client.force_login(staff)
    other_call = CallFactory(partner_countries=["IN"])
    elsewhere = accepted(other_call, "Pune", "IN", ["climate-adaptation"])
    forger = UserFactory(is_staff=True)
    url = reverse("admin:pairings_pairdecision_add")

    def add(eu, partner):
        return client.post(url, {
            "call": call.pk, "eu_application": eu.pk, "partner_application": partner.pk,
            "kind": "lock", "decided_by": forger.pk,
        })

    response = add(apps["surat"], apps["yantai"])  # a partner city as the EU city
    assert response.status_code == 200 and "Choose an EU city here." in response.content.decode()
    response = add(apps["rotterdam"], elsewhere)  # another call's application
    assert response.status_code == 200 and "another call" in response.content.decode()
    assert not PairDecision.objects.exists()
    assert add(apps["rotterdam"], apps["surat"]).status_code == 302
    decision = PairDecision.objects.get()
    assert decision.decided_by == staff  # the person saving, never the posted one
    assert 'name="decided_by"' not in client.get(url).content.decode()  # read-only
    change = reverse("admin:pairings_pairdecision_change", args=[decision.pk])
    assert client.get(change).status_code == 200
    client.post(change, {"kind": "forbid", "decided_by": forger.pk})
    decision.refresh_from_db()
    assert (decision.kind, decision.decided_by) == ("forbid", staff)
    with pytest.raises(services.PairingError, match="EU city"):
        services.decide_pair(call=call, eu_application_id=apps["yantai"].pk,
                             partner_application_id=apps["surat"].pk, kind="lock", by=staff)


# --- Settling, dashboards, the proposal page and the staff e-mail ---------------------


def test_staff_settle_only_an_overdue_proposal_except_extending(client, world):
    _call, _officials, _apps, staff = world
    pairing = propose(world)
    client.force_login(staff)
    settle = reverse("admin:pairings_pairing_settle", args=[pairing.pk])
    client.post(settle, {"action": "drop", "reason": "no reply"})
    client.post(settle, {"action": "confirm", "reason": "agreed by phone"})
    pairing.refresh_from_db()
    assert pairing.status == PairingStatus.PROPOSED
    client.post(settle, {"action": "extend", "days": "20"})
    pairing.refresh_from_db()
    assert pairing.respond_by > timezone.now() + timedelta(days=19)


def test_an_expired_proposal_is_not_listed_as_waiting_for_an_answer(client, world):
    _call, officials, _apps, _staff = world
    pairing = propose(world)
    with time_machine.travel(pairing.respond_by + timedelta(minutes=1)):
        client.force_login(officials["rotterdam"])
        dashboard = client.get(reverse("applications:dashboard")).content.decode()
        assert "A partner city is proposed to you" not in dashboard
        page = client.get(reverse("pairings:partnerships")).content.decode()
        assert "Proposed partners waiting for your answer" not in page
        assert client.get(reverse("pairings:proposal", args=[pairing.pk])).status_code == 200


def test_the_proposal_page_names_languages_and_groups_the_population(client, world):
    _call, officials, apps, _staff = world
    apps["surat"].languages = ["hi", "en"]
    apps["surat"].population = 4_500_000
    apps["surat"].save(update_fields=["languages", "population"])
    pairing = propose(world)
    client.force_login(officials["rotterdam"])
    page = client.get(reverse("pairings:proposal", args=[pairing.pk])).content.decode()
    assert "Hindi, English" in page
    assert "4,500,000" in page


def test_the_plain_text_decline_email_to_staff_is_not_html_escaped(client, world):
    _call, officials, _apps, _staff = world
    pairing = propose(world)
    client.force_login(officials["rotterdam"])
    client.post(reverse("pairings:decline", args=[pairing.pk]),
                {"reason": "Budget < 10k & no staff"})
    mail = OutboundEmail.objects.filter(template="pairings/email/proposal_declined").first()
    assert "Budget < 10k & no staff" in mail.body_text
    assert "&lt;" not in mail.body_text and "&amp;" not in mail.body_text
