"""The searches' reports in the admin. "Searches" (SearchDay) opens a page of reports
instead of a list of rows: top searches, those that found nothing, those whose results
nobody opened and those rising this week, for the last 7, 30 or 90 days, each with its
CSV. From a search that found nothing, an editor starts an entry with that title, or adds
the search as another name of an entry (another_name.py).

The rows are written by readers' searches: editors read them, nobody adds or changes one.
"""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import urlencode
from django.utils.text import capfirst, slugify

from ..models import Entry, SearchDay
from ..read_only_admin import ReadOnlyAdmin
from . import another_name
from . import search_reports as reports
from .csv_export import csv_response

TABS = {"top": "Top", "no-results": "No results", "not-opened": "Not opened", "rising": "Rising"}
TITLES = {
    "top": "Top searches",
    "no-results": "Searches with no results",
    "not-opened": "Searches whose results nobody opened",
    "rising": "Rising searches and words",
}
ROWS = {
    "top": reports.top_searches,
    "no-results": reports.no_result_searches,
    "not-opened": reports.unopened_searches,
}


def chosen(request):
    """The report and period asked for (?report=…&days=7, 30 or 90); anything else is
    the default: Top, 30 days (the Trends page does the same)."""
    report = request.GET.get("report")
    days = request.GET.get("days")
    return (
        report if report in TABS else "top",
        int(days) if days in {str(n) for n in reports.PERIODS} else reports.DEFAULT_DAYS,
    )


def query_string(**params):
    return "?" + urlencode(params)


@admin.register(SearchDay)
class SearchReportAdmin(ReadOnlyAdmin):
    def get_urls(self):
        # The reports, their CSV and "Add as another name": no form for a row.
        view = self.admin_site.admin_view
        return [
            path("", view(self.changelist_view), name="articles_searchday_changelist"),
            path("csv/", view(self.csv_view), name="articles_searchday_csv"),
            path(
                "another-name/",
                view(self.another_name_view),
                name="articles_searchday_another_name",
            ),
        ]

    def _url(self, name):
        return reverse(f"{self.admin_site.name}:{name}")

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_permission(request):
            raise PermissionDenied
        report, days = chosen(request)
        span = reports.period(days)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Searches",
            "report": report,
            "report_title": TITLES[report],
            "span": span,
            "tabs": [
                (key, label, query_string(report=key, days=days)) for key, label in TABS.items()
            ],
            "periods": [(n, query_string(report=report, days=n)) for n in reports.PERIODS],
            "csv_url": self._url("articles_searchday_csv") + query_string(report=report, days=days),
            "totals": reports.totals(span),
            "page_rows": reports.ROWS,
            "csv_rows": reports.CSV_ROWS,
            **(extra_context or {}),
        }
        if report == "rising":
            context["rising"] = reports.rising(limit=reports.ROWS)
            context["rule"] = {
                "factor": reports.RISING_FACTOR,
                "minimum": reports.RISING_MINIMUM,
                "weeks": reports.USUAL_WEEKS,
            }
        elif report == "no-results":
            rows = reports.no_result_searches(span, limit=reports.ROWS)
            context["rows"] = self._with_actions(request, rows, days)
        else:
            context["rows"] = ROWS[report](span, limit=reports.ROWS)
        return TemplateResponse(request, "admin/insights/searches.html", context)

    def _with_actions(self, request, rows, days):
        """[(search, "Create an entry" link, "Add as another name" link)]: each link only
        for those who may follow it."""
        entries = self.admin_site._registry.get(Entry)
        add = entries is not None and entries.has_add_permission(request)
        change = entries is not None and entries.has_change_permission(request)
        add_url = self._url("articles_entry_add")
        name_url = self._url("articles_searchday_another_name")
        return [
            (
                row,
                add_url + query_string(title=capfirst(row.query), slug=slugify(row.query))
                if add
                else None,
                name_url + query_string(query=row.query, days=days) if change else None,
            )
            for row in rows
        ]

    def csv_view(self, request):
        """The report shown, as CSV (up to CSV_ROWS rows rather than the page's ROWS)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        report, days = chosen(request)
        if report == "rising":
            found = reports.rising(limit=reports.CSV_ROWS)
            name = f"searches-rising-week-to-{found.week.last}.csv"
            return csv_response(name, RISING_HEADER, rising_cells(found))
        span = reports.period(days)
        header, cells = CSV_COLUMNS[report]
        rows = ROWS[report](span, limit=reports.CSV_ROWS)
        name = f"searches-{report}-{days}-days-to-{span.last}.csv"
        return csv_response(name, header, [cells(row) for row in rows])

    def another_name_view(self, request):
        entries = self.admin_site._registry.get(Entry)
        if entries is None or not entries.has_change_permission(request):
            raise PermissionDenied
        return another_name.view(request, self, entries)


def top_cells(row):
    entry = row.top_entry.title if row.top_entry else ""
    return (row.query, row.searches, row.no_results, row.no_results_share, row.opened, entry,
            row.top_entry_opens)  # fmt: skip


def no_result_cells(row):
    return (row.query, row.no_results, row.searches, row.last_searched)


def unopened_cells(row):
    return (row.query, row.searches, row.with_results, row.last_searched)


CSV_COLUMNS = {
    "top": (
        (
            "Search",
            "Searches",
            "Searches with no results",
            "With no results (%)",
            "Searches after which a result was opened",
            "Entry opened most",
            "Times opened",
        ),
        top_cells,
    ),  # fmt: skip
    "no-results": (
        ("Search", "Searches with no results", "Searches", "Last searched"),
        no_result_cells,
    ),  # fmt: skip
    "not-opened": (
        ("Search", "Searches", "Searches with results", "Last searched"),
        unopened_cells,
    ),  # fmt: skip
}
RISING_HEADER = ("Kind", "Search or word", "Searches this week", "Usual week", "Badge",
                 "In searches")  # fmt: skip


def rising_cells(found):
    for kind, items in (("search", found.queries), ("word", found.words)):
        for item in items:
            yield (kind, item.text, item.this_week, item.usual_shown, item.badge,
                   "; ".join(item.queries))  # fmt: skip
