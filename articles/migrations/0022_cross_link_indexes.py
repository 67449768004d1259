"""Cross-links find the names that begin with the words of a page (an index on each
name's first word), instead of looking up every run of words up to the longest name's
length: the names' bounds that limited those runs are no longer needed. Other entries'
addresses and visibility are read from an index of their own (SQLite)."""

import importlib

from django.db import migrations, models

import articles.models

# The previous migration's way of working the bounds out, for going back to it.
fill_bounds = importlib.import_module("articles.migrations.0021_glossary_name_bounds").fill_bounds


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0021_glossary_name_bounds"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="searchname",
            index=models.Index(
                articles.models.FirstWord("normalized"), "normalized", name="searchname_first_word"
            ),
        ),
        migrations.AddIndex(
            model_name="article",
            index=models.Index(
                fields=["id", "slug", "status", "published_at"], name="article_link_idx"
            ),
        ),
        # Going back, the bounds are worked out again once their fields are back.
        migrations.RunPython(migrations.RunPython.noop, fill_bounds),
        migrations.RemoveField(model_name="glossarystate", name="longest_name"),
        migrations.RemoveField(model_name="glossarystate", name="opening_stop_words"),
    ]
