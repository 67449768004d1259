"""View counts and "Was this helpful?" totals are changed only by their own increments:
no save of the entry (the ORM, the admin, a revert, an import, `loaddata` onto an existing
row) writes them back, and revisions neither keep nor restore them. A new row (a new
entry, a backup restored into an empty database) gets the counts it is given."""

import threading
import time
from contextlib import contextmanager

import pytest
from django.contrib.auth.models import User
from django.core import serializers
from django.core.management import call_command
from django.db import connection
from django.db.models import F
from django.db.models.signals import pre_save
from django.test import Client
from reversion.models import Version

from articles.delivery import counting
from articles.models import Entry
from tests.forms import entry_form_data

ADMIN = "/admin/articles/entry"
COUNTERS = ("view_count", "helpful_yes", "helpful_no")


def counts(article):
    return Entry.objects.values_list(*COUNTERS).get(pk=article.pk)


def add_counts(article, views=0, yes=0, no=0):
    """Readers' views and answers, as counting.py and feedback.py add them."""
    for _ in range(views):
        counting.count_view(article.pk)
    Entry.objects.filter(pk=article.pk).update(
        helpful_yes=F("helpful_yes") + yes, helpful_no=F("helpful_no") + no
    )


@contextmanager
def counted_during_each_save(article, views=3, yes=1):
    """Readers' views and answers counted after a save has read the entry and before it
    writes it (where a reader's request lands while an import or an editor works)."""

    def count(sender, instance, **kwargs):
        if instance.pk == article.pk:
            add_counts(article, views=views, yes=yes)

    pre_save.connect(count, sender=Entry)
    try:
        yield
    finally:
        pre_save.disconnect(count, sender=Entry)


def test_an_orm_save_keeps_counts_made_since_it_read_the_entry(make_entry):
    article = make_entry(view_count=10, helpful_yes=2, helpful_no=1)
    entry = Entry.objects.get(pk=article.pk)
    entry.definition = "A better definition."
    with counted_during_each_save(article, views=3, yes=1):
        entry.save()
    assert counts(article) == (13, 3, 1)
    assert Entry.objects.get(pk=article.pk).definition == "A better definition."


def test_a_new_entry_gets_the_counts_it_is_given(make_entry):
    article = make_entry(view_count=44, helpful_yes=5, helpful_no=2)
    assert counts(article) == (44, 5, 2)


def test_saving_a_counter_by_name_is_refused(make_entry):
    article = make_entry(view_count=10)
    article.view_count = 0
    with pytest.raises(ValueError, match="view_count"):
        article.save(update_fields=["view_count"])
    with pytest.raises(ValueError, match="helpful_yes"):
        Entry.objects.bulk_update([article], ["helpful_yes"])
    assert counts(article) == (10, 0, 0)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_views_counted_while_the_entry_is_saved_are_all_kept(make_entry):
    """One thread counts views the way readers' requests do, while another saves the
    same entry again and again: through the ORM (reading it, then saving it a moment
    later, as code does) and through the admin's change form."""
    article = make_entry(title="Peer Support", slug="peer-support", view_count=0)
    # (A superuser: transactional tests can't rely on the Editors group migration's rows.)
    user = User.objects.create_superuser("chief", password="a-long-test-password")
    saving = threading.Event()
    counted, errors = [], []

    def count_views():
        try:
            while not saving.is_set():  # counting starts with the first save
                time.sleep(0.001)
            while saving.is_set():
                counting.count_view(article.pk)
                counted.append(1)
        except Exception as exc:  # surfaced below
            errors.append(repr(exc))
        finally:
            connection.close()

    def save_repeatedly():
        client = Client()
        client.force_login(user)
        try:
            saving.set()
            for n in range(5):
                entry = Entry.objects.get(pk=article.pk)
                entry.definition = f"Saved {n} times through the ORM."
                time.sleep(0.02)  # views counted meanwhile
                entry.save()
                data = entry_form_data(
                    Entry.objects.get(pk=article.pk), definition=f"Saved {n} times in the admin."
                )
                response = client.post(f"{ADMIN}/{article.pk}/change/", data)
                if response.status_code != 302:
                    errors.append(f"admin save answered {response.status_code}")
        except Exception as exc:
            errors.append(repr(exc))
        finally:
            saving.clear()
            connection.close()

    threads = [threading.Thread(target=count_views), threading.Thread(target=save_repeatedly)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert len(counted) > 20  # views were counted while saves were made
    assert counts(article)[0] == len(counted)
    assert Entry.objects.get(pk=article.pk).definition == "Saved 4 times in the admin."


@pytest.mark.parametrize("made_before", [False, True], ids=["revision", "older revision"])
def test_reverting_a_version_keeps_the_live_counts(client, editor, make_entry, made_before):
    client.force_login(editor)
    article = make_entry(title="Craving", slug="craving", definition="The first wording.")
    url = f"{ADMIN}/{article.pk}/change/"
    assert client.post(url, entry_form_data(article)).status_code == 302  # revision 1
    # Every field, as revisions made before counters were left out of them hold it.
    every_field = serializers.serialize("json", [Entry.objects.get(pk=article.pk)])
    add_counts(article, views=40, yes=3, no=1)
    response = client.post(url, entry_form_data(article, definition="A careless rewrite."))
    assert response.status_code == 302  # revision 2
    add_counts(article, views=2, yes=1)
    versions = Version.objects.get_for_object(article)
    stored = [version.serialized_data for version in versions]
    assert not any(name in data for data in stored for name in COUNTERS)

    earlier = versions[1]
    if made_before:
        assert '"view_count": 0' in every_field
        Version.objects.filter(pk=earlier.pk).update(serialized_data=every_field)
    revert_url = f"{ADMIN}/{article.pk}/history/{earlier.pk}/"
    base = client.get(revert_url).context["adminform"].form["edit_base"].value()
    data = entry_form_data(article, definition="The first wording.", edit_base=base)
    assert client.post(revert_url, data).status_code == 302
    article.refresh_from_db()
    assert article.definition == "The first wording."
    assert counts(article) == (42, 4, 1)


def test_loaddata_onto_an_existing_entry_keeps_its_counts(make_entry, tmp_path):
    article = make_entry(slug="relapse", view_count=5, helpful_yes=1, helpful_no=1)
    fixture = tmp_path / "relapse.json"
    call_command("dumpdata", "articles.entry", pks=str(article.pk), output=str(fixture))
    add_counts(article, views=7, yes=2)
    call_command("loaddata", str(fixture), verbosity=0)
    assert counts(article) == (12, 3, 1)

    # The same file into a database without the entry: it is restored as it was.
    Entry.objects.filter(pk=article.pk).delete()
    call_command("loaddata", str(fixture), verbosity=0)
    assert counts(article) == (5, 1, 1)


def test_importing_files_over_an_entry_keeps_its_counts(make_entry, tmp_path):
    article = make_entry(slug="relapse", view_count=30, helpful_yes=4, helpful_no=2)
    call_command("export_content", str(tmp_path), verbosity=0)
    path = tmp_path / "relapse.md"
    path.write_text(path.read_text().replace(article.definition, "An imported definition."))
    add_counts(article, views=5)
    with counted_during_each_save(article, views=3, yes=1):
        call_command("import_content", str(tmp_path), verbosity=0)
    assert Entry.objects.get(pk=article.pk).definition == "An imported definition."
    assert counts(article) == (38, 5, 2)
