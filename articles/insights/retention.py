"""How long what readers typed is kept: KB_READER_DATA_DAYS days (settings.READER_DATA_DAYS).

Older searches (SearchDay, with their opened results, SearchOpen) are deleted, once the
day's totals are safe in SearchTotal: made here from the day's searches if the search log
did not write them. Older reports keep their reason and status but lose their comment.
Views per entry and day hold nothing a reader typed, and are kept.

Rows go in batches of BATCH, each its own short transaction, so that a large purge never
holds a lock long enough to hold up the searches and reports being written meanwhile. A
purge cut short leaves nothing half done (the totals are committed before any search
goes) and the next one finishes it.

purge_if_due() runs it once a day for the whole site, from a thread that calls it often
(the view writer's, every second): a process that has seen today's purge done returns at
once; otherwise the first process to claim the day in the default cache (Redis, shared by
every app server, in production) runs it.
"""

import logging
import os
import threading
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as clock

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connection, transaction
from django.db.models import Sum
from django.utils import timezone

from ..models import FeedbackReport, SearchDay, SearchOpen, SearchTotal

logger = logging.getLogger(__name__)

BATCH = 1000  # rows per transaction
CLAIM = "reader-data-purge:{day}"
CLAIM_SECONDS = 2 * 24 * 3600  # outlives the day it claims
RETRY_SECONDS = 600  # after a failed purge, this process tries again this much later


@dataclass(frozen=True)
class Purged:
    """What a purge removed (with dry_run, what it would remove)."""

    days: int  # the days kept
    before: date  # what readers typed on days before this one went
    searches: int  # SearchDay rows deleted
    opens: int  # SearchOpen rows deleted
    comments: int  # comments blanked
    totals_made: int  # SearchTotal rows made from the searches, before deleting them
    dry_run: bool = False


def purge(today=None, days=None, dry_run=False):
    """Remove what readers typed before `days` days (KB_READER_DATA_DAYS) before `today`
    (the site's date): returns a Purged with the counts."""
    days = settings.READER_DATA_DAYS if days is None else days
    if days < 1:
        raise ValueError(f"days must be 1 or more, not {days}")
    before = (today or timezone.localdate()) - timedelta(days=days)
    searches = SearchDay.objects.filter(day__lt=before)
    opens = SearchOpen.objects.filter(day__lt=before)
    # A day's reports are those made from its start in the site's time zone.
    made_before = timezone.make_aware(datetime.combine(before, clock.min))
    comments = FeedbackReport.objects.filter(created_at__lt=made_before).exclude(comment="")
    if dry_run:
        counts = (searches.count(), opens.count(), comments.count(), len(_missing_totals(before)))
        return Purged(days, before, *counts, dry_run=True)
    totals_made = _keep_totals(before)  # committed before any search goes
    opens_deleted = _in_batches(opens, _delete)
    searches_deleted = _in_batches(searches, _delete)
    comments_blanked = _in_batches(comments, _blank_comments)
    return Purged(days, before, searches_deleted, opens_deleted, comments_blanked, totals_made)


def _delete(rows):
    return rows.delete()[0]


def _blank_comments(reports):
    # An update, not save(): removing a comment is not an edit (updated_at stays).
    return reports.update(comment="", comment_removed=True)


def _missing_totals(before):
    """Totals of the days before `before` that have searches but no SearchTotal row."""
    return list(
        SearchDay.objects.filter(day__lt=before)
        .exclude(day__in=SearchTotal.objects.values("day"))
        .values("day")
        .annotate(searches=Sum("searches"), no_results=Sum("no_results"), opened=Sum("opened"))
        .order_by("day")
    )


def _keep_totals(before):
    missing = _missing_totals(before)
    # ignore_conflicts: a purge run by hand at the same moment may make them too.
    SearchTotal.objects.bulk_create(
        [SearchTotal(**row) for row in missing], batch_size=BATCH, ignore_conflicts=True
    )
    return len(missing)


def _in_batches(queryset, change):
    """Apply `change` to the rows of `queryset`, BATCH at a time, each batch in its own
    transaction; returns how many rows it changed."""
    changed = 0
    while ids := list(queryset.values_list("pk", flat=True)[:BATCH]):
        with transaction.atomic():
            changed += change(queryset.filter(pk__in=ids))
    return changed


class _Schedule:
    """This process's memory of the daily purge: the day it last saw it done (by itself
    or by another process), and, after a failure, when to try again."""

    def __init__(self):
        self.done_for = None
        self.retry_at = 0.0  # time.monotonic()
        self.running = threading.Lock()


schedule = _Schedule()
# A forked child (gunicorn's workers) starts afresh: a purge running in the parent's
# thread would leave its lock held in the child for ever.
os.register_at_fork(after_in_child=lambda: globals().update(schedule=_Schedule()))


def purge_if_due(today=None):
    """Purge once a day for the whole site (see the module's docstring). Cheap when
    not due (no cache, no database). Never raises: errors are logged and the purge is
    tried again RETRY_SECONDS later. Returns the Purged if this call purged, else None."""
    today = today or timezone.localdate()
    plan = schedule
    if plan.done_for == today or time.monotonic() < plan.retry_at:
        return None
    if not plan.running.acquire(blocking=False):  # another thread of this process is at it
        return None
    key = CLAIM.format(day=today.isoformat())
    claimed = False
    try:
        claimed = cache.add(key, os.getpid(), CLAIM_SECONDS)
        if not claimed:  # another process has it
            plan.done_for = today
            return None
        purged = purge(today=today)
    except Exception as error:  # a background thread must go on
        _failed(plan, error, key if claimed else None)
        return None
    else:
        plan.done_for = today
        logger.info(
            "Reader data before %s purged: searches %d, opened results %d, comments %d "
            "(search totals made for %d days)",
            purged.before, purged.searches, purged.opens, purged.comments, purged.totals_made,
        )  # fmt: skip
        return purged
    finally:
        plan.running.release()
        if claimed and not connection.in_atomic_block:
            # Called from a thread of its own: its connection would sit idle till tomorrow.
            _close_connection()


def _expected(error):
    """A database's or Redis's error: an outage, logged in a line. (Redis's classes are
    not imported for this: a site without Redis never loads its client, 6 MB a process.)"""
    return isinstance(error, DatabaseError) or type(error).__module__.startswith("redis.")


def _close_connection():
    try:
        connection.close()
    except DatabaseError:
        pass


def _failed(plan, error, key):
    plan.retry_at = time.monotonic() + RETRY_SECONDS
    if _expected(error):
        reason = " ".join(f"{type(error).__name__}: {error}".split())[:300]
        logger.warning("Reader data not purged (%s): trying again in %d s", reason, RETRY_SECONDS)
    else:
        logger.exception("Unexpected error purging reader data")
    if key is not None:  # let any process try again
        try:
            cache.delete(key)
        except Exception as later:  # the cache down too: the claim expires by itself
            if not _expected(later):
                raise
