"""Checks every entry's content health again and stores the warnings that changed.

Warnings are stored when an entry is written (the admin, import_content,
load_demo_content, a revert) and when another entry it links to or is related to
changes. This command is for entries stored before that, or changed behind the
application's back (SQL, a partial `loaddata`), and for links to scheduled entries
whose time has come. `make setup` runs it; it is safe to run at any time.
"""

import time

from django.core.management.base import BaseCommand
from django.db import transaction

from articles.content import quality
from articles.models import Entry


class Command(BaseCommand):
    help = (
        "Check every entry's content health (articles/content/quality.py) and store the warnings "
        "that changed, for the admin's Health column and filter."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Say which entries would change, change none."
        )

    def handle(self, *args, dry_run=False, **options):
        started = time.perf_counter()
        with transaction.atomic():
            changed = quality.refresh_entries(write=not dry_run)
        for article, before, now in changed:
            count = len(now.splitlines())
            self.stdout.write(
                f"{'Would change' if dry_run else 'Changed'}: {article.slug} "
                f"({len(before.splitlines())} → {count} warning{'s' if count != 1 else ''})"
            )
        total = Entry.objects.count()
        warned = Entry.objects.exclude(content_warnings="").count()
        summary = (
            f"Checked {total} entries in {time.perf_counter() - started:.1f} s: "
            f"{len(changed)} {'would change' if dry_run else 'changed'}"
        )
        if not dry_run:
            summary += f", {warned} with warnings"
        self.stdout.write(self.style.SUCCESS(summary + "."))
