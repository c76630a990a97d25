
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from action_plans.models import LocalActionPlan, Milestone
from pairings import services as pairing_services
from tests.factories import CallFactory, UserFactory
from tests.pairings.helpers import accepted

pytestmark = pytest.mark.django_db


def plan_urls(plan, milestone, evidence, pilot):
    pk = plan.pk
    return [
        reverse("action_plans:detail", args=[pk]),
        reverse("action_plans:sections", args=[pk]),
        reverse("action_plans:add_milestone", args=[pk]),
        reverse("action_plans:milestone", args=[pk, milestone.pk]),
        reverse("action_plans:update_milestone", args=[pk, milestone.pk]),
        reverse("action_plans:evidence", args=[pk, evidence.pk]),
        reverse("action_plans:add_pilot", args=[pk]),
        reverse("action_plans:edit_pilot", args=[pk, pilot.pk]),
        reverse("action_plans:add_mou", args=[pk]),
        reverse("action_plans:pdf", args=[pk]),
        reverse("action_plans:pdf_status", args=[pk]),
        reverse("action_plans:prepare_pdf", args=[pk]),
    ]


def test_every_plan_url_is_refused_to_an_unrelated_city(client, pair):
    owners, plan, milestone, evidence, pilot = pair
    client.force_login(UserFactory())
    for url in plan_urls(plan, milestone, evidence, pilot):
        assert client.get(url).status_code in {404, 405}, url
        assert client.post(url, {"title": "x", "status": "done", "progress": 100}).status_code \
            == 404, url
    milestone.refresh_from_db()
    assert milestone.status == "not_started"


def test_the_partner_reads_but_every_change_is_refused(client, pair):
    owners, plan, milestone, evidence, pilot = pair
    client.force_login(owners["surat"])
    assert client.get(reverse("action_plans:detail", args=[plan.pk])).status_code == 200
    assert client.get(reverse("action_plans:evidence", args=[plan.pk, evidence.pk])) \
        .status_code == 200
    for name, args in [("update_milestone", [plan.pk, milestone.pk]),
                       ("sections", [plan.pk]), ("add_pilot", [plan.pk]),
                       ("edit_pilot", [plan.pk, pilot.pk]), ("add_mou", [plan.pk]),
                       ("add_milestone", [plan.pk])]:
        response = client.post(reverse(f"action_plans:{name}", args=args),
                               {"title": "x", "status": "done", "progress": 100})
        assert response.status_code == 403, name
    html = client.get(reverse("action_plans:detail", args=[plan.pk])).content.decode()
    assert "only its own officials can change it" in html
    assert "Add a pilot project" not in html


def test_evidence_cannot_be_reached_through_another_plan(client, pair):
    owners, plan, milestone, evidence, pilot = pair
    other_call = CallFactory(partner_countries=["IN"])
    mine = accepted(other_call, "Lyon", "FR", ["housing"], owner=owners["surat"])
    theirs = accepted(other_call, "Pune", "IN", ["housing"])
    pairing = pairing_services.confirm_pairing(call=other_call, eu_application_id=mine.pk,
                                               partner_application_id=theirs.pk,
                                               by=UserFactory())
    own_plan = LocalActionPlan.objects.get(pairing=pairing, application=mine)
    client.force_login(owners["surat"])
    url = reverse("action_plans:evidence", args=[own_plan.pk, evidence.pk])
    assert client.get(url).status_code == 404


def test_the_owner_updates_a_milestone_in_place(client, pair):
    owners, plan, milestone, evidence, pilot = pair
    client.force_login(owners["rotterdam"])
    response = client.post(
        reverse("action_plans:update_milestone", args=[plan.pk, milestone.pk]),
        {f"m{milestone.pk}-status": "in_progress", f"m{milestone.pk}-progress": "40",
         f"m{milestone.pk}-note": "Draft ready"},
    )
    assert response.status_code == 302 and response.url.endswith(f"#milestone-{milestone.pk}")
    milestone.refresh_from_db()
    assert (milestone.status, milestone.progress, milestone.note) == ("in_progress", 40,
                                                                       "Draft ready")


@pytest.mark.parametrize("progress", ["-5", "101", "abc", "", "1e9"])
def test_bad_milestone_input_is_refused_with_a_message_not_a_500(client, pair, progress):
    owners, plan, milestone, evidence, pilot = pair
    client.force_login(owners["rotterdam"])
    response = client.post(
        reverse("action_plans:update_milestone", args=[plan.pk, milestone.pk]),
        {f"m{milestone.pk}-status": "done", f"m{milestone.pk}-progress": progress},
        follow=True,
    )
    assert response.status_code == 200
    assert "was not saved" in response.content.decode()


