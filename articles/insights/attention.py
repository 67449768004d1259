"""The admin home page's "Needs attention" board: how many entries are due a review or
have content warnings, how many reader reports are open, how many searches found nothing
or are rising this week, each a link to the list or report that shows them.

Only what the user may see, and only what is not zero. A few COUNTs, and the number of
rising searches: their report aggregates nine weeks of searches (a third of a second for
a busy site's 100,000 rows), so it is counted once in RISING_SECONDS for everyone."""

from dataclasses import dataclass

from django.core.cache import cache
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import urlencode

from ..models import Entry, FeedbackReport, SearchDay
from . import search_reports

RISING_SECONDS = 300


@dataclass(frozen=True)
class Item:
    count: int
    one: str  # what is counted, said of one ("entry due a medical review")
    many: str  # and of several
    url: str | None  # None if the list is not in the admin

    @property
    def said(self):
        return self.one if self.count == 1 else self.many


def _can_view(user, model):
    opts = model._meta
    return any(
        user.has_perm(f"{opts.app_label}.{action}_{opts.model_name}")
        for action in ("view", "change")
    )


def _url(name, **params):
    try:
        url = reverse(f"admin:{name}")
    except NoReverseMatch:  # not registered in the admin (yet)
        return None
    return f"{url}?{urlencode(params)}" if params else url


def _entry_items():
    return [
        Item(
            Entry.objects.review_due().count(),
            "entry due a medical review",
            "entries due a medical review",
            _url("articles_entry_changelist", review="due"),
        ),
        Item(
            Entry.objects.exclude(content_warnings="").count(),
            "entry with content warnings",
            "entries with content warnings",
            _url("articles_entry_changelist", health="warnings"),
        ),
    ]


def _report_items():
    return [
        Item(
            FeedbackReport.objects.still_open().count(),
            "open reader report",
            "open reader reports",
            _url("articles_feedbackreport_changelist"),
        )
    ]


def _search_items():
    week = search_reports.period(7)
    return [
        Item(
            search_reports.no_result_count(week),
            "search with no results this week",
            "searches with no results this week",
            _url("articles_searchday_changelist", report="no-results", days=7),
        ),
        Item(
            _rising_count(),
            "search or word rising this week",
            "searches or words rising this week",
            _url("articles_searchday_changelist", report="rising"),
        ),
    ]


def _rising_count():
    key = f"attention:rising:{timezone.localdate()}"
    return cache.get_or_set(key, lambda: search_reports.rising().count, RISING_SECONDS)


SECTIONS = ((Entry, _entry_items), (FeedbackReport, _report_items), (SearchDay, _search_items))


def board(user):
    """(shown, items): whether the user may see any of the board, and its items that are
    not zero, in the order above."""
    allowed = [items for model, items in SECTIONS if _can_view(user, model)]
    found = [item for items in allowed for item in items() if item.count]
    return bool(allowed), found
