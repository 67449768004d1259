"""Which requests count as a reader's view of an entry, and counting one.

Crawlers, HEAD requests, link prefetches and staff don't count: the number on the page
is meant to say how many people read the entry.

Views are added up in each process's memory and written every second
(`KB_VIEW_FLUSH_SECONDS`) by view_buffer.py: a read costs no database write, no write is
lost to a race, a failed write is tried again, and a process stopping normally writes
what it holds first. With `KB_VIEW_FLUSH_SECONDS=0` every view is written at once.
"""

import atexit
import functools

from crawlerdetect import CrawlerDetect
from django.conf import settings

from ..insights import retention
from .count_buffer import today
from .view_buffer import ViewBuffer, write_views

# How long a process exiting normally gives itself to write the views it holds.
STOP_SECONDS = 20

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
    return not (user_agent and _is_crawler(user_agent))


# Readers' browsers send a few thousand different user agents a day at most: each is
# matched against the crawler patterns once per process, not on every read.
@functools.lru_cache(maxsize=2048)
def _is_crawler(user_agent):
    return _crawlers.is_crawler(user_agent)


# Its writer thread also removes old reader data once a day (insights/retention.py): the
# way to run it on a schedule without cron, in whichever process serves readers.
buffer = ViewBuffer(every_interval=retention.purge_if_due)
# Processes other than gunicorn's workers (whose worker_exit hook stops the buffer first,
# with gunicorn's deadline) write what they hold when they exit normally.
atexit.register(buffer.stop, STOP_SECONDS)


def health():
    """This process's views not yet written: how many, how old, the last write error,
    views dropped (view_buffer.ViewBuffer.health)."""
    return buffer.health()


def count_view(article_id):
    """Count one view of the entry (see the module's docstring)."""
    if settings.VIEW_FLUSH_SECONDS > 0:
        buffer.add(article_id)
    else:
        write_views({(article_id, today()): 1})
