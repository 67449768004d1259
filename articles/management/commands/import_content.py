from django.core.management.base import BaseCommand, CommandError

from articles.content.files import ContentError, apply, plan, record_versions
from articles.search.indexing import refresh_planner_statistics


class Command(BaseCommand):
    help = (
        "Create or update entries from DIR/*.md and DIR/categories.yaml (as written by "
        "export_content). Everything is checked first; on any problem nothing is changed. "
        "An entry saved since its file was exported is reported, not overwritten (--force "
        "overwrites it); each file applied gets the entry's new version."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory")
        parser.add_argument(
            "--dry-run", action="store_true", help="show what would change, change nothing"
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="overwrite entries saved since their files were exported",
        )

    def handle(self, directory, dry_run=False, force=False, **options):
        try:
            result = apply(plan(directory), dry_run=dry_run, force=force)
        except ContentError as error:
            for problem in error.problems:
                self.stderr.write(problem)
            raise CommandError(
                f"{len(error.problems)} problem(s) found; nothing was imported."
            ) from None
        if not dry_run:
            record_versions(result)
            refresh_planner_statistics()
        verb = "Would create" if dry_run else "Created"
        for label, slugs in (
            (verb, result.created),
            ("Would update" if dry_run else "Updated", result.updated),
        ):
            for slug in slugs:
                self.stdout.write(f"{label}: {slug}")
        summary = (
            f"{len(result.created)} new, {len(result.updated)} changed, "
            f"{len(result.unchanged)} unchanged"
        )
        self.stdout.write(self.style.SUCCESS(("Dry run: " if dry_run else "") + summary + "."))
