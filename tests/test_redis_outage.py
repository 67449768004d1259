"""Redis is an accelerator, not a dependency: with Redis gone or hanging, pages are made
and kept in the process's memory and served 200, each cache call gives up within the
timeout and Redis is left alone for a few seconds after a failure, and it is used again
when it is back, without a restart. A private redis-server per test, killed by its PID
(tests/loopback_faults.py)."""

import json
import logging
import os
import threading
import time

import pytest
from django.core.cache import caches
from django.db import OperationalError, connection, connections

from articles.delivery import page_cache
from knowledgebase import cache as redis_cache
from tests.loopback_faults import PrivateRedis, Silent, free_port

pytestmark = pytest.mark.faults

PAGES = ("/", "/terms/", "/terms/craving/", "/categories/care/")


def use_redis(settings, url, retry_seconds=0.3):
    redis_cache._breakers.pop(url, None)
    settings.CACHES = {
        alias: {
            "BACKEND": "knowledgebase.cache.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": alias,
            "OPTIONS": {"retry_seconds": retry_seconds, "local_max_entries": 200},
        }
        for alias in ("default", "pages")
    }
    for alias in ("default", "pages"):
        caches[alias].local.clear()
    page_cache.recent.clear()


@pytest.fixture
def redis_server(settings):
    if not PrivateRedis.available():
        if os.environ.get("CI"):
            pytest.fail("redis-server is required for the Redis outage tests")
        pytest.skip("redis-server is not installed")
    server = PrivateRedis(free_port()).start()  # free: test runs may overlap
    use_redis(settings, server.url)
    yield server
    server.kill()
    redis_cache._breakers.pop(server.url, None)


@pytest.fixture
def glossary(make_entry, make_category):
    care = make_category(name="Care", slug="care")
    make_entry(title="Craving", slug="craving", category=care)
    make_entry(title="Relapse", slug="relapse", category=care)


def stored_pages():
    return caches["pages"]._cache.get_client().keys("pages:*")


def timed_get(client, path):
    started = time.monotonic()
    response = client.get(path)
    return response, time.monotonic() - started


def test_pages_are_served_from_memory_while_redis_is_down(client, glossary, redis_server):
    for path in PAGES:
        client.get(path)
    assert stored_pages()
    redis_server.kill()
    page_cache.recent.clear()  # not in this process's 32 recent pages either
    for path in (*PAGES, "/terms/relapse/", "/search/?q=craving"):
        for _ in range(2):  # made, then from memory
            response, seconds = timed_get(client, path)
            assert response.status_code == 200, path
            assert seconds < 1, (path, seconds)
    assert not client.get("/terms/craving/").templates  # kept: not made again


def test_answers_are_counted_while_redis_is_down(client, glossary, redis_server):
    redis_server.kill()
    answer = client.post("/terms/craving/feedback/", {"helpful": "yes"})
    assert answer.status_code == 303
    # Remembered meanwhile in memory: the same reader's second answer is not counted.
    client.cookies.clear()
    client.post("/terms/craving/feedback/", {"helpful": "yes"})
    from articles.models import Entry

    assert Entry.objects.get(slug="craving").helpful_yes == 1


# Committed data: the requests run in a thread of their own, with its own connection.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_redis_that_hangs_costs_one_request_a_quarter_second(client, glossary, settings):
    silent = Silent()  # takes connections, never answers
    use_redis(settings, f"redis://127.0.0.1:{silent.port}/0", retry_seconds=5)
    timings = []

    def read():  # in a thread: without a timeout, the first read would never end
        try:
            for path in (*PAGES, *PAGES):
                response, seconds = timed_get(client, path)
                assert response.status_code == 200
                timings.append(seconds)
        finally:
            connections.close_all()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(timeout=10)
    silent.close()
    assert not reader.is_alive(), "a request waited on Redis for more than 10 s"
    assert len(timings) == 2 * len(PAGES)
    assert timings[0] < 1.5  # the call that found Redis hanging: one timeout
    assert sum(timings[1:]) < 1.5  # then not asked again for retry_seconds


def test_redis_is_used_again_when_it_is_back_without_a_restart(
    client, glossary, redis_server, caplog
):
    caplog.set_level(logging.INFO, logger="knowledgebase.cache")
    redis_server.kill()
    assert client.get("/terms/craving/").status_code == 200
    redis_server.start()
    time.sleep(0.35)  # retry_seconds
    assert client.get("/terms/relapse/").status_code == 200
    assert stored_pages()  # Redis holds pages again
    messages = [(r.levelname, r.getMessage()) for r in caplog.records]
    assert len(messages) == 2, messages
    assert messages[0][0] == "ERROR" and "can't be used (ConnectionError" in messages[0][1]
    assert messages[1][0] == "WARNING" and "is back after" in messages[1][1]


def test_health_with_redis_down_is_degraded_not_unready(client, glossary, redis_server):
    redis_server.kill()
    response = client.get("/healthz")
    assert response.status_code == 200
    assert json.loads(response.content) == {
        "status": "degraded",
        "database": "ok",
        "cache": "degraded",
    }
    details = json.loads(client.get("/healthz/details").content)
    assert details["status"] == "degraded"
    assert details["caches"]["pages"]["state"] == "degraded"
    assert details["caches"]["pages"]["error"] == "ConnectionError"
    redis_server.start()
    time.sleep(0.35)
    assert json.loads(client.get("/healthz").content)["cache"] == "ok"


def test_with_redis_and_the_database_down_memory_still_serves(client, glossary, redis_server):
    client.get("/terms/craving/")
    client.get("/terms/relapse/")
    page_cache.recent.clear()
    client.get("/terms/craving/")  # back in this process's memory (from Redis)
    redis_server.kill()

    def refuse(execute, sql, params, many, context):
        raise OperationalError("the database is down too")

    with connection.execute_wrapper(refuse):
        assert client.get("/terms/craving/").status_code == 200
        # Kept only in Redis, which is gone: nothing to serve.
        assert client.get("/terms/relapse/").status_code == 503
