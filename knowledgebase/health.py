"""Health: what load balancers, orchestrators and monitoring ask. Never cached.

- /healthz/live: the process answers (touches neither database nor cache). For
  liveness probes: restarting a server doesn't bring a database back.
- /healthz: readiness, "can this server answer readers?" 200 while the database can be
  read, or, when it can't, while there are kept pages to serve (outage.py): in this
  process's memory, or the home page's copy in the cache. 503 only when neither. A
  degraded cache or a database that can't be written is not a 503: readers are served.
- /healthz/details: for monitoring. The database readable and writable (a write that
  changes nothing, rolled back), the caches, the views and searches waiting to be
  written (counting.health(), search_counts.health()), the outage as this process saw
  it. "ok", "degraded" or "unavailable"; 503 exactly when /healthz is.

Error messages stay in the log; the reports name an error's kind only.
"""

import shutil
import sqlite3
from pathlib import Path

from django.core.cache import caches
from django.db import DatabaseError, connection, transaction
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from articles.delivery import counting, outage, page_cache
from articles.insights import search_counts
from articles.models import GlossaryState

# A write that matches no row: refused by a read-only database (a PostgreSQL standby or
# read-only transaction, an SQLite file that can't be written), yet changes nothing.
_NO_OP_WRITE = f"UPDATE {GlossaryState._meta.db_table} SET id = id WHERE 1 = 0"
LOW_DISK_BYTES = 64 * 1024 * 1024


def _readable():
    """(whether the glossary's versions can be read now, the error's kind)."""
    try:
        GlossaryState.versions()
    except DatabaseError as error:
        if isinstance(error, outage.ERRORS):
            outage.current.began(error)
        return False, type(error).__name__
    outage.current.ended()
    return True, ""


def _sqlite_writable(path):
    # Its own connection that never waits: Django's would wait out the busy timeout
    # behind a writer, and a writer holding the lock shows the file can be written.
    uri = Path(path).resolve().as_uri() + "?mode=rw"
    probe = sqlite3.connect(uri, uri=True, timeout=0, isolation_level=None)
    try:
        probe.execute("BEGIN IMMEDIATE")
        probe.execute(_NO_OP_WRITE)
        probe.execute("ROLLBACK")
    except sqlite3.OperationalError as error:
        if getattr(error, "sqlite_errorname", "") in ("SQLITE_BUSY", "SQLITE_LOCKED"):
            return True, ""
        return False, getattr(error, "sqlite_errorname", "") or type(error).__name__
    finally:
        probe.close()
    return True, ""


def _server_writable():
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                if connection.vendor == "postgresql":  # never queue behind a migration
                    cursor.execute("SET LOCAL lock_timeout = '500ms'")
                cursor.execute(_NO_OP_WRITE)
            transaction.set_rollback(True)
    except DatabaseError as error:
        return False, type(error).__name__
    return True, ""


def _database(readable, error):
    report = {"vendor": connection.vendor, "readable": readable, "writable": None}
    if error:
        report["error"] = error
    if readable:
        path = connection.settings_dict["NAME"]
        if connection.vendor == "sqlite" and not connection.is_in_memory_db():
            report["writable"], report["write_error"] = _sqlite_writable(path)
            free = shutil.disk_usage(Path(path).resolve().parent).free
            report["disk_free_mb"] = free // 2**20
            if free < LOW_DISK_BYTES:
                report["writable"], report["write_error"] = False, "disk nearly full"
        else:
            report["writable"], report["write_error"] = _server_writable()
        if not report["write_error"]:
            del report["write_error"]
    if outage_report := outage.current.status():
        report["outage"] = outage_report
    return report


def _caches():
    """Each cache's state: Redis's (knowledgebase/cache.py) or this process's memory."""
    reports = {}
    for alias in ("default", "pages"):
        status = getattr(caches[alias], "status", None)
        reports[alias] = status() if status else {"backend": "local memory", "state": "ok"}
    return reports


def _held(module):
    """The counts held and not yet written (views: counting.py; searches:
    search_counts.py), and whether that is well."""
    health = getattr(module, "health", None)
    if health is None:
        return {"state": "unknown"}
    report = dict(health())
    for name, value in report.items():
        if name.endswith("error") and isinstance(value, str):
            report[name] = value.split(":", 1)[0]  # "OperationalError: …" → its kind
    if "state" not in report:
        failing = any(
            value for name, value in report.items() if "error" in name or "dropped" in name
        )
        report["state"] = "degraded" if failing else "ok"
    return report


def _answer(report, ready):
    return JsonResponse(report, status=200 if ready else 503)


@require_safe
@never_cache
def live(request):
    return JsonResponse({"status": "ok"})


@require_safe
@never_cache
def healthz(request):
    readable, _ = _readable()
    cache = "ok" if all(c["state"] == "ok" for c in _caches().values()) else "degraded"
    ready = readable or page_cache.holds_kept()
    if readable:
        status = "ok" if cache == "ok" else "degraded"
    else:
        status = "degraded" if ready else "unavailable"
    report = {"status": status, "database": "ok" if readable else "unreachable", "cache": cache}
    if not readable:
        report["kept_pages"] = ready
    return _answer(report, ready)


@require_safe
@never_cache
def details(request):
    readable, error = _readable()
    kept = page_cache.holds_kept()
    ready = readable or kept
    report = {
        "database": _database(readable, error),
        "caches": _caches(),
        "kept_pages": {"in_memory": len(page_cache.recent), "any": kept},
        "views": _held(counting),
        "searches": _held(search_counts),
    }
    healthy = (
        report["database"]["writable"] is not False
        and readable
        and all(c["state"] == "ok" for c in report["caches"].values())
        and report["views"]["state"] in ("ok", "unknown")
        and report["searches"]["state"] in ("ok", "unknown")
    )
    status = "ok" if healthy else "degraded" if ready else "unavailable"
    return _answer({"status": status, **report}, ready)
