"""Django's Redis cache, with one client per connection pool instead of one per call.

Django's `RedisCacheClient.get_client` builds a new `redis.Redis` for every cache
operation; building one fills its table of response callbacks (a few hundred entries),
which costs more than the round trip to Redis itself. A `redis.Redis` holds no state
of its own beyond its pool, and the pool is safe across threads and checks its process
after a fork, so one client per pool serves every call.
"""

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache, RedisCacheClient


def rendered_pages():
    """The cache of rendered pages (public pages, the admin list's content): apart from
    the default cache, where counters such as the sign-in rate limits live, so that no
    number of stored pages can push those out."""
    return caches["pages" if "pages" in settings.CACHES else "default"]


class ReusingRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class PortalRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusingRedisCacheClient
