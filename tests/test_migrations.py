"""Migrations apply and reverse cleanly (on the database the suite runs on)."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from articles.models import Article


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_migrations_reverse_to_zero_and_apply_again(client):
    call_command("migrate", "articles", "zero", verbosity=0)
    assert "articles_article" not in connection.introspection.table_names()
    call_command("migrate", verbosity=0)
    executor = MigrationExecutor(connection)
    assert not executor.migration_plan(executor.loader.graph.leaf_nodes())
    # The schema works again, search index and all.
    call_command("load_demo_content", verbosity=0)
    assert Article.objects.count() == 49
    assert b"Naloxone" in client.get("/search/?q=narcan").content
    assert client.get("/terms/peer-support/").status_code == 200
