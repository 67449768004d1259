"""Removes what readers typed that is older than KB_READER_DATA_DAYS: searches' words
(with the results opened from them) and reports' comments. Day totals, reports' reasons
and views per day are kept.

The site does this by itself once a day (articles/insights/retention.py); this command is
for doing it by hand: to see what would go (--dry-run), or to keep fewer days at once.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count

from articles.insights import retention
from articles.models import DailyViews, FeedbackReport, SearchTotal


def _plural(count, one, many=None):
    return f"{count} {one if count == 1 else many or one + 's'}"


class Command(BaseCommand):
    help = (
        "Remove what readers typed that is older than KB_READER_DATA_DAYS (now "
        f"{settings.READER_DATA_DAYS} days): searches' words and the results opened from them, "
        "and reports' comments. Day totals, reports' reasons and views per day are kept."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            metavar="N",
            help="Keep N days (1 or more) instead of KB_READER_DATA_DAYS.",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Say what would be removed, change nothing."
        )

    def handle(self, *args, days=None, dry_run=False, **options):
        purged = retention.purge(days=self._days(days), dry_run=dry_run)

        def did(done, to_do):
            return f"Would {to_do}" if dry_run else done

        self.stdout.write(
            f"Keeping {_plural(purged.days, 'day')}: what readers typed before "
            f"{purged.before.isoformat()} {'would go' if dry_run else 'goes'}."
        )
        self.stdout.write(
            f"{did('Removed', 'remove')} {_plural(purged.searches, 'search', 'searches')} "
            f"(a query's words and counts on one day) and {_plural(purged.opens, 'opened result')}."
        )
        self.stdout.write(
            f"{did('Blanked', 'blank')} the comments of {_plural(purged.comments, 'report')} "
            "(the reports, with their reasons and statuses, stay)."
        )
        if purged.totals_made:
            self.stdout.write(
                f"{did('Made', 'make')} the search totals of {_plural(purged.totals_made, 'day')} "
                "from their searches first."
            )
        totals = SearchTotal.objects.count() + (purged.totals_made if dry_run else 0)
        view_days = DailyViews.objects.aggregate(days=Count("day", distinct=True))["days"]
        self.stdout.write(
            f"{did('Kept', 'keep')}: search totals of {_plural(totals, 'day')}, "
            f"{_plural(FeedbackReport.objects.count(), 'report')}, views per entry on "
            f"{_plural(view_days, 'day')}."
        )
        self.stdout.write(
            self.style.SUCCESS("Nothing changed (--dry-run)." if dry_run else "Done.")
        )

    @staticmethod
    def _days(value):
        """--days as a whole number of 1 or more (from the command line, a string)."""
        if value is None:
            return settings.READER_DATA_DAYS
        try:
            days = int(str(value).strip())
        except ValueError:
            days = 0
        if days < 1:
            raise CommandError(f"--days must be a whole number of days, 1 or more, not {value!r}.")
        return days
