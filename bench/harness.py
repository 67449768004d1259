"""What bench/faults.py is made of: a throwaway database, the production server (gunicorn
as `make serve` runs it), and readers under bounded load who keep an exact account of
what they were served; a lock held from a second connection and a read-only database
(Database). The faults needing programs of their own are in injectors.py.
"""

import http.client
import importlib.util
import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("bench_serve", ROOT / "bench" / "serve.py")
serve = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(serve)  # bench/serve.py's helpers (user agent, snippets of Django)

USER_AGENT = serve.USER_AGENT
NAME = "durable"  # of the database, the Redis and the logs, apart from other runs
SERVER_PORT, PROXY_PORT, REDIS_PORT = 8131, 8132, 8133
SQLITE_PATH = Path("/tmp") / f"kb-{NAME}.sqlite3"
POSTGRES = "postgresql://postgres@127.0.0.1:5432"
EDITOR, EDITOR_PASSWORD = f"{NAME}-editor", "fault-suite-password-0123"
CONFIG = "knowledgebase/gunicorn.conf.py"


def base_env(database):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "knowledgebase.settings",
        "DJANGO_SECRET_KEY": "bench-faults-secret-key-not-for-production-0123456789",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "KB_SITE_URL": f"http://127.0.0.1:{SERVER_PORT}",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_SUPERUSER_PASSWORD": EDITOR_PASSWORD,
        # As `make serve` runs it.
        "MALLOC_ARENA_MAX": "2",
        "MALLOC_MMAP_THRESHOLD_": "131072",
    }
    env.pop("REDIS_URL", None)
    env["DATABASE_URL"] = (
        f"sqlite:///{SQLITE_PATH}" if database == "sqlite" else f"{POSTGRES}/kb_{NAME}"
    )
    return env


def prepare_database(database, env):
    """A fresh database with the demo content and an editor."""
    if database == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{SQLITE_PATH}{suffix}").unlink(missing_ok=True)
    else:
        import psycopg

        with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as connection:
            connection.execute(f"DROP DATABASE IF EXISTS kb_{NAME} WITH (FORCE)")
            connection.execute(f"CREATE DATABASE kb_{NAME}")
    manage = [sys.executable, "manage.py"]
    for command in (["migrate", "-v0"], ["load_demo_content", "-v0"],
                    ["collectstatic", "--noinput", "-v0"],
                    ["createsuperuser", "--noinput", "--username", EDITOR,
                     "--email", f"{EDITOR}@example.org"]):  # fmt: skip
        subprocess.run(manage + command, cwd=ROOT, env=env, check=True, capture_output=True)


class Database:
    """Direct SQL on the bench database (a second connection, apart from the server's)."""

    def __init__(self, env):
        self.url = env["DATABASE_URL"]
        self.sqlite = self.url.startswith("sqlite:")

    def connect(self):
        if self.sqlite:
            return sqlite3.connect(SQLITE_PATH, isolation_level=None, timeout=60)
        import psycopg

        return psycopg.connect(self.url, autocommit=True)

    def value(self, sql, params=()):
        connection = self.connect()
        try:
            return connection.execute(sql, params).fetchone()[0]
        finally:
            connection.close()

    def stored_views(self):
        return self.value("SELECT SUM(view_count) FROM articles_article")

    def entry_id(self, slug):
        marker = "?" if self.sqlite else "%s"
        return self.value(f"SELECT id FROM articles_article WHERE slug = {marker}", (slug,))

    @contextmanager
    def locked(self):
        """Every entry's row (PostgreSQL) or the whole database (SQLite) locked for
        writing from a second connection, until the block ends: view writes wait."""
        connection = self.connect()
        try:
            if self.sqlite:
                connection.execute("BEGIN IMMEDIATE")
            else:
                connection.execute("BEGIN")
                connection.execute("SELECT id FROM articles_article FOR UPDATE").fetchall()
            yield
        finally:
            connection.execute("ROLLBACK")
            connection.close()

    @contextmanager
    def read_only(self):
        """The database read-only until the block ends: reads work, writes fail. SQLite:
        the file and its write-ahead log made immutable (root ignores file modes, not
        that flag; open files can't be written either); PostgreSQL: the database's new
        sessions read-only."""
        if self.sqlite:
            files = [str(path) for path in (SQLITE_PATH, Path(f"{SQLITE_PATH}-wal"))
                     if path.exists()]  # fmt: skip
            subprocess.run(["chattr", "+i", *files], check=True)
            try:
                yield
            finally:
                subprocess.run(["chattr", "-i", *files], check=True)
            return
        import psycopg

        with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as connection:
            connection.execute(f"ALTER DATABASE kb_{NAME} SET default_transaction_read_only = on")
            try:
                yield
            finally:
                connection.execute(f"ALTER DATABASE kb_{NAME} RESET default_transaction_read_only")


