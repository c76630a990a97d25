"""The form's application is read by queries compiled once per worker
(applications.selectors.application_to_edit): it must answer exactly as the queryset
it stands for, `applications_to_edit(user, section)`, for every official."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext

from applications import selectors, services
from tests.factories import CallFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def call():
    return CallFactory(slug="demo", partner_countries=["BR"])


def group_draft(call, owner, city="Eindhoven"):
    return services.start_application(
        call=call, by=owner, country="NL", city_name=city,
        changes={"is_group": True, "population": None},
        members=[("Veldhoven", 45_000), ("Best", 30_000)],
    )


def snapshot(application):
    return (application.pk, application.owner_id, application.call.slug, application.city_name,
            [(m.name, m.population) for m in application.municipalities.all()])


@pytest.mark.parametrize("section", ["city", "contact", "themes", "preferences", "commitment"])
def test_the_owner_gets_the_same_application_and_members_as_the_queryset(call, section):
    owner = UserFactory()
    draft = group_draft(call, owner)
    expected = selectors.applications_to_edit(owner, section).get(pk=draft.pk)
    assert snapshot(selectors.application_to_edit(owner, draft.pk, section)) == snapshot(expected)


def test_officials_asking_in_turn_each_get_only_their_own(call):
    first, second = UserFactory(), UserFactory()
    mine, theirs = group_draft(call, first, "Eindhoven"), group_draft(call, second, "Delft")
    for _ in range(2):
        assert selectors.application_to_edit(first, mine.pk, "city").city_name == "Eindhoven"
        assert selectors.application_to_edit(second, mine.pk, "city") is None
        assert selectors.application_to_edit(second, theirs.pk, "city").city_name == "Delft"
        assert selectors.application_to_edit(first, theirs.pk, "city") is None


def test_no_application_for_an_anonymous_visitor_or_an_unknown_id(call):
    draft = group_draft(call, UserFactory())
    assert selectors.application_to_edit(AnonymousUser(), draft.pk, "city") is None
    assert selectors.application_to_edit(draft.owner, draft.pk + 1000, "city") is None


def test_a_changed_member_list_shows_at_once(call):
    owner = UserFactory()
    draft = group_draft(call, owner)
    draft.municipalities.filter(name="Best").delete()
    members = selectors.application_to_edit(owner, draft.pk, "city").municipalities.all()
    assert [m.name for m in members] == ["Veldhoven"]


def test_the_members_need_no_query_after_the_lookup(call):
    owner = UserFactory()
    draft = group_draft(call, owner)
    application = selectors.application_to_edit(owner, draft.pk, "city")
    with CaptureQueriesContext(connection) as captured:
        assert len(application.municipalities.all()) == 2
    assert len(captured) == 0
