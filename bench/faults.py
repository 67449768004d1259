"""The fault suite: the production server under bounded load while each fault is injected.

    .venv/bin/python bench/faults.py                         # every fault, SQLite
    .venv/bin/python bench/faults.py --database postgres     # PostgreSQL (+ a private Redis)
    .venv/bin/python bench/faults.py sighup kill9            # some of them

For each fault: gunicorn as `make serve` runs it (3 workers x 4 threads, the site's
configuration file, views written every second) on a throwaway database, eight readers
reading term pages and others as fast as they are answered, the fault injected two
seconds in, then three seconds more of reading, then a graceful stop. Checks, per fault:
the views stored equal the term pages answered 200 (less what the servers logged as
dropped, and what a `kill -9` may lose: one flush interval of one worker), no response
is a 5xx, no traceback in the server's log, and readers are answered 200 again after the
fault without a restart. Prints one row per fault; exits 1 if a check failed. Loopback
only: PostgreSQL is cut off through a proxy of the suite's own, Redis is a private one,
and the shared servers are never stopped. The pieces: harness.py and injectors.py.
"""

import argparse
import os
import platform
import re
import signal
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness  # noqa: E402
from harness import Database, Readers, Server  # noqa: E402
from injectors import Editor, PrivateRedis, Proxy  # noqa: E402

LOGS = Path("/tmp") / f"kb-{harness.NAME}-logs"
FLUSH_SECONDS = 1.0  # the default KB_VIEW_FLUSH_SECONDS


@dataclass
class Rig:
    database: str
    env: dict
    db: Database
    paths: list
    config: bool
    gunicorn_args: list
    editor_entry: int


@dataclass
class Outcome:
    name: str
    served: int = 0
    stored: int = 0
    statuses: dict = field(default_factory=dict)
    latency_before: tuple = (0, 0, 0)
    latency_during: tuple = (0, 0, 0)
    recovered: bool = True
    settled_seconds: float | None = None
    health: list = field(default_factory=list)  # /healthz and /healthz/details at the end
    stop_seconds: float = 0.0
    log_errors: int = 0  # tracebacks in the server's log
    log_lines: int = 0
    allowed_loss: int = 0  # views a kill -9 may lose
    dropped: int = 0  # views the servers logged as dropped, their buffer full
    rate_before: float = 0.0  # term pages answered 200 per second before the fault
    notes: list = field(default_factory=list)

    @property
    def lost(self):
        return self.served - self.stored

    @property
    def errors_500(self):
        return sum(n for s, n in self.statuses.items() if isinstance(s, int) and s >= 500)

    def failures(self):
        failed = []
        if not 0 <= self.lost - self.dropped <= self.allowed_loss:
            failed.append(f"views: {self.stored} stored for {self.served} served")
        if self.errors_500:
            failed.append(f"{self.errors_500} responses 5xx")
        if not self.recovered:
            failed.append("not answering 200 after the fault")
        if self.log_errors:
            failed.append(f"{self.log_errors} tracebacks in the log")
        return failed


