from django.db import migrations, models

# The stop words of articles/search/text.py when these bounds were kept (0022 removed them).
STOP_WORDS = frozenset(
    """a about am an and are as at be been being but by can could define definition did do
    does doing for from had has have having how i if im in into is it its me mean meaning
    means my of on or our please should so tell than that the their them then there these
    they this to was we were what whats when where which who why will with would you your""".split()
)


def fill_bounds(apps, schema_editor):
    """The bounds of the names already written (made exact by the next rebuild): the
    number of words in the longest name, and the stop words names begin with."""
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
