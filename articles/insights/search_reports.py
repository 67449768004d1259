"""What readers searched for, read for editors: the most frequent searches, those that
found nothing, those whose results nobody opened, and those rising this week.

Pure queries over SearchDay/SearchOpen/SearchTotal (articles/models/insights.py), for a
period of days ending today. Each is aggregated by query in the database and returns a
bounded number of rows; only the rising words are counted in Python, from at most
RISING_ROWS queries.
"""

import datetime
import math
from dataclasses import dataclass, field

from django.db.models import F, Max, Min, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from ..models import Entry, SearchDay, SearchOpen, SearchTotal
from ..search.text import STOP_WORDS, normalize

PERIODS = (7, 30, 90)  # days a report may cover
DEFAULT_DAYS = 30
ROWS = 100  # rows of a report on the page; its CSV has up to CSV_ROWS
CSV_ROWS = 1000

# Rising: this week (today and the 6 days before) against the usual week, the average of
# the USUAL_WEEKS weeks before it.
RISING_FACTOR = 3  # at least this many times the usual week's searches
RISING_MINIMUM = 3  # and at least this many searches this week (or, new, with none before)
USUAL_WEEKS = 8
WORD_MIN_LENGTH = 3  # shorter words ("aa", "uk") are left to the whole searches
# Queries read to count the rising words: the most searched in the 9 weeks. Past it the
# rarest are left out (a word they alone would carry could look new or less usual).
RISING_ROWS = 20_000
_CHUNK = 500  # queries named in one IN (...) list


@dataclass(frozen=True)
class Period:
    days: int
    first: datetime.date
    last: datetime.date

    @property
    def range(self):
        return (self.first, self.last)


def period(days=DEFAULT_DAYS, today=None):
    """The `days` days ending today (today included)."""
    last = today or timezone.localdate()
    return Period(days, last - datetime.timedelta(days=days - 1), last)


@dataclass
class QueryRow:
    query: str
    searches: int
    no_results: int = 0
    opened: int = 0
    last_searched: datetime.date | None = None
    top_entry: Entry | None = None  # the entry opened most from its results
    top_entry_opens: int = 0

    @property
    def no_results_share(self):
        """Searches that found nothing, in per cent of all (whole numbers)."""
        return round(100 * self.no_results / self.searches) if self.searches else 0

    @property
    def with_results(self):
        return self.searches - self.no_results


def _by_query(span):
    return (
        SearchDay.objects.filter(day__range=span.range)
        .values("query")
        .annotate(
            total_searches=Sum("searches"),
            total_no_results=Sum("no_results"),
            total_opened=Sum("opened"),
            last_day=Max("day"),
        )
    )


def _rows(queryset, limit):
    return [
        QueryRow(
            query=row["query"],
            searches=row["total_searches"],
            no_results=row["total_no_results"],
            opened=row["total_opened"],
            last_searched=row["last_day"],
        )
        for row in queryset[:limit]
    ]


def top_searches(span, limit=ROWS):
    """The most frequent searches, each with the entry opened most from its results."""
    rows = _rows(_by_query(span).order_by("-total_searches", "query"), limit)
    _add_top_entries(span, rows)
    return rows


def no_result_searches(span, limit=ROWS):
    """Searches that found nothing at least once in the period, most such searches first."""
    queryset = _by_query(span).filter(total_no_results__gt=0)
    return _rows(queryset.order_by("-total_no_results", "-total_searches", "query"), limit)


def unopened_searches(span, limit=ROWS):
    """Searches that found something, after which no result was ever opened."""
    queryset = _by_query(span).filter(total_searches__gt=F("total_no_results"), total_opened=0)
    return _rows(queryset.order_by("-total_searches", "query"), limit)


def _add_top_entries(span, rows):
    best = {}  # query → (opens, -entry id): most opens; of equals, the oldest entry
    queries = [row.query for row in rows]
    opened = SearchOpen.objects.filter(day__range=span.range).values("query", "entry")
    for start in range(0, len(queries), _CHUNK):
        chunk = queries[start : start + _CHUNK]
        for row in opened.filter(query__in=chunk).annotate(total=Sum("opens")).order_by():
            key = (row["total"], -row["entry"])
            if row["total"] and key > best.get(row["query"], (0, 0)):
                best[row["query"]] = key
    entries = Entry.objects.only("title", "slug").in_bulk([-key[1] for key in best.values()])
    for row in rows:
        if row.query in best:
            row.top_entry_opens, entry_id = best[row.query]
            row.top_entry = entries.get(-entry_id)


