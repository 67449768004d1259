"""Reader views held in a process's memory and written to the database in batches
(count_buffer.py): each batch adds to the entries' totals and to their views of the day,
in one transaction, so that the days always add up to what the totals gained.
docs: docs/pages.md "View counts", docs/outages.md.
"""

import logging

from django.db import connection, transaction

from ..models import DailyViews, Entry
from .count_buffer import WRITE_WAIT_SECONDS, CountBuffer, today

logger = logging.getLogger(__name__)

ADD_VIEWS = f"UPDATE {Entry._meta.db_table} SET view_count = view_count + %s WHERE id = %s"
_DAY = DailyViews._meta.db_table
# The same statement on SQLite (3.24+) and PostgreSQL.
ADD_DAY_VIEWS = (
    f"INSERT INTO {_DAY} (entry_id, day, views) VALUES (%s, %s, %s) "
    f"ON CONFLICT (entry_id, day) DO UPDATE SET views = {_DAY}.views + excluded.views"
)

__all__ = ["ADD_VIEWS", "WRITE_WAIT_SECONDS", "ViewBuffer", "write_views"]


class ViewBuffer(CountBuffer):
    """Views not yet written, by entry and day (see count_buffer.CountBuffer)."""

    def __init__(self, every_interval=None):
        super().__init__(
            write_views,
            noun="views",
            unit="entries",
            max_setting="VIEW_BUFFER_MAX",
            log=logger,
            every_interval=every_interval,
        )

    def add(self, article_id, n=1):
        super().add((article_id, today()), n)


def write_views(batch, wait=None):
    """One transaction adding a Counter of views by (entry id, day) to the entries' totals
    and days, in id order (two processes writing at once can't deadlock), waiting at most
    `wait` s for a lock (the connection's own limit if None). An entry deleted meanwhile
    matches nothing: its views go with it."""
    connection.ensure_connection()
    if wait is not None and connection.vendor == "sqlite":
        with connection.cursor() as cursor:  # outside the transaction: BEGIN waits already
            cursor.execute(f"PRAGMA busy_timeout = {int(wait * 1000)}")
    totals = {}
    for (article_id, _day), views in batch.items():
        totals[article_id] = totals.get(article_id, 0) + views
    with transaction.atomic(), connection.cursor() as cursor:
        if wait is not None and connection.vendor == "postgresql":
            cursor.execute(f"SET LOCAL lock_timeout = {int(wait * 1000)}")
        # One statement at a time: psycopg's executemany (a pipeline) logs a line of its
        # own for each failed batch.
        for article_id, views in sorted(totals.items()):
            cursor.execute(ADD_VIEWS, [views, article_id])
            if cursor.rowcount == 0:  # deleted: no day to add to either
                del totals[article_id]
        for (article_id, day), views in sorted(batch.items()):
            if article_id in totals:
                cursor.execute(ADD_DAY_VIEWS, [article_id, day, views])
