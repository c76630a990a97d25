"""Nothing about a pairing is public until both cities agreed; each city decides for
itself, on its partnership page, and may change its mind."""

from datetime import date

import pytest

from pairings import services as pairing_services
from pairings.models import Pairing, Publication
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_published_only_when_both_cities_agree(programme):
    hidden = programme["hidden"]
    assert not hidden.is_published
    hidden = pairing_services.set_publication_consent(
        pairing=hidden, application_id=hidden.eu_application_id,
        choice=Publication.WITH_PLAN, by=hidden.eu_application.owner,
    )
    assert not hidden.is_published and hidden.published_at is None
    hidden = pairing_services.set_publication_consent(
        pairing=hidden, application_id=hidden.partner_application_id,
        choice=Publication.PAIRING, by=hidden.partner_application.owner,
    )
    assert hidden.is_published and hidden.published_at is not None


def test_a_city_decides_only_for_itself(programme):
    hidden = programme["hidden"]
    with pytest.raises(pairing_services.PairingError, match="own official"):
        pairing_services.set_publication_consent(
            pairing=hidden, application_id=hidden.partner_application_id,
            choice=Publication.PAIRING, by=hidden.eu_application.owner,
        )
    with pytest.raises(pairing_services.PairingError, match="not part"):
        pairing_services.set_publication_consent(
            pairing=hidden, application_id=programme["published"].eu_application_id,
            choice=Publication.PAIRING, by=UserFactory(is_staff=True),
        )
    with pytest.raises(pairing_services.PairingError, match="Choose"):
        pairing_services.set_publication_consent(
            pairing=hidden, application_id=hidden.eu_application_id,
            choice="everything", by=hidden.eu_application.owner,
        )


def test_a_dissolved_pairing_is_never_published(programme):
    published = programme["published"]
    pairing_services.dissolve_pairing(pairing=published, by=UserFactory(is_staff=True),
                                      reason="The partner left.")
    assert not Pairing.objects.get(pk=published.pk).is_published
    with pytest.raises(pairing_services.PairingError):
        pairing_services.set_publication_consent(
            pairing=published, application_id=published.eu_application_id,
            choice=Publication.PAIRING, by=published.eu_application.owner,
        )


def test_each_choice_is_kept_in_the_history_with_who(programme):
    hidden = programme["hidden"]
    owner = hidden.eu_application.owner
    pairing_services.set_publication_consent(
        pairing=hidden, application_id=hidden.eu_application_id,
        choice=Publication.PAIRING, by=owner,
    )
    latest = hidden.history.order_by("-history_date").first()
    assert latest.eu_publication == Publication.PAIRING and latest.history_user == owner


def test_the_partnership_page_asks_and_saves_the_choice(client, programme):
    hidden = programme["hidden"]
    owner = hidden.eu_application.owner
    client.force_login(owner)
    page = client.get("/partnerships/").content.decode()
    assert "Please tell us whether the public may see this partnership." in page
    response = client.post(f"/partnerships/{hidden.pk}/publication/",
                           {"publication": Publication.WITH_PLAN}, follow=True)
    assert "once your partner city agrees" in response.content.decode()
    assert Pairing.objects.get(pk=hidden.pk).eu_publication == Publication.WITH_PLAN
    # Changeable later.
    client.post(f"/partnerships/{hidden.pk}/publication/", {"publication": "private"})
    assert Pairing.objects.get(pk=hidden.pk).eu_publication == Publication.PRIVATE


def test_nobody_else_can_answer_for_a_city(client, programme):
    hidden = programme["hidden"]
    client.force_login(UserFactory())
    response = client.post(f"/partnerships/{hidden.pk}/publication/", {"publication": "pairing"})
    assert response.status_code == 404
    client.force_login(programme["published"].eu_application.owner)
    response = client.post(f"/partnerships/{hidden.pk}/publication/", {"publication": "pairing"})
    assert response.status_code == 404
    assert Pairing.objects.get(pk=hidden.pk).eu_publication == Publication.UNDECIDED


def test_a_bad_choice_is_refused_with_a_message(client, programme):
    hidden = programme["hidden"]
    client.force_login(hidden.eu_application.owner)
    response = client.post(f"/partnerships/{hidden.pk}/publication/", {"publication": "x"},
                           follow=True)
    assert "Choose what may be published." in response.content.decode()


def test_the_confirmation_email_asks_about_publication(programme, mailoutbox):
    from iuc_portal.mail.models import OutboundEmail
    from iuc_portal.mail.services import deliver_email

    email = OutboundEmail.objects.filter(template="pairings/email/confirmed").first()
    deliver_email(email_id=email.pk)
    bodies = " ".join(m.body for m in mailoutbox)
    assert "may appear in the programme's public catalogue" in bodies


def test_confirming_leaves_the_pairing_unpublished():
    from applications.models import Call  # noqa: F401 - the fixture builds its own call
    from tests.factories import CallFactory
    from tests.pairings.helpers import accepted

    call = CallFactory(partner_countries=["IN"])
    eu = accepted(call, "Delft", "NL", ["housing"], owner=UserFactory())
    partner = accepted(call, "Pune", "IN", ["housing"], owner=UserFactory())
    pairing = pairing_services.confirm_pairing(
        call=call, eu_application_id=eu.pk, partner_application_id=partner.pk,
        by=UserFactory(is_staff=True), start_date=date(2025, 1, 1),
    )
    assert pairing.eu_publication == pairing.partner_publication == Publication.UNDECIDED
    assert not pairing.is_published
