"""One row per (entry, normalised name, title or alias), so that a backup restore can find
the rows indexing already made (natural keys). The unique index is created directly: on
SQLite, Django would rebuild the table for a constraint and drop its FTS triggers."""

from django.db import migrations, models


def remove_duplicates(apps, schema_editor):
    SearchName = apps.get_model("articles", "SearchName")
    seen, duplicates = set(), []
    for row in SearchName.objects.order_by("pk").values_list(
        "pk", "article_id", "normalized", "is_title"
    ):
        pk, key = row[0], row[1:]
        if key in seen:
            duplicates.append(pk)
        seen.add(key)
    SearchName.objects.filter(pk__in=duplicates).delete()


class Migration(migrations.Migration):
    dependencies = [("articles", "0010_gin_pending_list")]

    operations = [
        migrations.RunPython(remove_duplicates, migrations.RunPython.noop),
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    "CREATE UNIQUE INDEX searchname_unique "
                    "ON articles_searchname (article_id, normalized, is_title)",
                    "DROP INDEX searchname_unique",
                )
            ],
            state_operations=[
                migrations.AddConstraint(
                    model_name="searchname",
                    constraint=models.UniqueConstraint(
                        fields=["article", "normalized", "is_title"], name="searchname_unique"
                    ),
                )
            ],
        ),
    ]
