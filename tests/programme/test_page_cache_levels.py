"""Where the cache is shared (Redis), each worker keeps its own copy of the public pages
it served (programme.page_cache): the copy is keyed by the data stamp too, so it is never
older than the data, and it lives no longer than the shared entry."""

import time

import pytest
import time_machine
from django.core.cache import caches
from django.test import override_settings
from django.utils import timezone

from applications.models import Call

pytestmark = pytest.mark.django_db

TWO_LEVELS = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                "LOCATION": "default-in-test"},
    "pages": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
              "LOCATION": "shared-in-test"},
    "local": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
              "LOCATION": "worker-in-test"},
}


@pytest.fixture
def two_levels():
    with override_settings(CACHES=TWO_LEVELS):
        caches["pages"].clear()
        caches["local"].clear()
        yield caches["pages"], caches["local"]
        caches["pages"].clear()
        caches["local"].clear()


def public_keys(level):
    return [key for key in level._cache if "public-page" in key]


def test_a_served_page_is_kept_in_the_worker_and_in_the_shared_cache(client, programme,
                                                                        two_levels):
    shared, local = two_levels
    client.get("/programme/")
    assert len(public_keys(shared)) == 1 and len(public_keys(local)) == 1


def test_a_page_another_worker_stored_is_served_and_copied_to_this_worker(client, programme,
                                                                           two_levels):
    shared, local = two_levels
    first = client.get("/programme/").content
    local.clear()  # another worker: its memory does not hold the page
    assert client.get("/programme/").content == first
    assert len(public_keys(local)) == 1


def test_a_worker_copy_never_outlives_a_data_change(client, programme, two_levels):
    assert "Demo 2025" in client.get("/programme/").content.decode()
    Call.objects.filter(pk=programme["call"].pk).update(name="Call of 2025")  # no history row
    page = client.get("/programme/").content.decode()
    assert "Call of 2025" in page and "Demo 2025" not in page


def test_a_copy_taken_from_the_shared_cache_keeps_the_shared_entry_s_age(client, programme,
                                                                          two_levels):
    shared, local = two_levels
    now = timezone.now()
    with time_machine.travel(now, tick=False):
        client.get("/programme/")
    local.clear()
    with time_machine.travel(now + timezone.timedelta(seconds=50), tick=False):
        client.get("/programme/")  # copied to this worker with the 10 s the entry has left
        (key,) = public_keys(local)
        assert 0 < local._expire_info[key] - time.time() <= 11
