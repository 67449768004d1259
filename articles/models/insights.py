"""What readers tell editors: searches by day (scrubbed queries, with the results opened),
views by entry and day, and "not helpful" reports with their reasons, in a triage queue.

No row holds an address, a cookie or an account: a search is its query, a view is a
count. Rows that hold what a reader typed (queries, comments) are kept for
KB_READER_DATA_DAYS (articles/insights/retention.py); the day totals are kept."""

from django.conf import settings
from django.db import models
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.utils import timezone

from .entries import Entry

QUERY_MAX = 100  # characters of a query kept (scrubbed first: insights/scrubbing.py)
COMMENT_MAX = 500


class SearchDay(models.Model):
    """Readers' searches for one query on one day: how many, how many found nothing,
    how many led to a result being opened."""

    day = models.DateField()
    query = models.CharField(max_length=QUERY_MAX)
    searches = models.PositiveIntegerField(default=0)
    no_results = models.PositiveIntegerField("searches with no results", default=0)
    opened = models.PositiveIntegerField("results opened", default=0)

    class Meta:
        verbose_name = "search"
        verbose_name_plural = "searches"
        constraints = [
            models.UniqueConstraint(fields=["day", "query"], name="searchday_day_query"),
            models.CheckConstraint(
                condition=models.Q(no_results__lte=models.F("searches")),
                name="searchday_no_results_within_searches",
            ),
        ]
        indexes = [models.Index(fields=["query", "day"], name="searchday_query_day")]

    def __str__(self):
        return f"{self.day}: {self.query} ({self.searches})"


class SearchOpen(models.Model):
    """Results opened from one query's results on one day: which entry, how often, and
    the sum of the ranks it had (an average rank over the opens)."""

    day = models.DateField()
    query = models.CharField(max_length=QUERY_MAX)
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="search_opens")
    opens = models.PositiveIntegerField(default=0)
    rank_total = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "query", "entry"], name="searchopen_day_query_entry"
            ),
        ]
        indexes = [models.Index(fields=["query", "day"], name="searchopen_query_day")]

    def __str__(self):
        return f"{self.day}: {self.query} → {self.entry_id} ({self.opens})"


class SearchTotal(models.Model):
    """One day's reader searches in all: kept when the day's queries are purged."""

    day = models.DateField(unique=True)
    searches = models.PositiveIntegerField(default=0)
    no_results = models.PositiveIntegerField(default=0)
    opened = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.day}: {self.searches}"


class DailyViews(models.Model):
    """Readers' views of an entry on one day, written in the same transaction as the
    entry's total (delivery/view_buffer.py): the days add up to what the total gained."""

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="daily_views")
    day = models.DateField()
    views = models.PositiveIntegerField(default=0)

    class Meta:
        # Listed in the admin as the Trends page (insights/trends_admin.py).
        verbose_name = "views over time"
        verbose_name_plural = "views over time"
        constraints = [
            models.UniqueConstraint(fields=["entry", "day"], name="dailyviews_entry_day"),
        ]
        # Covering: a period's views by day or by entry are read from the index alone.
        indexes = [models.Index(fields=["day", "entry", "views"], name="dailyviews_day_entry")]

    def __str__(self):
        return f"{self.entry_id} {self.day}: {self.views}"


class ReportReason(models.TextChoices):
    INACCURATE = "inaccurate", "Inaccurate or outdated"
    UNCLEAR = "unclear", "Hard to understand"
    MISSING = "missing", "Missing something"
    OTHER = "other", "Other"


class ReportStatus(models.TextChoices):
    NEW = "new", "New"
    IN_PROGRESS = "in_progress", "In progress"
    RESOLVED = "resolved", "Resolved"


class FeedbackReportQuerySet(models.QuerySet):
    def still_open(self):
        return self.exclude(status=ReportStatus.RESOLVED)


class FeedbackReport(models.Model):
    """A reader's "No" to "Was this helpful?", with the reason and an optional comment:
    plain text, never shown on the site; triaged by editors."""

    Reason = ReportReason
    Status = ReportStatus

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="feedback_reports")
    reason = models.CharField(max_length=20, choices=Reason.choices)
    comment = models.TextField(blank=True, max_length=COMMENT_MAX)
    comment_removed = models.BooleanField(
        default=False, editable=False, help_text="The comment was removed after the days kept."
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NEW)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="feedback_reports",
    )
    editor_note = models.TextField(
        blank=True, help_text="For editors: what was done, or why nothing was."
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    resolved_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = FeedbackReportQuerySet.as_manager()

    class Meta:
        verbose_name = "reader report"
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(reason__in=ReportReason.values),
                name="feedbackreport_reason_known",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=ReportStatus.values),
                name="feedbackreport_status_known",
            ),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("comment"), COMMENT_MAX),
                name="feedbackreport_comment_length",
            ),
        ]
        indexes = [models.Index(fields=["status", "entry"], name="feedbackreport_status_entry")]

    def __str__(self):
        return f"{self.get_reason_display()} — {self.entry}"

    def save(self, *args, **kwargs):
        # When it was resolved: set on resolving, cleared on reopening.
        if self.status == self.Status.RESOLVED and self.resolved_at is None:
            self.resolved_at = timezone.now()
        elif self.status != self.Status.RESOLVED:
            self.resolved_at = None
        super().save(*args, **kwargs)
