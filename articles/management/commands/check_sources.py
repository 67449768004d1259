"""Visits every source's address and records what it answered, for the admin's "link
check" column and filter (articles/content/link_check.py says how each answer is read).

Each distinct address is requested once; its result is written to every source with that
address with a queryset update, not save(): a check is not an edit, so the entries'
versions, dates and revisions stay as they are.

Exit status, for a cron job: 0 when no address is broken or has moved, 1 when one is
(the report lists them), 2 for bad options. Server errors and unreachable addresses are
reported but leave the status 0: they are often passing, or a site turning away
automated checks, and need a person's look rather than an alarm.
"""

import time
from collections import Counter, defaultdict
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q
from django.utils import timezone

from articles.content import link_check
from articles.models import Entry, Source

USAGE_ERROR = 2
PROBLEMS = (
    Source.Check.BROKEN,
    Source.Check.MOVED,
    Source.Check.ERROR,
    Source.Check.UNREACHABLE,
)
ALARMS = {Source.Check.BROKEN, Source.Check.MOVED}  # the exit status says so
MAX_TIMEOUT = 120
MAX_WORKERS = 32


class Command(BaseCommand):
    help = (
        "Visit every source's address (each distinct address once) and record whether it "
        "works, has moved, is broken, gives a server error or is unreachable. Exit status 1 "
        "when an address is broken or has moved, 2 for bad options."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--timeout",
            type=float,
            default=link_check.DEFAULT_TIMEOUT,
            help=f"Seconds to wait for each connection and answer (default "
            f"{link_check.DEFAULT_TIMEOUT}).",
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=link_check.DEFAULT_WORKERS,
            help=f"Addresses checked at a time (default {link_check.DEFAULT_WORKERS}; at most "
            f"{link_check.PER_HOST} at a time on one host).",
        )
        parser.add_argument(
            "--entry",
            action="append",
            metavar="SLUG",
            dest="entries",
            help="Check only this entry's sources (repeat for several entries).",
        )
        parser.add_argument(
            "--stale-days",
            type=int,
            metavar="N",
            help="Check only sources never checked, or not checked in the last N days.",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check and report, record nothing.",
        )

    def handle(
        self,
        *args,
        timeout=link_check.DEFAULT_TIMEOUT,
        workers=link_check.DEFAULT_WORKERS,
        entries=None,
        stale_days=None,
        dry_run=False,
        **options,
    ):
        verbosity = options.get("verbosity", 1)
        if not isinstance(timeout, int | float) or not 0 < timeout <= MAX_TIMEOUT:
            raise CommandError(
                f"--timeout must be more than 0 and at most {MAX_TIMEOUT} seconds, not {timeout}.",
                returncode=USAGE_ERROR,
            )
        if not isinstance(workers, int) or not 1 <= workers <= MAX_WORKERS:
            raise CommandError(
                f"--workers must be from 1 to {MAX_WORKERS}, not {workers}.",
                returncode=USAGE_ERROR,
            )
        if stale_days is not None and (not isinstance(stale_days, int) or stale_days < 0):
            raise CommandError(
                f"--stale-days must be 0 or more, not {stale_days}.", returncode=USAGE_ERROR
            )

        sources = self._sources(entries, stale_days)
        by_url = defaultdict(list)  # address -> [(source id, entry title)]
        for pk, url, title in sources.values_list("pk", "url", "article__title"):
            by_url[url].append((pk, title))
        skipped = sorted(url for url in by_url if not link_check.checkable(url))
        to_check = [url for url in by_url if link_check.checkable(url)]

        started = time.perf_counter()
        checked = {}
        for answer in link_check.check_all(to_check, timeout=timeout, workers=workers):
            checked[answer.url] = answer
            if not dry_run:
                Source.objects.filter(pk__in=[pk for pk, _ in by_url[answer.url]]).filter(
                    url=answer.url  # not one changed meanwhile: its check was cleared
                ).update(
                    checked_at=timezone.now(),
                    check_result=answer.result,
                    check_detail=answer.detail,
                )
            if verbosity >= 2:
                self.stdout.write(
                    f"{Source.Check(answer.result).label}: {answer.url}: {answer.detail}"
                )
        self._report(by_url, checked, skipped, time.perf_counter() - started, dry_run)

        alarms = [url for url, answer in checked.items() if answer.result in ALARMS]
        if alarms:
            raise CommandError(
                f"{len(alarms)} address{'es' if len(alarms) != 1 else ''} broken or moved "
                "(listed above).",
                returncode=1,
            )

    def _sources(self, slugs, stale_days):
        sources = Source.objects.exclude(url="")
        if slugs:
            known = set(Entry.objects.filter(slug__in=slugs).values_list("slug", flat=True))
            unknown = [slug for slug in dict.fromkeys(slugs) if slug not in known]
            if unknown:
                raise CommandError(
                    f"No entry with the slug {', '.join(repr(s) for s in unknown)}.",
                    returncode=USAGE_ERROR,
                )
            sources = sources.filter(article__slug__in=slugs)
        if stale_days is not None:
            since = timezone.now() - timedelta(days=stale_days)
            sources = sources.filter(Q(checked_at__isnull=True) | Q(checked_at__lt=since))
        return sources

    def _report(self, by_url, checked, skipped, seconds, dry_run):
        count = sum(len(by_url[url]) for url in checked)
        self.stdout.write(
            f"Checked {len(checked)} address{'es' if len(checked) != 1 else ''} "
            f"({count} source{'s' if count != 1 else ''}) in {seconds:.1f} s:"
        )
        results = Counter(answer.result for answer in checked.values())
        for result, label in Source.Check.choices:
            self.stdout.write(f"  {label}: {results[result]}")
        if skipped:
            self.stdout.write(f"  Not checked (not http or https): {len(skipped)}")

        for result in PROBLEMS:
            found = sorted(url for url, answer in checked.items() if answer.result == result)
            if not found:
                continue
            style = self.style.ERROR if result in ALARMS else self.style.WARNING
            self.stdout.write("")
            self.stdout.write(style(f"{Source.Check(result).label}:"))
            for url in found:
                self._address(url, by_url[url], checked[url].detail)
        if skipped:
            self.stdout.write("")
            self.stdout.write(self.style.WARNING("Not checked (not http or https):"))
            for url in skipped:
                self._address(url, by_url[url], "")

        self.stdout.write("")
        if dry_run:
            self.stdout.write(self.style.SUCCESS("Dry run: nothing recorded."))
        else:
            self.stdout.write(
                self.style.SUCCESS(f"Recorded on {count} source{'s' if count != 1 else ''}.")
            )

    def _address(self, url, sources, detail):
        self.stdout.write(f"  {url}")
        if detail:
            self.stdout.write(f"    {detail}")
        titles = sorted({title for _, title in sources}, key=str.casefold)
        self.stdout.write(f"    in: {', '.join(titles)}")
