"""Assessment criteria are programme content: every shipped language, staff-editable."""

import pytest
from django.utils import translation

from assessments.services import set_up_assessment
from tests.factories import CallFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "Expected local impact"), ("es", "Impacto local esperado"),
     ("pt", "Impacto local esperado"), ("fr", "Impact local attendu")],
)
def test_the_default_criteria_read_in_every_language(language, expected):
    scheme = set_up_assessment(call=CallFactory())
    with translation.override(language):
        names = [criterion.name for criterion in scheme.criteria.order_by("position")]
    assert expected in names


def test_a_criterion_without_a_translation_falls_back_to_english():
    scheme = set_up_assessment(call=CallFactory())
    criterion = scheme.criteria.first()
    criterion.name_fr = None
    criterion.save()
    with translation.override("fr"):
        assert type(criterion).objects.get(pk=criterion.pk).name == criterion.name_en
