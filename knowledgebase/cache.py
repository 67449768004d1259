"""Django's Redis cache backend, made an accelerator rather than a dependency.

- One Redis client per connection pool: Django's client makes a new redis.Redis object
  for every cache call, and with it a table of about 170 response callbacks; on a page
  served from the cache that cost more than the round trip to Redis. A redis.Redis object
  is safe to share between threads (each command takes a connection from the pool).
- Short timeouts (OPTIONS `socket_connect_timeout`, `socket_timeout`; 0.25 s unless set):
  a Redis that is gone or stuck costs a request at most that long.
- A circuit breaker per Redis server and process: after a failure no command is sent for
  `retry_seconds` (5 unless set); then one caller tries again, and the first success
  closes it. Meanwhile, and whenever a command fails, the cache works in this process's
  memory (as without REDIS_URL, at most `local_max_entries` items), so pages are still
  kept and served. One log line when Redis is lost, one when it is back.
"""

import logging
import threading
import time
from urllib.parse import urlsplit

from django.core.cache.backends import redis as django_redis
from django.core.cache.backends.locmem import LocMemCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 0.25
RETRY_SECONDS = 5.0
LOCAL_MAX_ENTRIES = 300


class Breaker:
    """Whether to send commands to one Redis server (see the module's docstring)."""

    def __init__(self, server, retry_seconds):
        parts = urlsplit(server)  # the log names the host, never a password in the URL
        self.name = f"{parts.hostname}:{parts.port or 6379}"
        self.retry_seconds = retry_seconds
        self._lock = threading.Lock()
        self.down_since = None  # time.time() of the first failure of this outage
        self.error = ""  # the last failure's kind, e.g. "ConnectionError"
        self._retry_at = 0.0  # monotonic

    def may_try(self):
        """True while Redis answers; while it doesn't, True for one caller per
        retry_seconds (the others use local memory meanwhile)."""
        if self.down_since is None:
            return True
        with self._lock:
            now = time.monotonic()
            if now < self._retry_at:
                return False
            self._retry_at = now + self.retry_seconds
            return True

    def failed(self, error):
        with self._lock:
            self._retry_at = time.monotonic() + self.retry_seconds
            self.error = type(error).__name__
            if self.down_since is None:
                self.down_since = time.time()
                logger.error(
                    "Redis at %s can't be used (%s: %s): caching in this process's memory, "
                    "trying again every %g s",
                    self.name, self.error, error, self.retry_seconds,
                )  # fmt: skip

    def succeeded(self):
        if self.down_since is None:
            return
        with self._lock:
            if self.down_since is not None:
                logger.warning(
                    "Redis at %s is back after %.1f s", self.name, time.time() - self.down_since
                )
                self.down_since = None

    def status(self):
        if self.down_since is None:
            return {"state": "ok"}
        return {
            "state": "degraded",
            "down_since": self.down_since,
            "error": self.error,
            "retry_in": round(max(0.0, self._retry_at - time.monotonic()), 2),
        }


_breakers = {}  # server URL → Breaker, one per process
_breakers_lock = threading.Lock()


def breaker_for(server, retry_seconds):
    with _breakers_lock:
        if server not in _breakers:
            _breakers[server] = Breaker(server, retry_seconds)
        return _breakers[server]


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


def _guarded(name):
    """The backend's `name` method on Redis while the breaker allows it, else (and when it
    fails) on local memory."""
    on_redis = getattr(django_redis.RedisCache, name)

    def method(self, *args, **kwargs):
        if self.breaker.may_try():
            try:
                result = on_redis(self, *args, **kwargs)
            except RedisError as error:
                self.breaker.failed(error)
            else:
                self.breaker.succeeded()
                return result
        return getattr(self.local, name)(*args, **kwargs)

    method.__name__ = name
    method.__doc__ = f"{name}() on Redis, or on this process's memory while Redis is down."
    return method


class RedisCache(django_redis.RedisCache):
    def __init__(self, server, params):
        options = dict(params.get("OPTIONS", {}))
        retry_seconds = float(options.pop("retry_seconds", RETRY_SECONDS))
        local_max_entries = int(options.pop("local_max_entries", LOCAL_MAX_ENTRIES))
        options.setdefault("socket_connect_timeout", TIMEOUT_SECONDS)
        options.setdefault("socket_timeout", TIMEOUT_SECONDS)
        super().__init__(server, {**params, "OPTIONS": options})
        self._class = RedisCacheClient
        self.breaker = breaker_for(self._servers[0], retry_seconds)
        # Memory shared by this process's threads (LocMemCache keeps it by name), with
        # the same keys as on Redis.
        self.local = LocMemCache(
            f"redis-fallback|{self._servers[0]}|{self.key_prefix}",
            {
                "TIMEOUT": self.default_timeout,
                "KEY_PREFIX": self.key_prefix,
                "VERSION": self.version,
                "KEY_FUNCTION": self.key_func,
                "OPTIONS": {"MAX_ENTRIES": local_max_entries},
            },
        )

    add = _guarded("add")
    get = _guarded("get")
    set = _guarded("set")
    touch = _guarded("touch")
    delete = _guarded("delete")
    get_many = _guarded("get_many")
    has_key = _guarded("has_key")
    incr = _guarded("incr")
    set_many = _guarded("set_many")
    delete_many = _guarded("delete_many")
    _clear = _guarded("clear")

    def clear(self):
        self.local.clear()
        return self._clear()

    def status(self):
        """{"state": "ok"} when Redis answers a PING now, else "degraded" with since when,
        why, and when it is tried again (no round trip while the breaker is open)."""
        if self.breaker.may_try():
            try:
                self._cache.get_client().ping()
            except RedisError as error:
                self.breaker.failed(error)
            else:
                self.breaker.succeeded()
        return {"backend": "redis", **self.breaker.status()}