def under_load(rig, name, inject, server_env=None, lead=2.0, tail=3.0, server_stops=False,
               expect_loss=False):  # fmt: skip
    """Start a server, read, inject the fault, read on, stop; the account of it all."""
    env = {**rig.env, **(server_env or {})}
    outcome = Outcome(name)
    before = rig.db.stored_views()
    server = Server(env, LOGS / f"{rig.database}-{name}.log", config=rig.config,
                    extra=rig.gunicorn_args).start()  # fmt: skip
    readers = Readers(rig.paths).start()
    try:
        time.sleep(lead)
        fault_began = readers.now()
        inject(server, readers, outcome)
        fault_ended = readers.now()
        time.sleep(tail)
    except BaseException:
        readers.stop()
        server.stop()
        raise
    readers.stop()
    outcome.served = readers.views_served()
    outcome.statuses = readers.statuses()
    outcome.latency_before = readers.latencies(0.5, fault_began)
    outcome.latency_during = readers.latencies(fault_began, fault_ended + 1)
    outcome.rate_before = sum(
        1 for r in readers.results if r.status == 200 and harness.is_term_page(r.path)
        and fault_began - 1 <= r.started < fault_began
    )  # fmt: skip
    if not server_stops:
        # Readers answered 200 again, in the last two seconds, with no restart.
        recent = readers.statuses(since=fault_ended + tail - 2)
        outcome.recovered = bool(recent) and set(recent) == {200}
        outcome.settled_seconds = _written(rig, before, outcome.served, expect_loss)
        for path in ("/healthz", "/healthz/details"):
            try:
                status, body = harness.http_get(path)
                outcome.health.append(f"{path} {status} {body.decode()[:400]}")
            except OSError as error:
                outcome.health.append(f"{path} {error!r}")
    outcome.stop_seconds = server.stop()
    outcome.stored = rig.db.stored_views() - before
    log = server.log_text()
    outcome.log_errors = log.count("Traceback")
    # Each worker's total, as it stops.
    outcome.dropped = sum(int(n) for n in re.findall(r"Stopping: (\d+) views were dropped", log))
    outcome.log_lines = len(log.splitlines())
    return outcome


def _written(rig, before, served, expect_loss, patience=20):
    """Seconds until the views served are all stored with the server running (None if
    they weren't within `patience`); with `expect_loss`, until the count stops moving."""
    waited, last, still_since = time.monotonic(), None, time.monotonic()
    while time.monotonic() - waited < patience:
        stored = rig.db.stored_views() - before
        if stored >= served:
            return time.monotonic() - waited
        if stored != last:
            last, still_since = stored, time.monotonic()
        elif expect_loss and time.monotonic() - still_since > 3:
            return None
        time.sleep(0.2)
    return None


FAULTS = {}


def fault(name, databases=("sqlite", "postgres")):
    def register(function):
        FAULTS[name] = (function, databases)
        return function

    return register


@fault("steady")
def steady(rig):
    """No fault: the baseline."""
    return under_load(rig, "steady", lambda *_: time.sleep(4))


@fault("saves")
def saves(rig):
    """The entry being read saved by an editor in the admin 10 times, then 30 times
    through the ORM, then reverted to its oldest revision 3 times."""
    orm = (
        "import time\n"
        "from reversion.models import Version\n"
        "for i in range(30):\n"
        "    a = Entry.objects.get(slug='peer-support')\n"
        "    a.definition = a.definition.split(' [')[0] + f' [orm {i}]'\n"
        "    a.save()\n"
        "    time.sleep(0.1)\n"
        "reverted = 0\n"
        "for _ in range(3):\n"
        "    oldest = Version.objects.get_for_object(a).last()\n"
        "    if oldest is not None:\n"
        "        oldest.revision.revert(delete=False)\n"
        "        reverted += 1\n"
        "    time.sleep(0.3)\n"
        "print(f'ORM saves 30, reverts {reverted}')\n"
    )

    def inject(server, readers, outcome):
        editor = Editor().sign_in()
        answers = [editor.save(rig.editor_entry, f"admin {i}") for i in range(10)]
        out = harness.django_snippet(rig.env, orm)
        outcome.notes.append(
            f"admin saves {answers.count(302)}/10 (answers {sorted(set(answers))}); "
            f"{out.strip().splitlines()[-1]}"
        )

    return under_load(rig, "saves", inject)


@fault("sighup")
def sighup(rig):
    """A reload (SIGHUP) under load: views kept, readers not stalled."""

    def inject(server, readers, outcome):
        server.signal(signal.SIGHUP)
        time.sleep(5)

    return under_load(rig, "sighup", inject)


@fault("release")
def release(rig):
    """A release as the README describes it: USR2 to the master (a new master loads the
    code and forks its workers beside the old ones), then TERM to the old master."""

    def inject(server, readers, outcome):
        outcome.notes.append(f"new master answering, old one stopped in {server.release():.1f} s")
        time.sleep(2)

    return under_load(rig, "release", inject)


