"""Readers keep reading through a database outage: pages with a kept copy are served
from it (however old, up to KB_STALE_PAGE_SECONDS, with `Age`), others answer a calm 503
with Retry-After; never a 500, one log line when the outage begins and one when it ends.

In-process tests make every query fail as on an unreachable server (an execute wrapper
raising OperationalError), on SQLite and PostgreSQL alike; on PostgreSQL the live-server
tests cut a real connection: the site talks to PostgreSQL through a TCP proxy the test
closes (tests/loopback_faults.py)."""

import logging
import time
import urllib.error
import urllib.request

import pytest
import time_machine
from django.db import OperationalError, connection, connections

from articles.delivery import outage
from tests.conftest import HUMAN_UA
from tests.loopback_faults import TcpProxy

READER_PAGES = ("/", "/terms/", "/terms/craving/", "/categories/care/")


class Database:
    """Switches every query of this thread's connection between working and failing."""

    def __init__(self):
        self.is_down = False
        self.reads = 0  # attempted while down

    def __call__(self, execute, sql, params, many, context):
        if self.is_down:
            self.reads += sql.lstrip().upper().startswith("SELECT")
            raise OperationalError(
                'connection to server at "127.0.0.1", port 5432 failed: Connection refused'
            )
        return execute(sql, params, many, context)

    def down(self):
        self.is_down = True

    def up(self):
        self.is_down = False


@pytest.fixture
def database():
    switch = Database()
    with connection.execute_wrapper(switch):
        yield switch


@pytest.fixture
def glossary(make_entry, make_category):
    care = make_category(name="Care", slug="care")
    craving = make_entry(title="Craving", slug="craving", category=care)
    make_entry(title="Relapse", slug="relapse", category=care)
    return craving


def read_all(client):
    return {path: client.get(path).content for path in READER_PAGES}


def test_pages_with_a_kept_copy_are_served_while_the_database_is_down(human, glossary, database):
    before = read_all(human)
    database.down()
    for path, content in before.items():
        response = human.get(path)
        assert response.status_code == 200, path
        assert response.content == content
        assert int(response["Age"]) >= 0  # marked: perhaps outdated


def test_kept_copies_are_served_however_old_within_the_stale_window(
    client, glossary, database, settings
):
    settings.STALE_PAGE_SECONDS = 600
    client.get("/terms/craving/")
    database.down()
    with time_machine.travel(time.time() + 300):  # copies are "fresh" for 50 s only
        response = client.get("/terms/craving/")
        assert response.status_code == 200
        assert 300 <= int(response["Age"]) < 310
    with time_machine.travel(time.time() + 700):
        assert client.get("/terms/craving/").status_code == 503


