"""Which requests count as a reader's view of an entry, and counting one.

Crawlers, HEAD requests, link prefetches and staff don't count: the number on the page
is meant to say how many people read the entry.
"""

from crawlerdetect import CrawlerDetect
from django.db import connection

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


_COUNT_VIEW = (
    f"UPDATE {Article._meta.db_table} SET view_count = view_count + 1 WHERE id = %s"
)


def count_view(article_id):
    """record_view() without the instance: one statement, on the path of every cached
    term page (the ORM would spend longer building it than the database running it)."""
    with connection.cursor() as cursor:
        cursor.execute(_COUNT_VIEW, [article_id])


def record_view(article):
    """Add one view atomically in the database (no read-modify-write, no `save()`, so
    `updated_at` stays put) and mirror it on the instance for display."""
    count_view(article.pk)
    article.view_count += 1