@fault("sighup-locked")
def sighup_locked(rig):
    """SIGHUP while a second connection holds the lock the view writes wait for; the lock
    released 3 s later."""

    def inject(server, readers, outcome):
        with rig.db.locked():
            time.sleep(1.5)  # a batch of views is now waiting on the lock
            server.signal(signal.SIGHUP)
            time.sleep(3)
        time.sleep(2)

    return under_load(rig, "sighup-locked", inject)


@fault("sigterm-locked")
def sigterm_locked(rig):
    """SIGTERM (stop) while the lock is held; the lock released 3 s later: the stopping
    workers wait for their batch and write everything they hold."""

    def inject(server, readers, outcome):
        with rig.db.locked():
            time.sleep(1.5)
            server.signal(signal.SIGTERM)
            signalled = time.monotonic()
            time.sleep(3)
        server.process.wait(60)
        outcome.notes.append(
            f"gunicorn exited {time.monotonic() - signalled:.1f} s after SIGTERM "
            "(the lock released after 3 s)"
        )

    return under_load(rig, "sigterm-locked", inject, tail=1.0, server_stops=True)


@fault("kill9")
def kill9(rig):
    """One worker killed outright (SIGKILL): it loses what it held, which the README
    bounds by one flush interval of one worker's views."""

    def inject(server, readers, outcome):
        victim = server.workers()[0]
        os.kill(victim, signal.SIGKILL)
        outcome.killed_at = readers.now()
        time.sleep(3)

    outcome = under_load(rig, "kill9", inject, expect_loss=True)
    # The killed worker held what it counted since its last write: up to one flush
    # interval plus that write's time. Its share of the readers is uneven (kept-alive
    # connections stay with the worker that accepted them; it may have all of them),
    # so the whole server's reads over that time are the bound, a quarter added for
    # the write's time and the rate's variation.
    outcome.allowed_loss = int(outcome.rate_before * FLUSH_SECONDS * 1.25)
    rate = outcome.rate_before or 1
    outcome.notes.append(
        f"lost {outcome.lost:,} views = {outcome.lost / rate:.2f} s of the server's term-page "
        f"reads ({rate:,.0f}/s; requests cut: {_client_errors(outcome)})"
    )
    return outcome


def _client_errors(outcome):
    return sum(n for status, n in outcome.statuses.items() if isinstance(status, str))


@fault("buffer-full")
def buffer_full(rig):
    """The database read-only for 5 s with room for 2 entries' views per worker
    (KB_VIEW_BUFFER_MAX=2): views of the other entries read are dropped, and every one
    of them is counted in the log."""

    def inject(server, readers, outcome):
        with rig.db.read_only():
            time.sleep(5)

    return under_load(rig, "buffer-full", inject, {"KB_VIEW_BUFFER_MAX": "2"})


@fault("db-outage", databases=("postgres",))
def db_outage(rig):
    """PostgreSQL unreachable for 10 s (the suite's proxy refuses connections and drops
    the open ones), then back."""
    proxy = Proxy(harness.PROXY_PORT, 5432)
    url = rig.env["DATABASE_URL"].replace(":5432/", f":{harness.PROXY_PORT}/")

    def inject(server, readers, outcome):
        proxy.cut()
        time.sleep(10)
        proxy.restore()

    try:
        return under_load(rig, "db-outage", inject, {"DATABASE_URL": url})
    finally:
        proxy.stop()


@fault("redis-down")
def redis_down(rig):
    """The server's Redis (a private one) killed for 10 s, then started again."""
    redis = PrivateRedis().start()

    def inject(server, readers, outcome):
        redis.kill()
        time.sleep(10)
        redis.start()

    try:
        return under_load(rig, "redis-down", inject, {"REDIS_URL": redis.url})
    finally:
        redis.kill()


@fault("read-only")
def read_only(rig):
    """The database read-only for 8 s (SQLite: the file immutable; PostgreSQL: new
    sessions read-only): reads go on, view writes fail and are kept until it is writable."""

    def inject(server, readers, outcome):
        with rig.db.read_only():
            time.sleep(8)

    return under_load(rig, "read-only", inject)