@dataclass(frozen=True)
class Totals:
    searches: int
    no_results: int
    opened: int

    def _share(self, part):
        return round(100 * part / self.searches) if self.searches else 0

    @property
    def no_results_share(self):
        return self._share(self.no_results)

    @property
    def opened_share(self):
        return self._share(self.opened)


def totals(span):
    """All readers' searches in the period (day totals outlive the queries' rows)."""
    sums = SearchTotal.objects.filter(day__range=span.range).aggregate(
        searches=Coalesce(Sum("searches"), 0),
        no_results=Coalesce(Sum("no_results"), 0),
        opened=Coalesce(Sum("opened"), 0),
    )
    return Totals(**sums)


# Rising searches and words


@dataclass
class Rising:
    text: str  # a whole query, or one word of queries
    this_week: int
    earlier: int  # searches in the USUAL_WEEKS weeks before this one
    weeks: int  # weeks before this one with data, up to USUAL_WEEKS (weeks_before())
    queries: list = field(default_factory=list)  # a word's queries this week, most first

    @property
    def usual(self):
        """Searches in a usual week: the average of the weeks before."""
        return self.earlier / self.weeks if self.weeks else 0.0

    @property
    def usual_shown(self):
        """The usual week to one decimal, whole numbers without one (3, 1.1)."""
        usual = round(self.usual, 1)
        return int(usual) if usual.is_integer() else usual

    @property
    def is_new(self):
        return self.earlier == 0

    @property
    def factor(self):
        return self.this_week / self.usual if self.usual else None

    @property
    def badge(self):
        return "New" if self.is_new else f"Rising ×{self.factor:.1f}".removesuffix(".0")

    @property
    def rises(self):
        if self.this_week < RISING_MINIMUM:
            return False
        return self.is_new or self.this_week >= RISING_FACTOR * self.usual


@dataclass(frozen=True)
class RisingReport:
    week: Period
    weeks: int  # weeks compared with: USUAL_WEEKS, or fewer on a young site
    queries: list
    words: list

    @property
    def count(self):
        return len(self.queries) + len(self.words)


def weeks_before(week, earliest):
    """Weeks before this one with any search (a week begun counts), up to USUAL_WEEKS:
    a young site compares with the weeks it has, not with weeks of zeros."""
    if earliest is None or earliest >= week.first:
        return 0
    return min(USUAL_WEEKS, math.ceil((week.first - earliest).days / 7))


def words_of(query):
    """The words of a query that can rise on their own: not short, not question words."""
    return {
        word
        for word in normalize(query).split()
        if len(word) >= WORD_MIN_LENGTH and word not in STOP_WORDS
    }


def _most_searched_first(item):
    return (-item.this_week, item.text)


def rising(today=None, limit=ROWS):
    """Queries and words searched at least RISING_FACTOR times as often this week as in a
    usual week (and at least RISING_MINIMUM times), or new this week and repeated.

    A word counts the searches of every query it is in; it is listed when it rises
    across two or more queries (a query rising alone is listed as that query)."""
    week = period(7, today)
    start = week.first - datetime.timedelta(weeks=USUAL_WEEKS)
    known = weeks_before(week, SearchDay.objects.aggregate(first=Min("day"))["first"])
    this_week = Q(day__gte=week.first)
    rows = (
        SearchDay.objects.filter(day__range=(start, week.last))
        .values("query")
        .annotate(
            now=Coalesce(Sum("searches", filter=this_week), 0),
            before=Coalesce(Sum("searches", filter=~this_week), 0),
        )
        .order_by("-now", "-before", "query")[:RISING_ROWS]
    )
    queries, words = [], {}
    for row in rows:
        candidate = Rising(row["query"], row["now"], row["before"], known)
        if candidate.rises:
            queries.append(candidate)
        for word in words_of(row["query"]):
            counted = words.setdefault(word, Rising(word, 0, 0, known))
            counted.this_week += candidate.this_week
            counted.earlier += candidate.earlier
            if candidate.this_week:
                counted.queries.append(row["query"])  # most searched first
    listed = {query.text for query in queries}
    rising_words = [
        word
        for word in words.values()
        if word.rises and len(word.queries) >= 2 and word.text not in listed
    ]
    return RisingReport(
        week,
        known,
        sorted(queries, key=_most_searched_first)[:limit],
        sorted(rising_words, key=_most_searched_first)[:limit],
    )


def no_result_count(span):
    """How many different queries found nothing at least once in the period."""
    return (
        SearchDay.objects.filter(day__range=span.range, no_results__gt=0)
        .values("query")
        .distinct()
        .count()
    )
