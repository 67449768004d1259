"""Loads the demo glossary from fixtures/ into an empty database.

Refuses to run when the database already holds categories or entries, so real content is
never mixed with, or overwritten by, the demo set. `make setup` runs it.
"""

from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from articles.content import quality
from articles.models import Category, Entry

FIXTURES_DIR = Path(settings.BASE_DIR) / "fixtures"


def fixture_files():
    # Categories first for readability; loaddata resolves references across files anyway.
    return sorted(FIXTURES_DIR.glob("*.json"), key=lambda p: (p.name != "categories.json", p.name))


class Command(BaseCommand):
    help = "Load the demo content (fixtures/*.json) if the database has no content yet."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Say what would be loaded, load nothing."
        )

    def handle(self, *args, dry_run=False, **options):
        files = fixture_files()
        if not files:
            raise CommandError(f"No fixture files found in {FIXTURES_DIR}.")
        if Category.objects.exists() or Entry.objects.exists():
            self.stdout.write("The database already has content; demo content not loaded.")
            return
        names = ", ".join(p.name for p in files)
        if dry_run:
            self.stdout.write(f"Would load {len(files)} fixture files: {names}")
            return
        # One transaction: on any error nothing is written. Fixtures carry no content
        # warnings: every entry is checked once all are in (quality.py).
        with transaction.atomic():
            call_command("loaddata", *map(str, files), verbosity=0)
            quality.refresh_entries()
        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded {Entry.objects.count()} entries in {Category.objects.count()} categories."
            )
        )