def test_a_conditional_read_of_a_kept_copy_is_answered_304(client, glossary, database):
    etag = client.get("/terms/craving/")["ETag"]
    database.down()
    response = client.get("/terms/craving/", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304
    assert "Age" in response


def test_a_page_without_a_copy_answers_a_calm_503(client, glossary, database):
    database.down()
    response = client.get("/terms/relapse/")
    assert response.status_code == 503
    assert response["Retry-After"] == str(outage.RETRY_AFTER)
    assert "no-store" in response["Cache-Control"]
    assert [t.name for t in response.templates][0] == "503.html"
    text = response.content.decode()
    assert "This page can’t be shown just now" in text
    assert 'href="/terms/"' in text and 'href="/help/"' in text
    assert client.get("/help/").status_code == 200  # crisis lines need no database


def test_searches_and_answers_fail_politely(client, glossary, database):
    database.down()
    search = client.get("/search/", {"q": "craving"})
    assert search.status_code == 503
    assert "Search isn’t available just now" in search.content.decode()
    assert "“craving”" in search.content.decode()
    answer = client.post("/terms/craving/feedback/", {"helpful": "yes"})
    assert answer.status_code == 503
    assert "Your answer couldn’t be saved just now" in answer.content.decode()
    assert answer["Retry-After"]


def test_readers_with_cookies_and_editors_get_the_kept_copy_too(client, glossary, database, editor):
    kept = client.get("/terms/craving/").content
    client.force_login(editor)
    database.down()
    response = client.get("/terms/craving/")  # the view runs, and fails
    assert response.status_code == 200 and response.content == kept
    assert client.get("/terms/relapse/").status_code == 503
    assert client.get("/admin/").status_code == 503


def test_the_outage_is_logged_once_when_it_begins_and_once_when_it_ends(
    client, glossary, database, caplog, monkeypatch
):
    monkeypatch.setattr(outage, "PROBE_SECONDS", 0)  # every request asks the database
    read_all(client)
    caplog.set_level(logging.INFO)
    database.down()
    for _ in range(5):
        for path in (*READER_PAGES, "/terms/relapse/", "/search/?q=x"):
            assert client.get(path).status_code in (200, 503)
        client.post("/terms/craving/feedback/", {"helpful": "yes"})
    database.up()
    for path in READER_PAGES:
        assert client.get(path).status_code == 200
    assert client.get("/terms/relapse/").status_code == 200
    lines = [(r.name, r.levelname, r.getMessage()) for r in caplog.records]
    assert len(lines) == 2, lines
    assert lines[0][:2] == ("articles.delivery.outage", "ERROR")
    assert "The database can't be used (OperationalError: connection to server" in lines[0][2]
    assert lines[1][:2] == ("articles.delivery.outage", "WARNING")
    assert "The database is back after" in lines[1][2]
    assert not any(r.exc_info for r in caplog.records)


def test_during_an_outage_the_database_is_asked_once_a_second_not_per_request(
    client, glossary, database
):
    read_all(client)
    database.down()
    for _ in range(20):
        for path in READER_PAGES:
            assert client.get(path).status_code == 200
    assert database.reads == 1  # then kept copies, without waiting on the database


def test_the_end_of_an_outage_is_seen_within_a_second(client, glossary, database, monkeypatch):
    monkeypatch.setattr(outage, "PROBE_SECONDS", 0.05)
    read_all(client)
    database.down()
    assert client.get("/terms/relapse/").status_code == 503
    database.up()
    time.sleep(0.06)
    assert b"Relapse" in client.get("/terms/relapse/").content
    assert outage.current.since is None


# A real outage: PostgreSQL behind a TCP proxy that the test cuts off.


@pytest.fixture
def proxied_postgres(db):  # with the test's django_db(transaction=True): data committed
    """The site's connections go through a TCP proxy to PostgreSQL, for this test."""
    if connection.vendor != "postgresql":
        pytest.skip("a TCP proxy can cut off PostgreSQL; SQLite is a file (see above)")
    settings_dict = connections.settings["default"]
    original = settings_dict["HOST"], settings_dict["PORT"]
    proxy = TcpProxy(target=int(original[1] or 5432)).start()
    connection.close()
    settings_dict["HOST"], settings_dict["PORT"] = "127.0.0.1", str(proxy.port)
    try:
        yield proxy
    finally:
        connections.close_all()
        settings_dict["HOST"], settings_dict["PORT"] = original
        proxy.close()


def fetch(url, **headers):
    request = urllib.request.Request(url, headers={"User-Agent": HUMAN_UA, **headers})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


@pytest.mark.faults
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_postgresql_cut_off_readers_get_kept_copies_then_fresh_pages(
    glossary, proxied_postgres, live_server, caplog, monkeypatch
):
    monkeypatch.setattr(outage, "PROBE_SECONDS", 0.1)
    kept = {path: fetch(live_server.url + path) for path in READER_PAGES}
    assert all(status == 200 for status, _, _ in kept.values())
    caplog.set_level(logging.INFO)
    proxied_postgres.cut()  # every connection closed, then "connection refused"
    for _ in range(3):
        for path, (_, _, content) in kept.items():
            status, headers, body = fetch(live_server.url + path)
            assert (status, body) == (200, content), path
            assert "Age" in headers
        status, headers, body = fetch(live_server.url + "/terms/relapse/")
        assert status == 503 and headers["Retry-After"] and b"just now" in body
        assert fetch(live_server.url + "/search/?q=relapse")[0] == 503
    proxied_postgres.restore()
    time.sleep(0.15)
    deadline = time.monotonic() + 5
    while (status := fetch(live_server.url + "/terms/relapse/")[0]) != 200:
        assert time.monotonic() < deadline, status
        time.sleep(0.1)
    # (django.server: the test server's access log, one line per request as any.)
    records = [
        r for r in caplog.records if r.levelno >= logging.WARNING and r.name != "django.server"
    ]
    assert [r.name for r in records] == ["articles.delivery.outage", "articles.delivery.outage"], [
        r.getMessage() for r in records
    ]
    assert not any(r.exc_info for r in records)
