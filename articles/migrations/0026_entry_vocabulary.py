"""What readers read is an *entry*: the models Article and RemovedArticle are named Entry
and RemovedEntry, and a category's entries are `category.entries`.

The tables keep their names (`db_table`), so the database only renames the two columns
of the related-entries table that Django names after the model. The content types,
the permissions' codenames (the Editors group keeps its rows) and the stored history
(django-reversion's serialized versions) are renamed with them."""

from django.db import migrations, models

RENAMES = (("article", "entry"), ("removedarticle", "removedentry"))
RELATED = "articles_article_related"


def _rename(apps, schema_editor, renames):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    alias = schema_editor.connection.alias
    for old, new in renames:
        content_type = ContentType.objects.using(alias).filter(app_label="articles", model=old)
        content_type = content_type.first()
        if content_type is None:  # a new database: post_migrate makes them later
            continue
        # A content type made for the new name meanwhile (a run that stopped half-way).
        ContentType.objects.using(alias).filter(app_label="articles", model=new).delete()
        content_type.model = new
        content_type.save(update_fields=["model"])
        for permission in Permission.objects.using(alias).filter(content_type=content_type):
            action, _, _ = permission.codename.partition("_")
            permission.codename = f"{action}_{new}"
            # "Can change article" → "Can change entry" (what the admin has called it since 0023)
            old_words, new_words = _spoken(old), _spoken(new)
            permission.name = permission.name.replace(old_words, new_words)
            permission.save(update_fields=["codename", "name"])
        if apps.is_installed("reversion"):
            Version = apps.get_model("reversion", "Version")
            versions = Version.objects.using(alias).filter(content_type=content_type)
            old_label, new_label = f'"articles.{old}"', f'"articles.{new}"'
            for version in versions.iterator():
                version.serialized_data = version.serialized_data.replace(old_label, new_label)
                version.save(update_fields=["serialized_data"])


def _spoken(model_name):
    return {"article": "article", "entry": "entry"}.get(
        model_name, model_name.replace("removed", "removed ")
    )


def forwards(apps, schema_editor):
    _rename(apps, schema_editor, RENAMES)


def backwards(apps, schema_editor):
    _rename(apps, schema_editor, [(new, old) for old, new in RENAMES])


def _rename_column(old, new):
    return f'ALTER TABLE "{RELATED}" RENAME COLUMN "{old}" TO "{new}"'


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0025_search_text_blocks"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("reversion", "0002_add_index_on_version_for_content_type_and_db"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterModelTable(name="article", table="articles_article"),
                migrations.AlterModelTable(name="removedarticle", table="articles_removedarticle"),
                migrations.RenameModel(old_name="Article", new_name="Entry"),
                migrations.RenameModel(old_name="RemovedArticle", new_name="RemovedEntry"),
                migrations.AlterField(
                    model_name="entry",
                    name="category",
                    field=models.ForeignKey(
                        on_delete=models.deletion.PROTECT,
                        related_name="entries",
                        to="articles.category",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    [
                        _rename_column("from_article_id", "from_entry_id"),
                        _rename_column("to_article_id", "to_entry_id"),
                    ],
                    [
                        _rename_column("from_entry_id", "from_article_id"),
                        _rename_column("to_entry_id", "to_article_id"),
                    ],
                ),
            ],
        ),
        migrations.RunPython(forwards, backwards),
    ]