def test_the_timeline_is_drawn_on_the_server_with_today_and_late_milestones(client, pair):
    owners, plan, *_ = pair
    client.force_login(owners["rotterdam"])
    html = client.get(reverse("action_plans:detail", args=[plan.pk])).content.decode()
    assert '<svg viewBox="0 0 1000 130"' in html
    assert "(late)" in html  # the past milestones of a plan started in January 2025
    assert "<script>" not in html


# --- the page's cached parts (action_plans.fragments) ------------------------------


def _detail(client, plan, **headers):
    return client.get(reverse("action_plans:detail", args=[plan.pk]), **headers) \
        .content.decode()


def test_a_change_made_anywhere_shows_at_once_on_the_plan_page(client, pair):
    owners, plan, milestone, evidence, pilot = pair
    client.force_login(owners["rotterdam"])
    _detail(client, plan)  # the milestones, timeline and partner's plan are cached now
    # A write that bypasses the services (the admin, another worker): no invalidation.
    Milestone.objects.filter(pk=milestone.pk).update(title_en="Kick-off with the mayors",
                                                     progress=70, note="Signed at last")
    partner = LocalActionPlan.objects.exclude(pk=plan.pk).get(pairing=plan.pairing)
    partner.milestones.filter(month=0).update(status="done", progress=100)
    html = _detail(client, plan)
    assert html.count("Kick-off with the mayors") == 4  # list, update form, timeline twice
    assert "70%" in html and "Signed at last" in html
    assert re.search(r"<li>[^<]* — Done \(100%\)</li>", html)  # the partner's milestone


def test_the_partner_never_gets_the_owners_cached_update_forms(client, pair):
    owners, plan, *_ = pair
    client.force_login(owners["rotterdam"])
    assert "Update “" in _detail(client, plan)
    client.force_login(owners["surat"])
    html = _detail(client, plan)
    assert "Update “" not in html and 'name="csrfmiddlewaretoken"' in html  # sign-out form
    assert f'action="/plans/{plan.pk}/milestones/' not in html


def test_a_cached_update_form_carries_the_readers_own_csrf_token(pair):
    owners, plan, milestone, *_ = pair
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    first.force_login(owners["rotterdam"])
    _detail(first, plan)  # fills the cache
    second.force_login(owners["rotterdam"])
    html = _detail(second, plan)
    form = re.search(rf'action="/plans/{plan.pk}/milestones/{milestone.pk}/update/"[^>]*>'
                     r'<input type="hidden" name="csrfmiddlewaretoken" value="([^"]+)">', html)
    assert form and "placeholder" not in form.group(1)
    response = second.post(
        reverse("action_plans:update_milestone", args=[plan.pk, milestone.pk]),
        {"csrfmiddlewaretoken": form.group(1), f"m{milestone.pk}-status": "in_progress",
         f"m{milestone.pk}-progress": "30"},
    )
    assert response.status_code == 302
    milestone.refresh_from_db()
    assert milestone.progress == 30


def test_each_language_gets_its_own_cached_parts(client, pair):
    owners, plan, *_ = pair
    client.force_login(owners["rotterdam"])
    _detail(client, plan, HTTP_ACCEPT_LANGUAGE="en")
    html = _detail(client, plan, HTTP_ACCEPT_LANGUAGE="es")
    with translation.override("es"):
        for text in (gettext("Timeline of the plan"), gettext("Not started"), gettext("Save")):
            assert text in html, text
    assert "Timeline of the plan" not in html


def test_the_plan_header_names_the_partner_countries_in_the_readers_language(client, pair):
    owners, plan, *_rest = pair
    client.force_login(owners["rotterdam"])
    html = client.get(f"/plans/{plan.pk}/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Rotterdam (Pays-Bas) – Surat (Inde)" in html
    assert "Rotterdam (NL)" not in html


def test_a_milestone_due_before_the_start_reads_as_preparation_not_month_zero(client, pair):
    from datetime import timedelta

    from action_plans import services as plan_services

    owners, plan, *_rest = pair
    early = plan_services.add_milestone(plan=plan, by=owners["rotterdam"], title="Kick-off prep",
                                        due_date=plan.start_date - timedelta(days=40))
    client.force_login(owners["rotterdam"])
    html = client.get(f"/plans/{plan.pk}/").content.decode()
    item = html.split(f'id="milestone-{early.pk}"')[1].split("</li>")[0]
    assert "Before the start" in item and "Month 0" not in item
    page = client.get(f"/plans/{plan.pk}/milestones/{early.pk}/").content.decode()
    assert "Before the start" in page
