"""Readers' searches and the results they open, counted by day and stored query
(scrubbing.py), held in memory and written in batches like views (delivery/count_buffer.py).

Counted: a reader's search (delivery/counting.py says who is a reader), the first page of
its results only, with whether it found anything; and the opening of a result, which
the result's link marks with its rank (`?rank=3`): the query comes from the search page
the reader came from (the Referer header browsers send within a site). Nothing about the
reader is kept: no cookie, address or account.
"""

import atexit
import logging
from urllib.parse import parse_qs, urlsplit

from django.conf import settings
from django.db import connection, transaction
from django.urls import reverse

from ..delivery.count_buffer import CountBuffer, today
from ..models import Entry, SearchDay, SearchOpen, SearchTotal
from .scrubbing import stored_query

logger = logging.getLogger(__name__)

STOP_SECONDS = 5
RANK_PARAMETER = "rank"
MAX_RANK = 1000  # search.RESULT_LIMIT: a larger rank is not one of ours


def _upsert(model, keys, counts, values=None):
    """INSERT … ON CONFLICT DO UPDATE adding `counts` (the same on SQLite and PostgreSQL)."""
    table = model._meta.db_table
    columns = [*keys, *counts]
    values = values or f"VALUES ({', '.join(['%s'] * len(columns))})"
    added = ", ".join(f"{name} = {table}.{name} + excluded.{name}" for name in counts)
    return (
        f"INSERT INTO {table} ({', '.join(columns)}) {values} "
        f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {added}"
    )


ADD_SEARCHES = _upsert(SearchDay, ["day", "query"], ["searches", "no_results", "opened"])
# From the entry's row: an entry deleted meanwhile takes its opens with it.
ADD_OPENS = _upsert(
    SearchOpen,
    ["day", "query", "entry_id"],
    ["opens", "rank_total"],
    values=f"SELECT %s, %s, id, %s, %s FROM {Entry._meta.db_table} WHERE id = %s",
)
ADD_TOTALS = _upsert(SearchTotal, ["day"], ["searches", "no_results", "opened"])


def write_searches(batch, wait=None):
    """One transaction storing a Counter of ("search", day, query, found) and ("open",
    day, query, entry id, rank) keys."""
    searches, opens, totals = {}, {}, {}
    for key, n in batch.items():
        day, query = key[1], key[2]
        row = searches.setdefault((day, query), [0, 0, 0])
        total = totals.setdefault(day, [0, 0, 0])
        if key[0] == "search":
            found = key[3]
            row[0] += n
            total[0] += n
            if not found:
                row[1] += n
                total[1] += n
        else:
            entry_id, rank = key[3], key[4]
            row[2] += n
            total[2] += n
            opened = opens.setdefault((day, query, entry_id), [0, 0])
            opened[0] += n
            opened[1] += rank * n
    connection.ensure_connection()
    if wait is not None and connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA busy_timeout = {int(wait * 1000)}")
    with transaction.atomic(), connection.cursor() as cursor:
        if wait is not None and connection.vendor == "postgresql":
            cursor.execute(f"SET LOCAL lock_timeout = {int(wait * 1000)}")
        for (day, query), counts in sorted(searches.items()):
            cursor.execute(ADD_SEARCHES, [day, query, *counts])
        for (day, query, entry_id), counts in sorted(opens.items()):
            cursor.execute(ADD_OPENS, [day, query, *counts, entry_id])
        for day, counts in sorted(totals.items()):
            cursor.execute(ADD_TOTALS, [day, *counts])


buffer = CountBuffer(
    write_searches, noun="searches", unit="queries", max_setting="SEARCH_BUFFER_MAX", log=logger
)
# Processes other than gunicorn's workers (whose worker_exit hook stops it) write what
# they hold when they exit normally.
atexit.register(buffer.stop, STOP_SECONDS)


def _add(key):
    if settings.VIEW_FLUSH_SECONDS > 0:
        buffer.add(key)
    else:
        write_searches({key: 1})


def search_counted(query, found):
    """What a read of a search page counts (pages.Page.counted), for `query` as typed
    that found `found` entries; None for a query with nothing left to store. Made with the
    page, so that its kept copies' reads don't scrub the query again."""
    stored = stored_query(query)
    return ("searched", stored, bool(found)) if stored else None


def count_search(stored, found):
    """Count a reader's search for a query as stored (stored_query()) that found anything
    or not."""
    _add(("search", today(), stored, found))


def searched_query(request):
    """The query of the search page this request came from (its Referer), or None."""
    referer = urlsplit(request.META.get("HTTP_REFERER", "")[:2000])
    if referer.netloc.lower() != request.get_host().lower():
        return None
    if referer.path != reverse("articles:search"):
        return None
    queries = parse_qs(referer.query).get("q")
    return queries[0] if queries else None


def count_open(request, entry_id):
    """Count the opening of a search result, if this read of an entry's page is one: its
    address carries the result's rank and the reader came from a search page."""
    if RANK_PARAMETER not in request.META.get("QUERY_STRING", ""):
        return  # most reads: no query string to parse
    rank = request.GET.get(RANK_PARAMETER, "")
    if not (rank.isascii() and rank.isdigit() and 1 <= int(rank) <= MAX_RANK):
        return
    query = searched_query(request)
    stored = stored_query(query) if query else ""
    if stored:
        _add(("open", today(), stored, entry_id, int(rank)))


def health():
    return buffer.health()
