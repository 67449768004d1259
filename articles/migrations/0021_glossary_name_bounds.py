from django.db import migrations, models


def fill_bounds(apps, schema_editor):
    """The bounds of the names already written (made exact by the next rebuild)."""
    from articles.search.indexing import name_bounds

    SearchName = apps.get_model("articles", "SearchName")
    GlossaryState = apps.get_model("articles", "GlossaryState")
    names = SearchName.objects.values_list("normalized", flat=True).iterator()
    longest, opening = name_bounds(names)
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
