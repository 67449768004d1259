"""Database-specific search structures on top of the SearchDocument/SearchName tables.

SQLite: FTS5 tables mirroring both tables through triggers, so the full-text index can
never disagree with the documents. PostgreSQL: the unaccent extension and GIN indexes.
"""

from django.db import migrations

SQLITE_FORWARD = [
    """CREATE VIRTUAL TABLE articles_search_fts USING fts5(
        title, aliases, summary, key_points, body,
        content='articles_searchdocument', content_rowid='article_id',
        tokenize='porter unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER articles_search_ai AFTER INSERT ON articles_searchdocument BEGIN
        INSERT INTO articles_search_fts(rowid, title, aliases, summary, key_points, body)
        VALUES (new.article_id, new.title, new.aliases, new.summary, new.key_points, new.body);
    END""",
    """CREATE TRIGGER articles_search_ad AFTER DELETE ON articles_searchdocument BEGIN
        INSERT INTO articles_search_fts(articles_search_fts, rowid, title, aliases, summary,
                                        key_points, body)
        VALUES ('delete', old.article_id, old.title, old.aliases, old.summary, old.key_points,
                old.body);
    END""",
    """CREATE TRIGGER articles_search_au AFTER UPDATE ON articles_searchdocument BEGIN
        INSERT INTO articles_search_fts(articles_search_fts, rowid, title, aliases, summary,
                                        key_points, body)
        VALUES ('delete', old.article_id, old.title, old.aliases, old.summary, old.key_points,
                old.body);
        INSERT INTO articles_search_fts(rowid, title, aliases, summary, key_points, body)
        VALUES (new.article_id, new.title, new.aliases, new.summary, new.key_points, new.body);
    END""",
    """CREATE VIRTUAL TABLE articles_searchname_fts USING fts5(
        normalized, content='articles_searchname', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2', prefix='2 3')""",
    """CREATE TRIGGER articles_searchname_ai AFTER INSERT ON articles_searchname BEGIN
        INSERT INTO articles_searchname_fts(rowid, normalized) VALUES (new.id, new.normalized);
    END""",
    """CREATE TRIGGER articles_searchname_ad AFTER DELETE ON articles_searchname BEGIN
        INSERT INTO articles_searchname_fts(articles_searchname_fts, rowid, normalized)
        VALUES ('delete', old.id, old.normalized);
    END""",
    """CREATE TRIGGER articles_searchname_au AFTER UPDATE ON articles_searchname BEGIN
        INSERT INTO articles_searchname_fts(articles_searchname_fts, rowid, normalized)
        VALUES ('delete', old.id, old.normalized);
        INSERT INTO articles_searchname_fts(rowid, normalized) VALUES (new.id, new.normalized);
    END""",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS articles_searchname_au",
    "DROP TRIGGER IF EXISTS articles_searchname_ad",
    "DROP TRIGGER IF EXISTS articles_searchname_ai",
    "DROP TABLE IF EXISTS articles_searchname_fts",
    "DROP TRIGGER IF EXISTS articles_search_au",
    "DROP TRIGGER IF EXISTS articles_search_ad",
    "DROP TRIGGER IF EXISTS articles_search_ai",
    "DROP TABLE IF EXISTS articles_search_fts",
]

POSTGRES_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    "CREATE INDEX IF NOT EXISTS articles_searchdoc_vector_gin "
    "ON articles_searchdocument USING gin (search_vector)",
    # Autocomplete: word-prefix queries (to_tsquery('simple', 'hou:*')) on names.
    "CREATE INDEX IF NOT EXISTS articles_searchname_words_gin "
    "ON articles_searchname USING gin (to_tsvector('simple'::regconfig, normalized))",
]
POSTGRES_BACKWARD = [
    "DROP INDEX IF EXISTS articles_searchname_words_gin",
    "DROP INDEX IF EXISTS articles_searchdoc_vector_gin",
    # The unaccent extension is left in place: other things may use it.
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        statements = statements_by_vendor.get(schema_editor.connection.vendor, [])
        for sql in statements:
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("articles", "0004_search_index")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}),
        )
    ]
