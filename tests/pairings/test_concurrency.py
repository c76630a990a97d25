"""Two staff confirm overlapping pairs at the same moment: one wins, one is refused."""

import threading

import pytest
from django.db import connection, connections

from pairings import services
from pairings.models import Pairing
from tests.conftest import require
from tests.factories import CallFactory, UserFactory
from tests.pairings.helpers import accepted


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_overlapping_confirmations_at_the_same_moment_give_one_success_one_refusal():
    require(connection.vendor == "postgresql", "row locks need PostgreSQL")
    call = CallFactory(partner_countries=["IN", "CN"])
    rotterdam = accepted(call, "Rotterdam", "NL", ["climate-adaptation"])
    surat = accepted(call, "Surat", "IN", ["climate-adaptation"])
    yantai = accepted(call, "Yantai", "CN", ["climate-adaptation"])
    staff = [UserFactory(is_staff=True), UserFactory(is_staff=True)]

    start = threading.Barrier(2)
    outcomes = {}

    def confirm(name, partner, by):
        try:
            start.wait(timeout=10)
            services.confirm_pairing(
                call=call, eu_application_id=rotterdam.pk, partner_application_id=partner.pk, by=by
            )
            outcomes[name] = "confirmed"
        except services.PairingError as error:
            outcomes[name] = error.message
        finally:
            connections.close_all()  # each thread has its own connection

    threads = [
        threading.Thread(target=confirm, args=("surat", surat, staff[0])),
        threading.Thread(target=confirm, args=("yantai", yantai, staff[1])),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert list(outcomes.values()).count("confirmed") == 1
    refusal = next(v for v in outcomes.values() if v != "confirmed")
    assert "Rotterdam (NL) already has the 1 partner(s) it asked for" in refusal
    assert Pairing.objects.filter(eu_application=rotterdam).count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_staff_confirming_the_very_same_pair_give_one_pairing():
    require(connection.vendor == "postgresql", "row locks need PostgreSQL")
    call = CallFactory(partner_countries=["US"])
    bologna = accepted(call, "Bologna", "IT", ["climate-adaptation"], capacity=2)
    austin = accepted(call, "Austin", "US", ["climate-adaptation"], capacity=2)
    staff = UserFactory(is_staff=True)
    start = threading.Barrier(2)
    outcomes = []

    def confirm():
        try:
            start.wait(timeout=10)
            services.confirm_pairing(
                call=call, eu_application_id=bologna.pk, partner_application_id=austin.pk, by=staff
            )
            outcomes.append("confirmed")
        except services.PairingError as error:
            outcomes.append(error.message)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=confirm) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert outcomes.count("confirmed") == 1
    assert any("already paired" in outcome for outcome in outcomes)
    assert Pairing.objects.filter(eu_application=bologna).count() == 1
