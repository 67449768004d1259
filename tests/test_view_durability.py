"""Views held in memory survive a graceful stop or reload, even while their write waits on
a lock; the buffer holding them is bounded and says how it is doing (issue 18, problem 3
and the views' part of problem 5).

The gunicorn tests run the site's real configuration (knowledgebase/gunicorn.conf.py) on
the test database, a second connection holding the lock the view writes wait for.
"""

import http.client
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import connection, transaction

from articles.delivery import view_buffer
from articles.models import Entry
from tests.conftest import HUMAN_UA

ROOT = Path(__file__).resolve().parent.parent
# serialized_rollback: the next test finds the database as migrations left it.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def views(article):
    return Entry.objects.values_list("view_count", flat=True).get(pk=article.pk)


@contextmanager
def lock_held(article):
    """A second connection's transaction holding what a view write must wait for: the
    whole database on SQLite (BEGIN IMMEDIATE), the entry's row on PostgreSQL."""
    holder = {}

    def hold(ready, release):
        with transaction.atomic():  # BEGIN IMMEDIATE on SQLite (settings.py)
            list(Entry.objects.select_for_update().filter(pk=article.pk))
            ready.set()
            release.wait(30)
        connection.close()

    ready, release = threading.Event(), threading.Event()
    holder = threading.Thread(target=hold, args=(ready, release))
    holder.start()
    assert ready.wait(10)
    try:
        yield
    finally:
        release.set()
        holder.join()


def test_stop_waits_for_a_write_held_up_by_a_lock_and_writes_the_rest(settings, make_entry):
    settings.VIEW_FLUSH_SECONDS = 3600  # written only when asked here
    article = make_entry(view_count=0)
    buffer = view_buffer.ViewBuffer()
    for _ in range(5):
        buffer.add(article.pk)
    stopped = []
    with lock_held(article):
        writer = threading.Thread(target=lambda: (buffer.flush(), connection.close()))
        writer.start()
        time.sleep(0.3)  # the write now waits on the lock
        for _ in range(3):
            buffer.add(article.pk)  # counted meanwhile
        stopper = threading.Thread(target=lambda: (stopped.append(buffer.stop(10)),
                                                   connection.close()))  # fmt: skip
        stopper.start()
        time.sleep(0.5)
    writer.join()
    stopper.join()
    assert stopped == [True]
    assert views(article) == 8
    assert buffer.health()["views_waiting"] == 0


def test_stop_gives_up_at_its_deadline_and_says_what_is_lost(settings, make_entry, caplog):
    settings.VIEW_FLUSH_SECONDS = 3600
    article = make_entry(view_count=0)
    buffer = view_buffer.ViewBuffer()
    for _ in range(4):
        buffer.add(article.pk)
    with (
        lock_held(article),
        caplog.at_level(logging.WARNING, logger="articles.delivery.view_buffer"),
    ):
        began = time.monotonic()
        assert buffer.stop(0.6) is False
        assert time.monotonic() - began < 3
        connection.close()
    assert "4 views lost" in caplog.records[-1].getMessage()
    assert views(article) == 0


def test_buffer_is_bounded_keeping_the_oldest_and_counting_the_rest(settings, make_entry, caplog):
    settings.VIEW_FLUSH_SECONDS = 3600
    settings.VIEW_BUFFER_MAX = 2
    first, second, third = (make_entry(view_count=0) for _ in range(3))
    buffer = view_buffer.ViewBuffer()
    with caplog.at_level(logging.WARNING, logger="articles.delivery.view_buffer"):
        for article in (first, second, third, first, third, third):
            buffer.add(article.pk)
        health = buffer.health()
        assert (health["views_waiting"], health["entries_waiting"]) == (3, 2)
        assert (health["views_dropped"], health["state"]) == (3, "degraded")
        assert len(caplog.records) == 1  # one line for the streak, not one per view
        assert buffer.flush()
        assert [views(a) for a in (first, second, third)] == [2, 1, 0]
        # Still dropping in the last interval; a write after one without drops ends it.
        assert buffer.health()["state"] == "degraded"
        buffer.add(second.pk)
        assert buffer.flush()
        health = buffer.health()
        assert (health["views_waiting"], health["views_dropped"], health["state"]) == (0, 3, "ok")
        assert "3 views were dropped" in caplog.records[-1].getMessage()
        assert len(caplog.records) == 2
        buffer.stop(1)
    assert "3 views were dropped in this process's life" in caplog.records[-1].getMessage()


