"""A group of municipalities lists any number of members (real groups have 7–10),
adding and removing rows with JavaScript and without it."""

import pytest
from django.urls import reverse

from applications.forms import MAX_MEMBERS
from applications.models import Application
from tests.factories import CallFactory, UserFactory

pytestmark = pytest.mark.django_db


def _city(**extra):
    return {"country": "NL", "city_name": "Foodvalley", "is_group": "1", **extra}


def _members(rows, total=None, deleted=()):
    data = {"members-TOTAL_FORMS": str(total if total is not None else len(rows)),
            "members-INITIAL_FORMS": "0", "members-MIN_NUM_FORMS": "0",
            "members-MAX_NUM_FORMS": "1000"}
    for index, (name, population) in enumerate(rows):
        data[f"members-{index}-name"] = name
        data[f"members-{index}-population"] = str(population)
        if index in deleted:
            data[f"members-{index}-DELETE"] = "on"
    return data


@pytest.fixture
def official(client):
    CallFactory(slug="demo", partner_countries=["BR"])
    user = UserFactory()
    client.force_login(user)
    return user


def test_adding_a_row_without_javascript_keeps_what_was_typed_and_adds_one(client, official):
    rows = [("Ede", 60000), ("Wageningen", 40000), ("Barneveld", 60000)]
    response = client.post(reverse("applications:start", args=["demo"]),
                           {**_city(), **_members(rows), "add_member": "1"})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="members-3-name"' in html
    assert 'value="Barneveld"' in html and 'value="Foodvalley"' in html
    assert "This field is required" not in html
    assert not Application.objects.exists()


def test_adding_rows_again_and_again_grows_the_list_each_time(client, official):
    rows = [(f"Member {n}", 20000) for n in range(1, 7)]
    response = client.post(reverse("applications:start", args=["demo"]),
                           {**_city(), **_members(rows), "add_member": "1"})
    assert 'name="members-6-name"' in response.content.decode()


def test_a_group_of_eight_members_is_saved_with_every_member(client, official):
    rows = [(f"Member {n}", 20000) for n in range(1, 9)]
    response = client.post(reverse("applications:start", args=["demo"]),
                           {**_city(), **_members(rows), "continue": "1"})
    assert response.status_code == 302
    application = Application.objects.get()
    assert sum(application.municipalities.values_list("population", flat=True)) == 160_000


def test_a_ticked_remove_box_leaves_that_member_out(client, official):
    rows = [("Ede", 60000), ("Wageningen", 40000), ("Barneveld", 60000)]
    client.post(reverse("applications:start", args=["demo"]),
                {**_city(), **_members(rows, deleted={1}), "continue": "1"})
    names = set(Application.objects.get().municipalities.values_list("name", flat=True))
    assert names == {"Ede", "Barneveld"}


def test_more_members_than_the_maximum_is_refused_with_a_message(client, official):
    rows = [(f"Member {n}", 20000) for n in range(1, MAX_MEMBERS + 2)]
    response = client.post(reverse("applications:start", args=["demo"]),
                           {**_city(), **_members(rows), "continue": "1"})
    assert response.status_code == 200
    assert not Application.objects.exists()


def test_a_garbled_row_count_adds_a_row_without_failing(client, official):
    response = client.post(reverse("applications:start", args=["demo"]),
                           {**_city(), "members-TOTAL_FORMS": "many", "add_member": "1"})
    assert response.status_code == 200


def test_each_click_on_add_another_adds_one_more_empty_row(client, official):
    """Without JavaScript: three members and the empty row a first click gave, then a
    second click, gives two empty rows (it gave one, whatever the clicks)."""
    rows = [("Ede", 60000), ("Wageningen", 40000), ("Barneveld", 60000), ("", "")]
    html = client.post(reverse("applications:start", args=["demo"]),
                       {**_city(), **_members(rows), "add_member": "1"}).content.decode()
    assert 'name="members-4-name"' in html and 'name="members-5-name"' not in html
    assert 'value="Barneveld"' in html
