"""Django's Redis cache backend, with one Redis client per connection pool.

Django's client makes a new redis.Redis object for every cache call, and with it a table
of about 170 response callbacks: on a page served from the cache that costs more than
the round trip to Redis. A redis.Redis object is safe to share between threads (each
command takes a connection from the pool), so one per pool is enough.
"""

from django.core.cache.backends import redis as django_redis


class RedisCacheClient(django_redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(pool)
        if client is None:
            client = self._clients[pool] = self._client(connection_pool=pool)
        return client


class RedisCache(django_redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient
