"""The Redis cache reuses one client per connection pool (iuc_portal.core.cache):
Django's builds a new one for every operation, which costs more than the round trip."""

import os
import uuid

import pytest

from iuc_portal.core.cache import PortalRedisCache
from tests.conftest import require

REDIS_URL = os.environ.get("REDIS_URL", "")


@pytest.fixture
def redis_cache():
    require(bool(REDIS_URL), "REDIS_URL is not set: no Redis to cache in")
    cache = PortalRedisCache(REDIS_URL, {"KEY_PREFIX": f"test-{uuid.uuid4().hex}"})
    yield cache
    cache.delete_many(["answer", "other"])


def test_every_operation_of_one_pool_goes_through_the_same_client(redis_cache):
    redis_cache.set("answer", 42)
    client = redis_cache._cache.get_client("answer")
    assert redis_cache._cache.get_client("other", write=True) is client


def test_the_reused_client_reads_and_writes_like_django_s(redis_cache):
    redis_cache.set("answer", {"value": 42}, 30)
    assert redis_cache.get("answer") == {"value": 42}
    assert redis_cache.add("answer", "again") is False
    redis_cache.delete("answer")
    assert redis_cache.get("answer", "gone") == "gone"
