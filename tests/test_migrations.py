"""Migrations apply and reverse cleanly (on the database the suite runs on)."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from articles.models import Entry


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_migrations_reverse_to_zero_and_apply_again(client):
    call_command("migrate", "articles", "zero", verbosity=0)
    assert "articles_article" not in connection.introspection.table_names()
    call_command("migrate", verbosity=0)
    executor = MigrationExecutor(connection)
    assert not executor.migration_plan(executor.loader.graph.leaf_nodes())
    # The schema works again, search index and all.
    call_command("load_demo_content", verbosity=0)
    assert Entry.objects.count() == 49
    assert b"Naloxone" in client.get("/search/?q=narcan").content
    assert client.get("/terms/peer-support/").status_code == 200


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_naming_the_model_entry_keeps_permissions_and_history(make_entry):
    """0026: the Editors group keeps its permissions and old versions still restore,
    both ways."""
    import reversion
    from django.contrib.auth.models import Group
    from reversion.models import Version

    def editors_codenames():
        group = Group.objects.get(name="Editors")
        return set(group.permissions.values_list("codename", flat=True))

    before = editors_codenames()
    assert {"add_entry", "change_entry", "view_entry"} <= before
    with reversion.create_revision():
        entry = make_entry(title="Kept history")
    call_command("migrate", "articles", "0025", verbosity=0)
    assert {"change_article", "view_article"} <= editors_codenames()
    assert "change_entry" not in editors_codenames()
    assert (
        '"articles.article"'
        in Version.objects.get(
            object_id=entry.pk, serialized_data__contains="Kept history"
        ).serialized_data
    )
    call_command("migrate", verbosity=0)
    assert editors_codenames() == before
    version = Version.objects.get_for_object(entry).get()
    assert version.field_dict["title"] == "Kept history"
