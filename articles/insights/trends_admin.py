"""The Trends page, where the admin would list DailyViews' rows (one per entry and day,
not worth reading one by one): the site's views per day over 7, 30 or 90 days, and the
public entries most viewed in that period with the change against the period before, as
a page and as CSV. Read-only: readers' visits write the rows (Editors may view them,
migration 0031)."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_safe

from ..models import DailyViews
from ..pages.metadata import absolute_url
from ..read_only_admin import ReadOnlyAdmin
from . import charts, trends
from .csv_export import csv_response

DEFAULT_DAYS = 30
TOP_SIZE = 20


def chosen_days(request):
    """The period asked for (?days=7, 30 or 90); anything else is the default."""
    try:
        days = int(request.GET.get("days", DEFAULT_DAYS))
    except (TypeError, ValueError):
        return DEFAULT_DAYS
    return days if days in trends.PERIODS else DEFAULT_DAYS


def signed(number):
    """+12, −3 (a minus sign, read as "minus"), ±0."""
    if not number:
        return "±0"
    return f"{number:+,}".replace("-", "\N{MINUS SIGN}")


@admin.register(DailyViews)
class TrendsAdmin(ReadOnlyAdmin):
    """DailyViews in the admin: the Trends page where its list would be, and nothing else."""

    def get_urls(self):
        # The page and its CSV only, for reading: no form for a row, no actions.
        info = self.opts.app_label, self.opts.model_name

        def view(function):
            return self.admin_site.admin_view(require_safe(function))

        return [
            path("", view(self.changelist_view), name="{}_{}_changelist".format(*info)),
            path("csv/", view(self.csv_view), name="{}_{}_csv".format(*info)),
        ]

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_permission(request):
            raise PermissionDenied
        days = chosen_days(request)
        today = timezone.localdate()
        top = trends.top(days, TOP_SIZE, today)
        per_day = trends.daily_views_by_entry([trend.entry.pk for trend in top], days, today)
        label = f"Views per day, last {days} days"
        rows = [
            {
                "trend": trend,
                "change": signed(trend.change),
                "sparkline": charts.sparkline(per_day[trend.entry.pk], label),
                "change_url": reverse(
                    f"{self.admin_site.name}:articles_entry_change", args=[trend.entry.pk]
                ),
            }
            for trend in top
        ]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Trends",
            "days": days,
            "periods": trends.PERIODS,
            "chart": charts.bar_chart(trends.site_daily_views(days, today), label),
            "rows": rows,
            "csv_url": f"{reverse(f'{self.admin_site.name}:articles_dailyviews_csv')}?days={days}",
            **(extra_context or {}),
        }
        return TemplateResponse(request, "admin/insights/trends.html", context)

    def csv_view(self, request):
        """The page's table of entries as CSV."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        days = chosen_days(request)
        today = timezone.localdate()
        header = ["entry", "address", f"views, last {days} days", f"views, {days} days before",
                  "change"]  # fmt: skip
        rows = (
            [trend.entry.title, absolute_url(trend.entry.get_absolute_url()), trend.views,
             trend.previous, trend.change]
            for trend in trends.top(days, TOP_SIZE, today)
        )  # fmt: skip
        return csv_response(f"trends-{days}-days-{today.isoformat()}.csv", header, rows)
