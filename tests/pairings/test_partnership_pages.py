import pytest
from django.urls import reverse

from pairings import services
from tests.factories import CallFactory, UserFactory
from tests.pairings.helpers import accepted

pytestmark = pytest.mark.django_db


@pytest.fixture
def paired(client):
    call = CallFactory(partner_countries=["IN", "CN"])
    officials = {name: UserFactory() for name in ("rotterdam", "surat", "rome", "yantai")}
    apps = {
        "rotterdam": accepted(
            call, "Rotterdam", "NL", ["climate-adaptation"], owner=officials["rotterdam"]
        ),
        "surat": accepted(call, "Surat", "IN", ["climate-adaptation"], owner=officials["surat"]),
        "rome": accepted(call, "Rome", "IT", ["air-quality"], owner=officials["rome"]),
        "yantai": accepted(call, "Yantai", "CN", ["air-quality"], owner=officials["yantai"]),
    }
    staff = UserFactory(is_staff=True)
    for eu, partner in [("rotterdam", "surat"), ("rome", "yantai")]:
        services.confirm_pairing(
            call=call,
            eu_application_id=apps[eu].pk,
            partner_application_id=apps[partner].pk,
            by=staff,
        )
    return officials, apps


def test_both_cities_see_their_partner_with_profile_and_contact(client, paired):
    officials, apps = paired
    for own, partner in [("rotterdam", "surat"), ("surat", "rotterdam")]:
        client.force_login(officials[own])
        html = client.get(reverse("pairings:partnerships")).content.decode()
        assert apps[partner].city_name in html
        assert apps[partner].contact_email in html


def test_a_city_never_sees_another_pairs_data(client, paired):
    officials, apps = paired
    client.force_login(officials["rotterdam"])
    html = client.get(reverse("pairings:partnerships")).content.decode()
    assert "Yantai" not in html and apps["yantai"].contact_email not in html
    assert "Rome" not in html


def test_a_city_without_a_partner_is_told_what_happens_next(client):
    client.force_login(UserFactory())
    html = client.get(reverse("pairings:partnerships")).content.decode()
    assert "no confirmed partner city yet" in html


def test_staff_suggestion_pages_are_closed_to_city_officials(client, paired):
    officials, _ = paired
    client.force_login(officials["rotterdam"])
    for url in ["/admin/pairings/matchrun/", "/admin/pairings/pairing/"]:
        response = client.get(url)
        assert response.status_code == 302 and "/admin/login/" in response.url


def test_staff_run_lock_rerun_and_confirm_through_the_admin(client, paired):
    from django.contrib.auth.models import Group

    from pairings.models import MatchRun, PairDecision, Pairing

    officials, apps = paired
    call = apps["rotterdam"].call
    bologna = accepted(call, "Bologna", "IT", ["air-quality"])
    austin = accepted(call, "Austin", "US", ["air-quality"])
    call.partner_countries = ["IN", "CN", "US"]
    call.save()
    staff = UserFactory(is_staff=True)
    staff.groups.add(Group.objects.get(name="Programme staff"))
    client.force_login(staff)

    response = client.post(
        reverse("admin:pairings_matchrun_suggest", args=[call.slug]), {"objective": "max-total"}
    )
    run = MatchRun.objects.latest("created_at")
    assert response.url == reverse("admin:pairings_matchrun_review", args=[run.pk])
    page = client.get(response.url).content.decode()
    assert "Bologna (IT)" in page and "Austin (US)" in page and "Shared themes" in page

    client.post(
        reverse("admin:pairings_matchrun_decide", args=[run.pk]),
        {"eu": bologna.pk, "partner": austin.pk, "kind": "lock"},
    )
    assert PairDecision.objects.get().kind == "lock"
    client.post(reverse("admin:pairings_matchrun_rerun", args=[run.pk]))
    rerun = MatchRun.objects.latest("created_at")
    assert rerun.result["pairs"][0]["locked"] is True

    client.post(reverse("admin:pairings_matchrun_confirm", args=[rerun.pk]), {"all": "1"})
    assert Pairing.objects.filter(
        eu_application=bologna, partner_application=austin, status="confirmed"
    ).exists()


def test_malformed_admin_posts_get_400_not_500(client, paired):
    from django.contrib.auth.models import Group

    officials, apps = paired
    staff = UserFactory(is_staff=True)
    staff.groups.add(Group.objects.get(name="Programme staff"))
    client.force_login(staff)
    run = services.run_matching(call=apps["rome"].call, by=staff).run
    response = client.post(
        reverse("admin:pairings_matchrun_confirm", args=[run.pk]),
        {"eu": "x", "partner": "<script>"},
    )
    assert response.status_code == 400


def test_a_paired_applications_page_points_to_the_partner(client, paired):
    officials, apps = paired
    client.force_login(officials["rotterdam"])
    html = client.get(reverse("applications:detail", args=[apps["rotterdam"].pk])).content
    assert b"See your partner city" in html
    assert b"Withdraw the application" not in html  # a confirmed pairing holds the city


def test_the_partners_publication_choice_reads_as_theirs_not_ours(client, paired):
    officials, apps = paired
    from pairings.models import Pairing

    rotterdam_surat = Pairing.objects.get(eu_application=apps["rotterdam"])
    services.set_publication_consent(pairing=rotterdam_surat, application_id=apps["surat"].pk,
                                     choice="with_plan", by=officials["surat"])
    client.force_login(officials["rotterdam"])
    html = client.get(reverse("pairings:partnerships")).content.decode()
    assert "Surat: Publishes the partnership and a summary of its plan." in html
    assert "summary of our plan." not in html.split("Surat:")[1]
