"""published_sql(): published_q() in plain SQL, its parameter named, so that statements
combine it with their own parameters (and with itself) in any order."""

from django.db import connection
from django.utils import timezone

from articles.models import Entry, PlainSQL, published_sql


def _ids(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {row[0] for row in cursor.fetchall()}


def test_it_selects_the_entries_published_q_selects(make_entry):
    make_entry()
    make_entry(status=Entry.Status.DRAFT)
    make_entry(published_at=timezone.now() + timezone.timedelta(days=1))
    visible = published_sql("a")
    assert isinstance(visible, PlainSQL) and set(visible.params) == {"now"}

    # Its parameter placed by name: before, after and beside the statement's own.
    found = _ids(
        f"SELECT a.id FROM {Entry._meta.db_table} a "
        f"WHERE a.id > %(after)s AND {visible.sql} AND a.id < %(before)s",
        {"after": 0, **visible.params, "before": 10**9},
    )
    assert found == set(Entry.objects.published().values_list("pk", flat=True))
    assert len(found) == 1


def test_a_statement_may_use_it_twice_and_at_another_time(make_entry):
    later = make_entry(published_at=timezone.now() + timezone.timedelta(days=1))
    table = Entry._meta.db_table
    for now, expected in ((None, set()), (timezone.now() + timezone.timedelta(days=2), {later.pk})):
        visible = published_sql("a", now)
        sql = (
            f"SELECT a.id FROM {table} a WHERE {visible.sql} "
            f"UNION SELECT b.id FROM {table} b WHERE {published_sql('b').sql}"
        )
        assert _ids(sql, visible.params) == expected
