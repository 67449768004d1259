"""Which requests count as a reader's view of an entry, and counting one.

Crawlers, HEAD requests, link prefetches and staff don't count: the number on the page
is meant to say how many people read the entry.

Views are added up in each process's memory and written every second
(`KB_VIEW_FLUSH_SECONDS`), in one transaction of `view_count = view_count + n` updates:
a read costs no database write, and no write is ever lost to a race. A write that fails
(database down or busy) is tried again with the next one; a process stopping normally
writes what it holds first. Only a process killed outright loses its last second of
counts. With `KB_VIEW_FLUSH_SECONDS=0` every view is written at once.
"""

import atexit
import logging
import os
import threading
import time
from collections import Counter

from crawlerdetect import CrawlerDetect
from django.conf import settings
from django.db import connection, transaction

from .models import Article

# One shared detector: its patterns (the maintained CrawlerDetect list of thousands of
# bots) compile once; is_crawler() with an explicit user agent keeps no per-call state.
_crawlers = CrawlerDetect()

# Headers browsers send on speculative loads (<link rel=prefetch>, Speculation Rules,
# Firefox, Safari and Chrome's preview fetches).
_PREFETCH_HEADERS = ("HTTP_SEC_PURPOSE", "HTTP_PURPOSE", "HTTP_X_PURPOSE", "HTTP_X_MOZ")


def is_reader_view(request):
    if request.method != "GET":
        return False
    if any("prefetch" in request.META.get(h, "").lower() or "preview" in request.META.get(h, "")
           for h in _PREFETCH_HEADERS):  # fmt: skip
        return False
    user = getattr(request, "user", None)  # None before authentication (middleware.py)
    if user is not None and user.is_authenticated and user.is_staff:
        return False
    user_agent = request.META.get("HTTP_USER_AGENT", "")[:500]
    return not (user_agent and _crawlers.is_crawler(user_agent))


_ADD_VIEWS = f"UPDATE {Article._meta.db_table} SET view_count = view_count + %s WHERE id = %s"
logger = logging.getLogger(__name__)


class ViewBuffer:
    """Views not yet written, by entry id, and the thread that writes them."""

    def __init__(self):
        self._lock = threading.Lock()
        self._counts = Counter()
        self._writer_pid = None  # the process whose writer thread runs (threads don't fork)

    def add(self, article_id):
        with self._lock:
            self._counts[article_id] += 1
            if self._writer_pid != os.getpid():
                self._writer_pid = os.getpid()
                threading.Thread(target=self._write_regularly, daemon=True).start()

    def _write_regularly(self):
        while True:
            interval = settings.VIEW_FLUSH_SECONDS
            time.sleep(interval if interval > 0 else 1)
            self.flush()

    def flush(self):
        """Write the views held so far; on failure keep them for the next try."""
        with self._lock:
            counts, self._counts = self._counts, Counter()
        if not counts:
            return
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                # In id order, so that two processes writing at once can't deadlock.
                cursor.executemany(_ADD_VIEWS, [(n, pk) for pk, n in sorted(counts.items())])
        except Exception:
            logger.exception("Could not write %d views; trying again", counts.total())
            with self._lock:
                self._counts.update(counts)
        finally:
            # Not kept between writes: a second apart, a connection of its own would
            # only sit idle (and could break unseen).
            connection.close()


buffer = ViewBuffer()
atexit.register(buffer.flush)


def count_view(article_id):
    """Count one view of the entry (see the module's docstring)."""
    if settings.VIEW_FLUSH_SECONDS > 0:
        buffer.add(article_id)
    else:
        with connection.cursor() as cursor:
            cursor.execute(_ADD_VIEWS, [1, article_id])


def record_view(article):
    """Count a view of this entry (never a read-modify-write, never `save()`, so
    `updated_at` stays put) and mirror it on the instance for display."""
    count_view(article.pk)
    article.view_count += 1