def django_snippet(env, code, wait=True):
    """Python run with Django set up on the bench database (its own process)."""
    code = "import django; django.setup(); from articles.models import Entry\n" + code
    process = subprocess.Popen(
        [sys.executable, "-c", code], cwd=ROOT, env=env, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    if not wait:
        return process
    out, _ = process.communicate()
    if process.returncode:
        raise RuntimeError(out)
    return out


class Server:
    """gunicorn with the site's configuration file, its log kept in a file. `root`: the
    tree it runs from (its code and configuration file; this checkout's gunicorn)."""

    def __init__(self, env, log_path, workers=3, threads=4, config=True, extra=(),
                 port=SERVER_PORT, root=ROOT):  # fmt: skip
        self.env, self.log_path, self.port, self.root = env, log_path, port, root
        self.args = [str(ROOT / ".venv/bin/gunicorn")]
        if config:
            self.args += ["-c", CONFIG]
        self.args += ["knowledgebase.wsgi", "--bind", f"127.0.0.1:{port}",
                      "--workers", str(workers), "--threads", str(threads),
                      "--log-level", "warning", *extra]  # fmt: skip
        self.process = None

    def start(self):
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
        except OSError:
            pass
        else:
            raise RuntimeError(f"port {self.port} is in use: a server left from another run?")
        self.log = open(self.log_path, "w")  # noqa: SIM115 (closed in stop())
        self.process = subprocess.Popen(self.args, cwd=self.root, env=self.env, stdout=self.log,
                                        stderr=subprocess.STDOUT)  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: see {self.log_path}")
            try:
                status = http_get("/healthz", timeout=2, port=self.port)[0]
                if status in (200, 503):
                    return self
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError("gunicorn did not answer within a minute")

    @property
    def pid(self):
        """The master's: the one started, or the one a release (USR2) put in its place."""
        return getattr(self, "adopted", None) or self.process.pid

    def workers(self):
        return children(self.pid)

    def signal(self, sig):
        os.kill(self.pid, sig)

    def release(self, timeout=60):
        """A release without a restart: USR2 has the master start a new master (which
        loads the code afresh) and its workers beside the old ones; once they answer,
        TERM stops the old master and its workers. The seconds that took."""
        began = time.monotonic()
        old = self.process.pid
        os.kill(old, signal.SIGUSR2)
        deadline = time.monotonic() + timeout
        while True:
            masters = [pid for pid in children(old) if len(children(pid)) >= 1]
            if masters and len(children(masters[0])) >= len(children(old)) - 1:
                break
            if time.monotonic() > deadline:
                raise RuntimeError("no new master after USR2")
            time.sleep(0.1)
        time.sleep(1.0)  # its workers load nothing (preloaded): they answer at once
        os.kill(old, signal.SIGTERM)
        self.process.wait(timeout)
        self.adopted = masters[0]
        return time.monotonic() - began

    def stop(self, timeout=90):
        """SIGTERM, then the seconds until gunicorn had exited."""
        started = time.monotonic()
        if getattr(self, "adopted", None):  # not this process's child: watch /proc
            _signal_and_wait(self.adopted, timeout)
        else:
            if self.process.poll() is None:
                self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()
        return time.monotonic() - started

    def log_text(self):
        return Path(self.log_path).read_text(errors="replace")


def children(pid):
    pids = []
    for stat in Path("/proc").glob("*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[1] == str(pid):
            pids.append(int(stat.parent.name))
    return pids


def _signal_and_wait(pid, timeout):
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    if Path(f"/proc/{pid}").exists():
        os.kill(pid, signal.SIGKILL)


def http_get(path, timeout=10, headers=None, port=SERVER_PORT):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path, headers={"User-Agent": USER_AGENT, **(headers or {})})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


@dataclass
class Result:
    started: float  # seconds since the load began
    seconds: float
    path: str
    status: int | str  # an HTTP status, or the client error's name


@dataclass
class Readers:
    """Threads reading pages as new readers do (a browser's user agent, no cookies, kept
    alive connections), each as fast as it is answered, until stopped. Every request's
    outcome is kept."""

    paths: list
    threads: int = 8
    results: list = field(default_factory=list)

    def start(self):
        self.began = time.monotonic()
        self._stop = threading.Event()
        self._workers = [
            threading.Thread(target=self._read, args=(i,)) for i in range(self.threads)
        ]
        for worker in self._workers:
            worker.start()
        return self

    def now(self):
        return time.monotonic() - self.began

    def stop(self):
        self._stop.set()
        for worker in self._workers:
            worker.join()

    def _read(self, offset):
        mine, connection, i = [], None, offset
        while not self._stop.is_set():
            path = self.paths[i % len(self.paths)]
            i += self.threads
            started = time.monotonic()
            try:
                if connection is None:
                    connection = http.client.HTTPConnection("127.0.0.1", SERVER_PORT, timeout=15)
                connection.request("GET", path, headers={"User-Agent": USER_AGENT})
                response = connection.getresponse()
                response.read()
                status = response.status
                if response.will_close:
                    connection.close()
                    connection = None
            except (OSError, http.client.HTTPException) as error:
                status = type(error).__name__
                if connection is not None:
                    connection.close()
                connection = None
                time.sleep(0.05)  # a refused connection fails at once: don't spin
            mine.append(Result(started - self.began, time.monotonic() - started, path, status))
        if connection is not None:
            connection.close()
        self.results.extend(mine)  # list.extend is atomic

    # The account.
    def views_served(self):
        """Term pages answered 200: each one a view that must be stored."""
        return sum(1 for r in self.results if r.status == 200 and is_term_page(r.path))

    def statuses(self, since=0.0, until=float("inf")):
        counts = {}
        for r in self.results:
            if since <= r.started < until:
                counts[r.status] = counts.get(r.status, 0) + 1
        return counts

    def latencies(self, since=0.0, until=float("inf")):
        """p50, p99 and max response time in ms of requests begun in the window."""
        times = sorted(r.seconds * 1000 for r in self.results
                       if since <= r.started < until and isinstance(r.status, int))  # fmt: skip
        if not times:
            return (0.0, 0.0, 0.0)
        return times[len(times) // 2], times[int(len(times) * 0.99)], times[-1]


def is_term_page(path):
    parts = path.strip("/").split("/")
    return len(parts) == 2 and parts[0] == "terms"


def reader_paths(env):
    """The term page most read, every other term page (up to 60), the index, the home
    page and searches: more addresses than a worker keeps in memory (32), so that the
    shared cache is used. The term pages' views are what the suite counts."""
    slugs = serve.sample_slugs(env, 60)
    paths = ["/terms/peer-support/"] * 12 + [f"/terms/{s}/" for s in slugs]
    paths += ["/", "/terms/", "/search/?q=relapse", "/search/?q=peer", "/search/?q=sleep"]
    random.Random(18).shuffle(paths)
    return paths


def wait_for_port(port, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")