def test_failed_writes_are_logged_once_and_reported(settings, make_entry, monkeypatch, caplog):
    settings.VIEW_FLUSH_SECONDS = 3600
    article = make_entry(view_count=0)
    buffer = view_buffer.ViewBuffer()
    buffer.add(article.pk)
    with monkeypatch.context() as patched, caplog.at_level(logging.WARNING):
        patched.setattr(view_buffer, "ADD_VIEWS", "UPDATE no_such_table SET x = %s WHERE id = %s")
        assert not any(buffer.flush() for _ in range(3))
        buffer.add(article.pk)
        time.sleep(0.1)
        health = buffer.health()
        assert health["state"] == "degraded"
        assert health["failed_writes_in_a_row"] == 3
        assert "no_such_table" in health["last_write_error"]
        assert health["last_write_error_at"]
        assert health["views_waiting"] == 2
        assert health["oldest_waiting_seconds"] >= 0.1
    assert len([r for r in caplog.records if r.levelno >= logging.ERROR]) == 1
    assert buffer.flush()
    assert views(article) == 2
    health = buffer.health()
    assert health["state"] == "ok"
    assert (health["failed_writes_in_a_row"], health["oldest_waiting_seconds"]) == (0, None)
    assert health["last_write_error"]  # kept, with its time, for whoever looks later
    assert "written again" in caplog.records[-1].getMessage()


def test_health_details_report_the_views_waiting(settings, make_entry, monkeypatch, client):
    from articles.delivery import counting

    settings.VIEW_FLUSH_SECONDS = 3600
    monkeypatch.setattr(counting, "buffer", view_buffer.ViewBuffer())
    article = make_entry()
    for _ in range(3):
        counting.count_view(article.pk)
    reported = client.get("/healthz/details").json()["views"]
    assert reported["state"] == "ok"
    assert (reported["views_waiting"], reported["entries_waiting"]) == (3, 1)
    assert reported["oldest_waiting_seconds"] >= 0
    assert (reported["views_dropped"], reported["last_write_error"]) == (0, None)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_worker_starts_with_an_empty_buffer(settings, make_entry):
    """gunicorn forks its workers from a preloaded master: a child never writes views
    its parent holds (and writes itself)."""
    settings.VIEW_FLUSH_SECONDS = 3600
    buffer = view_buffer.ViewBuffer()
    buffer.add(make_entry().pk)
    pid = os.fork()
    if pid == 0:
        os._exit(buffer.waiting())
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert buffer.waiting() == 1


# The real server.


def _database_url():
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@contextmanager
def gunicorn():
    """The site on gunicorn with its configuration file: one worker, views written every
    0.2 s, the test settings (no collected static files needed)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {key: value for key, value in os.environ.items() if key != "REDIS_URL"}
    env |= {"DJANGO_SETTINGS_MODULE": "knowledgebase.settings_test",
            "DATABASE_URL": _database_url(), "KB_VIEW_FLUSH_SECONDS": "0.2"}  # fmt: skip
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "knowledgebase/gunicorn.conf.py",
         "--bind", f"127.0.0.1:{port}", "--workers", "1", "--threads", "2"],
        cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, "no server"
                time.sleep(0.05)
        server.port = port
        yield server
    finally:
        if server.poll() is None:
            server.terminate()
        server.wait(30)


def read(server, path, times):
    client = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    for _ in range(times):
        client.request("GET", path, headers={"User-Agent": HUMAN_UA})
        response = client.getresponse()
        response.read()
        assert response.status == 200
    client.close()


@pytest.mark.faults
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP], ids=["stop", "reload"])
def test_views_waiting_on_a_lock_survive_a_stop_or_reload(make_entry, sig):
    article = make_entry(view_count=0)
    with gunicorn() as server:
        read(server, article.get_absolute_url(), 1)  # the worker's writer thread starts
        time.sleep(0.5)
        with lock_held(article):
            read(server, article.get_absolute_url(), 20)
            time.sleep(0.6)  # the worker's write of those views now waits on the lock
            server.send_signal(sig)
            time.sleep(1.0)  # the old worker is exiting
        if sig == signal.SIGTERM:
            server.wait(30)
        deadline = time.monotonic() + 10
        while views(article) < 21 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert views(article) == 21
        if sig == signal.SIGTERM:
            log = server.stderr.read()
            assert "waiting up to" in log and "views lost" not in log


def test_warming_up_before_the_fork_counts_no_view_and_keeps_no_connection(make_entry):
    """gunicorn's master makes a few pages before forking (knowledgebase/warmup.py): no
    reader's view is counted, and no database connection is left for workers to share."""
    from django.core.wsgi import get_wsgi_application

    from knowledgebase import warmup

    article = make_entry(view_count=7)
    answers = warmup.warm(get_wsgi_application())
    assert connection.connection is None
    paths = ["/", "/terms/", "/search/?q=a", article.get_absolute_url()]
    assert answers == dict.fromkeys(paths, 200)
    assert views(article) == 7
