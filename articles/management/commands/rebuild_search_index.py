"""Rebuilds the search index from the content, from scratch.

The index follows every save and delete on its own; this is for recovery, for content
changed with bulk `UPDATE`s that bypass the application, and after restoring a backup.
"""

import time

from django.core.management.base import BaseCommand

from articles.models import Entry, SearchDocument
from articles.search.indexing import rebuild


class Command(BaseCommand):
    help = "Rebuild the search index (documents, names, spelling vocabulary) from the content."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Say what would be indexed, change nothing."
        )
        parser.add_argument(
            "--if-stale",
            action="store_true",
            help="Only rebuild when the index does not cover every entry (used by make setup).",
        )

    def handle(self, *args, dry_run=False, if_stale=False, **options):
        entries, indexed = Entry.objects.count(), SearchDocument.objects.count()
        if if_stale and entries == indexed:
            self.stdout.write(f"Search index is current ({indexed} entries).")
            return
        if dry_run:
            self.stdout.write(f"Would index {entries} entries (the index now has {indexed}).")
            return
        started = time.perf_counter()
        count = rebuild(progress=lambda n: self.stdout.write(f"  {n} entries…"))
        elapsed = time.perf_counter() - started
        self.stdout.write(self.style.SUCCESS(f"Indexed {count} entries in {elapsed:.1f} s."))
