"""Views held in a process's memory and written to the database in batches.

Every `VIEW_FLUSH_SECONDS` a thread writes the views held, in one transaction of
`view_count = view_count + n` updates; a write that fails (database down, busy or
read-only) keeps them for the next one. The buffer is bounded: at `VIEW_BUFFER_MAX`
entries, views of entries not held yet are dropped (the oldest are kept), counted and
logged, once per failure streak. A process that stops waits for a write in progress and
writes what is left, within a deadline (`stop()`, called by gunicorn's worker_exit hook
in knowledgebase/gunicorn.conf.py and at exit). Only a process killed outright loses
what it holds. docs: docs/pages.md "View counts", docs/outages.md.
"""

import logging
import os
import threading
import time
from collections import Counter
from datetime import UTC, datetime

from django.conf import settings
from django.db import connection, transaction

from ..models import Entry

logger = logging.getLogger(__name__)

ADD_VIEWS = f"UPDATE {Entry._meta.db_table} SET view_count = view_count + %s WHERE id = %s"
# A regular write waits this long for a lock (a long transaction, a backup) and then fails
# and is tried again: a stopping process then waits no longer than this for it.
WRITE_WAIT_SECONDS = 5.0


class ViewBuffer:
    """Views not yet written, by entry id; the thread that writes them; the account of
    how that goes (health())."""

    def __init__(self):
        self._reset()
        # A forked child (gunicorn's workers, preloaded) starts empty: the parent's views
        # are the parent's to write, and its locks may be held by a thread not forked.
        os.register_at_fork(after_in_child=self._reset)

    def _reset(self):
        self._lock = threading.Lock()  # guards the fields below, for microseconds
        self._writing = threading.Lock()  # one write at a time, held while it lasts
        self._held = Counter()  # every view not yet stored, a batch being written included
        self._oldest = None  # when the oldest view held was counted (monotonic)
        self._newer = None  # when the first view since the last batch was taken was
        self._writer_pid = None  # the process whose writer thread runs
        self._failures = 0  # writes failed in a row
        self._failing_since = None
        self._last_error = self._last_error_at = None
        self._dropped = 0  # views not held because the buffer was full, ever
        self._dropped_in_streak = 0  # since the buffer last had room for every view
        self._dropped_since_write = 0
        self._dropped_reported = 0  # by stop()

    def add(self, article_id):
        now = time.monotonic()
        with self._lock:
            full = len(self._held) >= settings.VIEW_BUFFER_MAX
            if full and article_id not in self._held:
                self._dropped += 1
                self._dropped_in_streak += 1
                self._dropped_since_write += 1
                first_drop = self._dropped_in_streak == 1
            else:
                first_drop = False
                if not self._held:
                    self._oldest = now
                if self._newer is None:
                    self._newer = now
                self._held[article_id] += 1
            if self._writer_pid != os.getpid():
                self._writer_pid = os.getpid()
                threading.Thread(target=self._write_regularly, daemon=True).start()
        if first_drop:
            logger.error(
                "View buffer full (%d entries, KB_VIEW_BUFFER_MAX): views of other entries "
                "are dropped until the views held can be written",
                settings.VIEW_BUFFER_MAX,
            )

    def _write_regularly(self):
        while True:
            interval = settings.VIEW_FLUSH_SECONDS
            time.sleep(interval if interval > 0 else 1)
            try:
                self.flush()
            except Exception:  # the thread must go on: a later write may work
                logger.exception("Unexpected error writing views")

    def flush(self, wait=WRITE_WAIT_SECONDS):
        """Write the views held (waiting at most `wait` s for a lock); on failure keep
        them for the next try. True if every view held when it began is stored."""
        with self._writing:
            return self._write_held(wait)

    def stop(self, timeout):
        """Write everything held, for a process about to exit: wait for a write in
        progress (it may be waiting on a lock), then write what is left, trying again
        until `timeout` s have passed. Logs what it waited for, and anything lost or
        dropped. True if nothing held is lost."""
        try:
            return self._write_all(timeout)
        finally:
            with self._lock:
                dropped = self._dropped - self._dropped_reported
                self._dropped_reported = self._dropped
            if dropped:
                logger.warning("Stopping: %d views were dropped in this process's life, the "
                               "view buffer being full", dropped)  # fmt: skip

    def _write_all(self, timeout):
        began = time.monotonic()
        deadline = began + timeout
        # A write in progress normally ends within milliseconds; one waiting on a lock
        # is waited for, and said so.
        if not self._writing.acquire(timeout=min(0.2, timeout)):
            logger.warning("Stopping: waiting up to %.0f s for a write in progress (%d views "
                           "held)", timeout, self.waiting())  # fmt: skip
            if not self._writing.acquire(timeout=max(deadline - time.monotonic(), 0)):
                return self._lost("the write in progress did not end", timeout)
            logger.warning("Stopping: the write in progress ended after %.1f s",
                           time.monotonic() - began)  # fmt: skip
        try:
            while True:
                remaining = deadline - time.monotonic()
                if self._write_held(wait=max(remaining, 0.1)) and not self.waiting():
                    return True
                if remaining <= 0.5:
                    return self._lost(self._last_error, timeout)
                time.sleep(0.5)
        finally:
            self._writing.release()

    def _lost(self, reason, timeout):
        logger.error("Stopping: %d views lost, not written within %.0f s (%s)",
                     self.waiting(), timeout, reason)  # fmt: skip
        return False

    def waiting(self):
        with self._lock:
            return self._held.total()

    def health(self):
        """What monitoring needs to know about this process's views not yet written."""
        with self._lock:
            oldest = self._oldest if self._held else None
            report = {
                "state": "degraded" if self._failures or self._dropped_in_streak else "ok",
                "views_waiting": self._held.total(),
                "entries_waiting": len(self._held),
                "oldest_waiting_seconds": (
                    None if oldest is None else round(time.monotonic() - oldest, 1)
                ),
                "failed_writes_in_a_row": self._failures,
                "last_write_error": self._last_error,
                "last_write_error_at": self._last_error_at,
                "views_dropped": self._dropped,
                "buffer_max_entries": settings.VIEW_BUFFER_MAX,
            }
        return report

    def _write_held(self, wait):
        # The caller holds self._writing.
        with self._lock:
            batch = +self._held
            self._newer = None
        if not batch:
            return True
        try:
            _write(batch, wait)
        except Exception as error:
            self._failed(error, batch)
            return False
        finally:
            # Not kept between writes: a second apart, a connection of its own would
            # only sit idle (and could break unseen).
            connection.close()
        with self._lock:
            for article_id, views in batch.items():
                self._held[article_id] -= views
                if self._held[article_id] <= 0:
                    del self._held[article_id]
            self._oldest = self._newer if self._held else None
            failures, since, dropped = self._failures, self._failing_since, self._dropped_in_streak
            # A streak of drops ends with the failures, or with a write that followed an
            # interval without drops (a buffer too small for one interval's entries).
            streak_ended = failures or not self._dropped_since_write
            if streak_ended:
                self._dropped_in_streak = 0
            self._failures, self._failing_since, self._dropped_since_write = 0, None, 0
        if failures:
            logger.warning(
                "Views written again after %d failed writes over %.0f s: %d views%s",
                failures, time.monotonic() - since, batch.total(),
                f"; {dropped} views dropped meanwhile (buffer full)" if dropped else "",
            )  # fmt: skip
        elif dropped and streak_ended:
            logger.warning("View buffer has room again: %d views were dropped", dropped)
        return True

    def _failed(self, error, batch):
        with self._lock:
            self._failures += 1
            self._last_error = " ".join(f"{type(error).__name__}: {error}".split())[:300]
            self._last_error_at = datetime.now(UTC).isoformat(timespec="seconds")
            first = self._failures == 1
            if first:
                self._failing_since = time.monotonic()
        if first:  # one line per failure streak, not one per try
            logger.error(
                "Views not written (%s): holding %d and trying again every %g s",
                self._last_error, batch.total(), settings.VIEW_FLUSH_SECONDS,
            )  # fmt: skip


def _write(batch, wait):
    """One transaction of increments, in id order (two processes writing at once can't
    deadlock), waiting at most `wait` s for a lock."""
    connection.ensure_connection()
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:  # outside the transaction: BEGIN waits already
            cursor.execute(f"PRAGMA busy_timeout = {int(wait * 1000)}")
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"SET LOCAL lock_timeout = {int(wait * 1000)}")
        # One statement at a time: psycopg's executemany (a pipeline) logs a line of its
        # own for each failed batch.
        for article_id, views in sorted(batch.items()):
            cursor.execute(ADD_VIEWS, [views, article_id])
