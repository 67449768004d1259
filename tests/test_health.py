"""Health checks: liveness (/healthz/live), readiness for load balancers (/healthz: 503
only when this server can't answer readers at all) and the detailed report monitoring
reads (/healthz/details: database readable and writable, caches, views waiting).

The database is made unreachable by an execute wrapper raising OperationalError (see
test_outages.py); a read-only PostgreSQL is real (the session's transactions made
read-only), a read-only SQLite file is SQLite's own refusal through a read-only
connection (as root, file permissions can't make it so)."""

import json
import sqlite3

import pytest
from django.db import OperationalError, connection

from articles.delivery import counting
from knowledgebase import health


def report(response):
    return json.loads(response.content)


@pytest.fixture
def database_down():
    def refuse(execute, sql, params, many, context):
        raise OperationalError("could not connect to server: Connection refused")

    with connection.execute_wrapper(refuse):
        yield


def test_healthz_answers_ok_and_is_never_cached(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert report(response) == {"status": "ok", "database": "ok", "cache": "ok"}
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]


def test_health_checks_are_not_redirected_to_https(client, settings, db):
    settings.SECURE_SSL_REDIRECT = True
    for path in ("/healthz", "/healthz/live", "/healthz/details"):
        assert client.get(path).status_code == 200, path


def test_liveness_needs_neither_database_nor_cache(client, db, database_down):
    response = client.get("/healthz/live")
    assert response.status_code == 200
    assert report(response) == {"status": "ok"}


def test_healthz_is_503_only_when_the_database_is_down_and_nothing_is_kept(
    client, db, database_down, make_entry
):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert report(response) == {
        "status": "unavailable",
        "database": "unreachable",
        "cache": "ok",
        "kept_pages": False,
    }


def test_healthz_stays_ready_through_an_outage_while_pages_are_kept(client, make_entry):
    make_entry(slug="craving")
    client.get("/terms/craving/")

    def refuse(execute, sql, params, many, context):
        raise OperationalError("could not connect to server: Connection refused")

    with connection.execute_wrapper(refuse):
        response = client.get("/healthz")
        assert response.status_code == 200
        assert report(response) == {
            "status": "degraded",
            "database": "unreachable",
            "cache": "ok",
            "kept_pages": True,
        }
        details = client.get("/healthz/details")
        assert details.status_code == 200
        assert report(details)["status"] == "degraded"
        assert report(details)["database"]["readable"] is False
        assert report(details)["database"]["outage"]["error"] == "OperationalError"
    assert report(client.get("/healthz"))["status"] == "ok"


def test_details_of_a_healthy_site(client, db):
    response = client.get("/healthz/details")
    assert response.status_code == 200
    details = report(response)
    assert details["status"] == "ok"
    assert details["database"]["readable"] is True
    assert details["database"]["writable"] is True
    assert details["database"]["vendor"] == connection.vendor
    assert details["caches"]["pages"]["state"] == "ok"
    assert details["caches"]["default"]["state"] == "ok"
    assert "outage" not in details["database"]


def test_details_of_an_unreachable_database_with_nothing_kept(client, db, database_down):
    response = client.get("/healthz/details")
    assert response.status_code == 503
    details = report(response)
    assert details["status"] == "unavailable"
    assert details["database"]["readable"] is False
    assert details["database"]["error"] == "OperationalError"
    assert details["kept_pages"] == {"in_memory": 0, "any": False}


@pytest.fixture
def read_only_database(db, monkeypatch):
    """The database refuses writes, as a standby or a read-only file does; reads work.
    (Outside a test transaction: the test is django_db(transaction=True).)"""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET SESSION default_transaction_read_only = on")
        yield
        with connection.cursor() as cursor:
            cursor.execute("SET SESSION default_transaction_read_only = off")
        return

    class ReadOnlySqlite:
        OperationalError = sqlite3.OperationalError

        @staticmethod
        def connect(database, **kwargs):
            return sqlite3.connect(database.replace("mode=rw", "mode=ro"), **kwargs)

    monkeypatch.setattr(health, "sqlite3", ReadOnlySqlite)
    yield


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_database_that_can_be_read_but_not_written_is_reported(client, read_only_database):
    assert client.get("/healthz").status_code == 200  # readers are still served
    response = client.get("/healthz/details")
    assert response.status_code == 200
    details = report(response)
    assert details["status"] == "degraded"
    assert details["database"]["readable"] is True
    assert details["database"]["writable"] is False
    assert details["database"]["write_error"]


def test_details_include_the_views_waiting_to_be_written(client, db, monkeypatch):
    waiting = {"state": "ok", "views_waiting": 12, "last_write_error": None}
    monkeypatch.setattr(counting, "health", lambda: dict(waiting), raising=False)
    details = report(client.get("/healthz/details"))
    assert details["views"] == waiting
    assert details["status"] == "ok"
    waiting |= {
        "state": "degraded",
        "last_write_error": 'OperationalError: connection to server at "10.0.0.5" failed',
    }
    details = report(client.get("/healthz/details"))
    assert details["views"]["state"] == "degraded"
    assert details["views"]["last_write_error"] == "OperationalError"  # the rest: in the log
    assert details["status"] == "degraded"
