"""Views over time, read from DailyViews (one row per entry and day, written with each
read's count): an entry's days, the site's days, and the public entries most viewed lately.

The most viewed are summed over the period's rows alone (the (day, entry) index), cut
with LIMIT in SQL, and only then are the few entries read: joining every row of the
period to its entry costs several times more at 100,000 entries (docs/pages.md).
"""

from dataclasses import dataclass
from datetime import timedelta
from typing import NamedTuple

from django.core.cache import cache
from django.db.models import Sum
from django.utils import timezone

from ..models import DailyViews, Entry
from ..pages import addresses

PERIODS = (7, 30, 90)  # the days a chart or list may cover
WEEK = 7
# Rows read beyond a list's length: room for entries no longer public (views are counted
# only on public pages) and for ties, so that one round nearly always does.
SPARE = 20
READER_LIST_SECONDS = 60  # a reader page's list is made again at most this often


def period(days, today=None):
    """The first and last day of the last `days` days, today included."""
    today = today or timezone.localdate()
    return today - timedelta(days=days - 1), today


def filled(days, counts, today=None):
    """(day, views) for each of the last `days` days, oldest first, 0 where `counts` (a
    dict by day) has none."""
    first, _ = period(days, today)
    return [(first + timedelta(n), counts.get(first + timedelta(n), 0)) for n in range(days)]


def daily_views(entry, days, today=None):
    """An entry's (an Entry or its id) views on each of the last `days` days."""
    rows = DailyViews.objects.filter(entry=entry, day__range=period(days, today))
    return filled(days, dict(rows.values_list("day", "views")), today)


def site_daily_views(days, today=None):
    """All entries' views on each of the last `days` days."""
    rows = (
        DailyViews.objects.filter(day__range=period(days, today))
        .values("day")
        .annotate(total=Sum("views"))
        .order_by()
    )
    return filled(days, {row["day"]: row["total"] for row in rows}, today)


def daily_views_by_entry(entry_ids, days, today=None):
    """{entry id: its daily_views()} for a few entries, in one query (sparklines)."""
    rows = DailyViews.objects.filter(entry__in=entry_ids, day__range=period(days, today))
    counts = {pk: {} for pk in entry_ids}
    for pk, day, views in rows.values_list("entry", "day", "views"):
        counts[pk][day] = views
    return {pk: filled(days, by_day, today) for pk, by_day in counts.items()}


def most_viewed(days, limit, today=None):
    """The public entries most viewed in the last `days` days (ties by title), at most
    `limit`, each with `period_views`; entries not viewed are not listed. Two queries:
    the period's views by entry, most first, `limit` + SPARE of them; then those entries
    that are public (title and address only). Read again with a larger LIMIT in the rare
    case where entries not read could still enter the list or tie with its last."""
    if limit <= 0:
        return []
    totals = (
        DailyViews.objects.filter(day__range=period(days, today))
        .values("entry")
        .annotate(total=Sum("views"))
        .filter(total__gt=0)
        .order_by("-total", "entry")
        .values_list("entry", "total")
    )
    fetch = limit + SPARE
    while True:
        rows = list(totals[:fetch])
        views = dict(rows)
        public = Entry.objects.published().filter(pk__in=views)
        entries = list(public.only("title", "slug", "sort_title")) if views else []
        for entry in entries:
            entry.period_views = views[entry.pk]
        entries.sort(key=lambda entry: (-entry.period_views, entry.sort_title, entry.pk))
        listed = entries[:limit]
        # Every entry viewed was read, or those not read had fewer views than the last.
        if len(rows) < fetch or (len(listed) == limit and listed[-1].period_views > rows[-1][1]):
            return listed
        fetch *= 4


class Listed(NamedTuple):
    """An entry as a reader page's list shows it: kept in the cache as a plain tuple."""

    pk: int
    title: str
    slug: str
    period_views: int

    def get_absolute_url(self):
        return addresses.by_slug("articles:detail", self.slug)


def most_viewed_for_readers(days, limit, version):
    """most_viewed() for a reader page, made at most every READER_LIST_SECONDS (kept in
    the cache, shared through Redis where there is one), and again when `version` (what
    the list shows besides views: the glossary's entries) changes. It may lag a minute
    behind the views, as counts do."""
    key = f"trends:most-viewed:{days}:{limit}:{timezone.localdate()}:{version}"

    def make():
        return [(e.pk, e.title, e.slug, e.period_views) for e in most_viewed(days, limit)]

    return [Listed(*row) for row in cache.get_or_set(key, make, READER_LIST_SECONDS)]


@dataclass(frozen=True)
class Trend:
    """An entry's views in a period and in the period of the same length before it."""

    entry: Entry
    views: int
    previous: int

    @property
    def change(self):
        return self.views - self.previous


def top(days, limit, today=None):
    """most_viewed() as Trends: with the views of the `days` days before (one more query,
    over those few entries' rows only)."""
    entries = most_viewed(days, limit, today)
    first, _ = period(days, today)
    before = period(days, first - timedelta(1))
    previous = dict(
        DailyViews.objects.filter(entry__in=[entry.pk for entry in entries], day__range=before)
        .values("entry")
        .annotate(total=Sum("views"))
        .order_by()
        .values_list("entry", "total")
    )
    return [Trend(entry, entry.period_views, previous.get(entry.pk, 0)) for entry in entries]


def trending(limit, today=None):
    """The public entries most viewed in the last 7 days, with the change against the 7
    days before."""
    return top(WEEK, limit, today)
