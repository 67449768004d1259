from django.core.management.base import BaseCommand

from articles.content.files import export


class Command(BaseCommand):
    help = (
        "Write every entry as DIR/<slug>.md (YAML front matter + Markdown body) and the "
        "categories as DIR/categories.yaml."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory")

    def handle(self, directory, **options):
        count = export(directory)
        self.stdout.write(self.style.SUCCESS(f"Exported {count} entries to {directory}."))
