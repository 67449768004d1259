"""PostgreSQL: keep the GIN indexes' pending lists short. New entries wait in a pending
list (4 MB by default) until it is merged into the index, and every search scans that list
row by row; a 256 kB list is merged every few dozen saves instead."""

from django.db import migrations

INDEXES = (
    "articles_searchdoc_vector_gin",
    "articles_searchdoc_head_gin",
    "articles_searchname_words_gin",
)


def limit_pending_lists(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for index in INDEXES:
            schema_editor.execute(f"ALTER INDEX {index} SET (gin_pending_list_limit = 256)")


def reset_pending_lists(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for index in INDEXES:
            schema_editor.execute(f"ALTER INDEX {index} RESET (gin_pending_list_limit)")


class Migration(migrations.Migration):
    dependencies = [("articles", "0009_editors_address_permissions")]

    operations = [migrations.RunPython(limit_pending_lists, reset_pending_lists)]
