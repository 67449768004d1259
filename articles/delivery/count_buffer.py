"""Counts held in a process's memory and written to the database in batches (reader
views: view_buffer.py; reader searches: articles/insights/search_counts.py).

Every `VIEW_FLUSH_SECONDS` a thread writes the counts held, in one transaction; a write
that fails (database down, busy or read-only) keeps them for the next one. The buffer is
bounded: at its maximum number of keys, counts for keys not held yet are dropped (the
oldest are kept), counted and logged, once per failure streak. A process that stops
waits for a write in progress and writes what is left, within a deadline (`stop()`,
called by gunicorn's worker_exit hook in knowledgebase/gunicorn.conf.py and at exit).
Only a process killed outright loses what it holds. docs: docs/pages.md "View counts",
docs/outages.md.
"""

import os
import threading
import time
from collections import Counter
from datetime import UTC, datetime

from django.conf import settings
from django.db import connection
from django.utils import timezone

# A regular write waits this long for a lock (a long transaction, a backup) and then fails
# and is tried again: a stopping process then waits no longer than this for it.
WRITE_WAIT_SECONDS = 5.0
NAP_SECONDS = 0.25  # the writer thread's longest sleep


_today = (None, None, None)  # (minute since the epoch, time zone, its date then)


def today():
    """The site's date (TIME_ZONE's, whatever zone a request has activated), worked out
    once a minute: every read counted asks for it, and a date changes only at the turn of
    a minute in every time zone in use."""
    global _today
    minute, zone = int(time.time() // 60), timezone.get_default_timezone()
    cached_minute, cached_zone, day = _today
    if minute != cached_minute or zone is not cached_zone:
        day = timezone.localdate(timezone=zone)
        _today = (minute, zone, day)
    return day


class CountBuffer:
    """Counts not yet written, by key; the thread that writes them; the account of how
    that goes (health()). `write(batch, wait)` stores a Counter of counts by key in one
    transaction (waiting at most `wait` s for a lock) or raises. `noun` names what is
    counted ("views"), `unit` what the keys are ("entries"), `max_setting` the setting
    bounding how many keys are held while writes fail."""

    def __init__(self, write, *, noun, unit, max_setting, log, every_interval=None):
        self._write = write
        self._every_interval = every_interval  # also run by the thread, after each write
        self.noun, self.unit, self.max_setting = noun, unit, max_setting
        self._log = log
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

    def add(self, key, n=1):
        now = time.monotonic()
        with self._lock:
            full = len(self._held) >= self._max()
            if full and key not in self._held:
                self._dropped += n
                self._dropped_in_streak += n
                self._dropped_since_write += n
                first_drop = self._dropped_in_streak == 1
            else:
                first_drop = False
                if not self._held:
                    self._oldest = now
                if self._newer is None:
                    self._newer = now
                self._held[key] += n
            if self._writer_pid != os.getpid():
                self._writer_pid = os.getpid()
                threading.Thread(target=self._write_regularly, daemon=True).start()
        if first_drop:
            self._log.error(
                "%s buffer full (%d %s, KB_%s): %s of others are dropped until those held "
                "can be written",
                self.noun.capitalize(), self._max(), self.unit, self.max_setting, self.noun,
            )  # fmt: skip

    def _max(self):
        return getattr(settings, self.max_setting)

    def _write_regularly(self):
        last = time.monotonic()
        while True:
            # Short naps, the interval read after each: a changed setting (tests change
            # it) applies at once, not after a long interval read earlier has passed.
            interval = settings.VIEW_FLUSH_SECONDS
            interval = interval if interval > 0 else 1
            time.sleep(min(interval, NAP_SECONDS))
            if time.monotonic() - last < interval:
                continue
            last = time.monotonic()
            try:
                self.flush()
            except Exception:  # the thread must go on: a later write may work
                self._log.exception("Unexpected error writing %s", self.noun)
            if self._every_interval is not None:
                try:
                    self._every_interval()
                except Exception:
                    self._log.exception("Unexpected error in %s", self._every_interval.__name__)

    def flush(self, wait=WRITE_WAIT_SECONDS):
        """Write the counts held (waiting at most `wait` s for a lock); on failure keep
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
                self._log.warning("Stopping: %d %s were dropped in this process's life, the "
                                  "buffer being full", dropped, self.noun)  # fmt: skip

    def _write_all(self, timeout):
        began = time.monotonic()
        deadline = began + timeout
        # A write in progress normally ends within milliseconds; one waiting on a lock
        # is waited for, and said so.
        if not self._writing.acquire(timeout=min(0.2, timeout)):
            self._log.warning("Stopping: waiting up to %.0f s for a write in progress (%d %s "
                              "held)", timeout, self.waiting(), self.noun)  # fmt: skip
            if not self._writing.acquire(timeout=max(deadline - time.monotonic(), 0)):
                return self._lost("the write in progress did not end", timeout)
            self._log.warning("Stopping: the write in progress ended after %.1f s",
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
        self._log.error("Stopping: %d %s lost, not written within %.0f s (%s)",
                        self.waiting(), self.noun, timeout, reason)  # fmt: skip
        return False

    def clear(self):
        """Forget every count held, written or not (a test's leftovers, before the next)."""
        with self._lock:
            self._held.clear()
            self._oldest = self._newer = None

    def waiting(self):
        with self._lock:
            return self._held.total()

    def health(self):
        """What monitoring needs to know about this process's views not yet written."""
        with self._lock:
            oldest = self._oldest if self._held else None
            report = {
                "state": "degraded" if self._failures or self._dropped_in_streak else "ok",
                f"{self.noun}_waiting": self._held.total(),
                f"{self.unit}_waiting": len(self._held),
                "oldest_waiting_seconds": (
                    None if oldest is None else round(time.monotonic() - oldest, 1)
                ),
                "failed_writes_in_a_row": self._failures,
                "last_write_error": self._last_error,
                "last_write_error_at": self._last_error_at,
                f"{self.noun}_dropped": self._dropped,
                f"buffer_max_{self.unit}": self._max(),
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
            self._write(batch, wait)
        except Exception as error:
            self._failed(error, batch)
            return False
        finally:
            # Not kept between writes: a second apart, a connection of its own would
            # only sit idle (and could break unseen).
            connection.close()
        with self._lock:
            for key, n in batch.items():
                self._held[key] -= n
                if self._held[key] <= 0:
                    del self._held[key]
            self._oldest = self._newer if self._held else None
            failures, since, dropped = self._failures, self._failing_since, self._dropped_in_streak
            # A streak of drops ends with the failures, or with a write that followed an
            # interval without drops (a buffer too small for one interval's entries).
            streak_ended = failures or not self._dropped_since_write
            if streak_ended:
                self._dropped_in_streak = 0
            self._failures, self._failing_since, self._dropped_since_write = 0, None, 0
        if failures:
            self._log.warning(
                "%s written again after %d failed writes over %.0f s: %d %s%s",
                self.noun.capitalize(), failures, time.monotonic() - since, batch.total(),
                self.noun, f"; {dropped} {self.noun} dropped meanwhile (buffer full)" if dropped
                else "",
            )  # fmt: skip
        elif dropped and streak_ended:
            self._log.warning("%s buffer has room again: %d %s were dropped",
                              self.noun.capitalize(), dropped, self.noun)  # fmt: skip
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
            self._log.error(
                "%s not written (%s): holding %d and trying again every %g s",
                self.noun.capitalize(), self._last_error, batch.total(),
                settings.VIEW_FLUSH_SECONDS,
            )  # fmt: skip
