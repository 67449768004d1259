"""Readers served through a database outage.

While the database can't be used (unreachable, restarting, its file unreadable: Django's
OperationalError and InterfaceError), a reader page with a kept copy
(page_cache.get_kept: this process's memory or the cache, made up to
KB_STALE_PAGE_SECONDS ago) is served from it with an `Age` header, and anything else is
answered with a calm 503 page and `Retry-After` (SharedPageMiddleware and
DatabaseOutageMiddleware, middleware.py). The log gets one line when an outage begins in a
process and one when it ends, none per request. While it lasts, each process reads the
glossary's versions again at most once per PROBE_SECONDS, so kept copies are served
without waiting on the database. Views counted meanwhile stay in counting.py's buffer.
"""

import logging
import threading
import time

from django.db import InterfaceError, OperationalError
from django.shortcuts import render
from django.urls import Resolver404, resolve

from ..models import GlossaryState

logger = logging.getLogger(__name__)

ERRORS = (OperationalError, InterfaceError)
PROBE_SECONDS = 1.0
RETRY_AFTER = 30  # seconds, for readers' browsers and crawlers


class StillDown(OperationalError):
    """The database failed less than PROBE_SECONDS ago: not asked again yet."""


def _first_line(error):
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


class Outage:
    """This process's view of the database: since when it can't be used, why, and what
    readers were given meanwhile (approximate counts, for the health report)."""

    def __init__(self):
        self._lock = threading.Lock()
        self.since = None  # time.time() of the first failure
        self.error = ""
        self.copies_served = 0
        self.unavailable_served = 0
        self._probe_at = 0.0  # monotonic

    def began(self, error):
        """A database error: the outage's one log line if it is new."""
        if isinstance(error, StillDown):
            return
        with self._lock:
            self.error = type(error).__name__
            if self.since is None:
                self.since = time.time()
                self.copies_served = self.unavailable_served = 0
                logger.error(
                    "The database can't be used (%s: %s): serving kept copies of pages, "
                    "503 for the rest",
                    self.error, _first_line(error),
                )  # fmt: skip

    def ended(self):
        if self.since is None:
            return
        with self._lock:
            if self.since is not None:
                logger.warning(
                    "The database is back after %.1f s (%d pages served from kept copies, "
                    "%d answered 503 meanwhile)",
                    time.time() - self.since, self.copies_served, self.unavailable_served,
                )  # fmt: skip
                self.since = None

    def may_probe(self):
        """Whether to read the versions now: always, except within PROBE_SECONDS of a
        failed read (then one caller per PROBE_SECONDS; the others serve what is kept)."""
        if self.since is None:
            return True
        with self._lock:
            now = time.monotonic()
            if now < self._probe_at:
                return False
            self._probe_at = now + PROBE_SECONDS
            return True

    def probe_later(self):
        with self._lock:
            self._probe_at = time.monotonic() + PROBE_SECONDS

    def status(self):
        if self.since is None:
            return {}
        return {
            "down_since": self.since,
            "error": self.error,
            "copies_served": self.copies_served,
            "unavailable_served": self.unavailable_served,
        }


current = Outage()


def versions():
    """The glossary's versions as SharedPageMiddleware needs them: remembered briefly
    (GlossaryState.recent_versions) while the database answers; during an outage read
    afresh, at most once per PROBE_SECONDS (StillDown meanwhile), so that its end is a real
    read."""
    if current.since is None:
        try:
            return GlossaryState.recent_versions()
        except ERRORS as error:
            current.began(error)
            current.probe_later()
            raise
    if not current.may_probe():
        raise StillDown(current.error)
    try:
        found = GlossaryState.versions()
    except ERRORS as error:
        current.began(error)
        current.probe_later()
        raise
    GlossaryState._forget_recent()  # remembered from before the outage: read it again
    current.ended()
    return found


def _view_name(request):
    match = getattr(request, "resolver_match", None)
    if match is None:
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return ""
    return match.view_name


def unavailable(request):
    """The calm 503 page: what could not be done, what still works, when to try again."""
    current.unavailable_served += 1
    name = _view_name(request)
    context = {
        "searching": name == "articles:search",
        "answering": name == "articles:feedback",
        "query": request.GET.get("q", "")[:200],
    }
    response = render(request, "503.html", context, status=503)
    response["Retry-After"] = str(RETRY_AFTER)
    response["Cache-Control"] = "no-store"
    # Not one "Service Unavailable" line per request in the log (django.request checks
    # this flag): the outage has its own line (Outage.began).
    response._has_been_logged = True
    return response
