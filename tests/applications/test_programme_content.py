"""Programme content (calls, themes, regions, milestone titles) reads in the visitor's
language, translated by staff, falling back to English."""

from datetime import date

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from action_plans.models import LocalActionPlan
from applications.models import Call, Region, Theme
from pairings import services as pairing_services
from tests.factories import CallFactory, UserFactory
from tests.pairings.helpers import accepted

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "housing", "asia"),
    [("es", "Vivienda", "Asia"), ("pt", "Habitação", "Ásia"), ("fr", "Logement", "Asie")],
)
def test_reference_themes_and_regions_have_every_shipped_language(language, housing, asia):
    with translation.override(language):
        assert str(Theme.objects.get(slug="housing")) == housing
        assert str(Region.objects.get(slug="asia")) == asia


def test_content_without_a_translation_falls_back_to_english():
    theme = Theme.objects.create(slug="night-economy", name_en="Night economy", sdg=8)
    with translation.override("fr"):
        assert str(Theme.objects.get(pk=theme.pk)) == "Night economy"


def test_a_new_call_starts_with_the_milestone_template_written_in_each_language():
    call = CallFactory()
    assert call.milestone_template_en[3]["title"] == "Return study visit"
    assert call.milestone_template_es[3]["title"] == "Visita de estudio de regreso"
    assert call.milestone_template_fr[3]["title"] == "Visite d’étude retour"
    assert [m["month"] for m in call.milestone_template_pt] == [0, 1, 3, 5, 6, 9, 12, 15, 18]


def _plan(call):
    owner = UserFactory(language="es")
    eu = accepted(call, "Almada", "PT", ["urban-mobility"], owner=owner)
    partner = accepted(call, "Belo Horizonte", "BR", ["urban-mobility"], owner=UserFactory())
    pairing = pairing_services.confirm_pairing(
        call=call, eu_application_id=eu.pk, partner_application_id=partner.pk,
        by=UserFactory(is_staff=True), start_date=date(2025, 1, 1),
    )
    return owner, LocalActionPlan.objects.get(pairing=pairing, application=eu)


def test_plan_milestones_carry_the_title_of_each_language_of_the_call_template():
    call = CallFactory(partner_countries=["BR"])
    owner, plan = _plan(call)
    first = plan.milestones.order_by("month").first()
    assert (first.title_en, first.title_pt) == (
        "Partnership agreement signed, kick-off", "Acordo de parceria assinado, lançamento"
    )


def test_a_staff_edited_translation_reaches_new_plans_and_a_mismatched_one_falls_back():
    call = CallFactory(partner_countries=["BR"])
    call.milestone_template_en = [{"month": 0, "title": "Kick-off"},
                                  {"month": 2, "title": "Visit"}]
    call.milestone_template_es = [{"month": 0, "title": "Arranque"},
                                  {"month": 2, "title": "Visita"}]
    call.milestone_template_fr = [{"month": 0, "title": "Lancement"}]  # out of step: ignored
    call.save()
    _owner, plan = _plan(call)
    titles = list(plan.milestones.order_by("month").values_list("title_es", "title_fr"))
    assert titles == [("Arranque", None), ("Visita", None)]
    with translation.override("fr"):
        assert plan.milestones.order_by("month").first().title == "Kick-off"


def test_the_plan_page_shows_milestone_titles_in_the_visitors_language(client):
    call = CallFactory(partner_countries=["BR"])
    owner, plan = _plan(call)
    client.force_login(owner)
    client.cookies["django_language"] = "es"
    html = client.get(reverse("action_plans:detail", args=[plan.pk])).content.decode()
    assert "Primera visita de estudio" in html
    assert "First study visit" not in html


def test_demo_calls_read_in_every_language():
    call_command("seed_demo", "--force", verbosity=0)
    with translation.override("fr"):
        assert Call.objects.get(slug="demo").name == "Appel de démonstration (ouvert)"
    with translation.override("es"):
        assert Call.objects.get(slug="iuc-2019").name == "Convocatoria IUC para ciudades 2019"


@pytest.mark.parametrize("model", ["call", "theme", "region"])
def test_staff_edit_programme_content_in_every_language_in_the_admin(admin_client, model):
    html = admin_client.get(reverse(f"admin:applications_{model}_add")).content.decode()
    for language in ("en", "es", "pt", "fr"):
        assert f'name="name_{language}"' in html
