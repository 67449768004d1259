from django.db import migrations, models


def fill_bounds(apps, schema_editor):
    """The bounds of the names already written (as search/indexing.name_bounds works them
    out); the words are those in use when this was written: a bound only, made exact by
    the next rebuild."""
    from articles.search.text import STOP_WORDS

    SearchName = apps.get_model("articles", "SearchName")
    GlossaryState = apps.get_model("articles", "GlossaryState")
    longest, opening = 0, set()
    for normalized in SearchName.objects.values_list("normalized", flat=True).iterator():
        words = normalized.split()
        longest = max(longest, len(words))
        if words and words[0] in STOP_WORDS:
            opening.add(words[0])
    if longest:
        GlossaryState.objects.update_or_create(
            pk=1,
            defaults={"longest_name": longest, "opening_stop_words": " ".join(sorted(opening))},
        )


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0020_published_partial_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="glossarystate",
            name="longest_name",
            field=models.PositiveSmallIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="glossarystate",
            name="opening_stop_words",
            field=models.CharField(blank=True, default="", max_length=500),
        ),
        migrations.RunPython(fill_bounds, migrations.RunPython.noop),
    ]