def report(rig, outcomes, args):
    machine = f"{platform.node()}, {platform.machine()}, {os.cpu_count()} cores"
    redis = " (+ a private Redis)" if "REDIS_URL" in rig.env else ""
    print(f"\n# bench/faults.py --database {rig.database}{redis}, "
          f"{time.strftime('%Y-%m-%d %H:%M')}, {machine}, Python {platform.python_version()}"
          f"{'' if rig.config else ', WITHOUT the gunicorn configuration file'}"
          f"{' ' + ' '.join(rig.gunicorn_args) if rig.gunicorn_args else ''}")  # fmt: skip
    print(
        "| fault | term pages 200 | views stored | lost | 5xx | other answers | p99 / max ms "
        "before | p99 / max ms during | all written after | /healthz | stop s | log lines "
        "(tracebacks) | result |"
    )
    print("|" + "---|" * 14)
    for o in outcomes:
        others = {s: n for s, n in o.statuses.items() if s != 200 and not (
            isinstance(s, int) and s >= 500)}  # fmt: skip
        failures = o.failures()
        print(
            f"| {o.name} | {o.served:,} | {o.stored:,} | {o.lost:,}"
            f"{f' (≤ {o.allowed_loss:,} allowed)' if o.allowed_loss else ''}"
            f"{f' ({o.dropped:,} logged as dropped)' if o.dropped else ''} | {o.errors_500:,} | "
            f"{', '.join(f'{s}: {n:,}' for s, n in others.items()) or '–'} | "
            f"{o.latency_before[1]:.0f} / {o.latency_before[2]:.0f} | "
            f"{o.latency_during[1]:.0f} / {o.latency_during[2]:,.0f} | "
            f"{'–' if o.settled_seconds is None else f'{o.settled_seconds:.1f} s'} | "
            f"{o.health[0].split(' ')[1] if o.health else '–'} | {o.stop_seconds:.1f} | "
            f"{o.log_lines} ({o.log_errors}) | "
            f"{'pass' if not failures else 'FAIL: ' + '; '.join(failures)} |"
        )
    for o in outcomes:
        for note in o.notes:
            print(f"- {o.name}: {note}")
        if args.verbose:
            for line in o.health:
                print(f"- {o.name}: {line}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("faults", nargs="*", help=f"some of: {', '.join(FAULTS)}")
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument(
        "--no-config", action="store_true", help="gunicorn without its configuration file"
    )
    parser.add_argument("--gunicorn", default="", help="more gunicorn options (to compare)")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()
    names = args.faults or list(FAULTS)
    unknown = set(names) - set(FAULTS)
    if unknown:
        parser.error(f"unknown faults: {', '.join(sorted(unknown))}")
    LOGS.mkdir(exist_ok=True)
    env = harness.base_env(args.database)
    redis = None
    if args.database == "postgres":
        # As a multi-server deployment runs: PostgreSQL and a Redis (a private one).
        redis = PrivateRedis(harness.REDIS_PORT + 1).start()
        env["REDIS_URL"] = redis.url
    try:
        harness.prepare_database(args.database, env)
        db = Database(env)
        paths, entry = harness.reader_paths(env), db.entry_id("peer-support")
        rig = Rig(args.database, env, db, paths, not args.no_config, args.gunicorn.split(), entry)
        outcomes = []
        for name in names:
            function, databases = FAULTS[name]
            if args.database not in databases:
                continue
            print(f"{name} …", file=sys.stderr, flush=True)
            try:
                outcomes.append(function(rig))
            except Exception as error:  # the suite goes on with the next fault
                traceback.print_exc()
                note = f"the suite failed: {error!r}"
                outcomes.append(Outcome(name, recovered=False, notes=[note]))
    finally:
        if redis is not None:
            redis.kill()
    report(rig, outcomes, args)
    print(f"\nServer logs: {LOGS}/")
    sys.exit(1 if any(o.failures() for o in outcomes) else 0)


if __name__ == "__main__":
    main()
