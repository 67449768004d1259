"""Search documents keep an entry's blocks (headings, paragraphs, list items, table rows)
on lines of their own, and inline markup no longer leaves a space behind ("free , paid"),
so that search excerpts keep to one block (articles/search/blocks.py). The documents
indexed before are rewritten here; on PostgreSQL their vectors are recomputed (a word split
by markup, "<em>free</em>dom", is now one word). SQLite's full-text table follows through
its triggers."""

import itertools

from django.db import migrations

BATCH = 2000
UPDATE_TEXT = "UPDATE articles_searchdocument SET summary = %s, body = %s WHERE article_id = %s"
# As articles/search/postgres.py computes them (see also migration 0006).
HEAD_VECTOR = """
    setweight(to_tsvector('english'::regconfig, coalesce(unaccent(title), '')), 'A')
    || setweight(to_tsvector('english'::regconfig, coalesce(unaccent(aliases), '')), 'A')
    || setweight(to_tsvector('english'::regconfig, coalesce(unaccent(summary), '')), 'B')
"""
REST_VECTOR = """
    setweight(to_tsvector('english'::regconfig, coalesce(unaccent(key_points), '')), 'C')
    || setweight(to_tsvector('english'::regconfig, coalesce(unaccent(body), '')), 'D')
"""
UPDATE_VECTORS = f"""
    UPDATE articles_searchdocument
    SET head_vector = {HEAD_VECTOR}, search_vector = {HEAD_VECTOR} || {REST_VECTOR}
    WHERE article_id = ANY(%s)
"""


def rewrite_documents(apps, schema_editor):
    from articles.search.blocks import body_text, summary_text

    Article = apps.get_model("articles", "Article")
    SearchDocument = apps.get_model("articles", "SearchDocument")
    articles = Article.objects.order_by("pk").values_list("pk", "definition", "tldr", "body_html")
    rows = articles.iterator(chunk_size=BATCH)
    with schema_editor.connection.cursor() as cursor:
        while batch := list(itertools.islice(rows, BATCH)):
            documents = SearchDocument.objects.filter(pk__in=[row[0] for row in batch])
            stored = {
                pk: (summary, body)
                for pk, summary, body in documents.values_list("pk", "summary", "body")
            }
            changed = []
            for pk, definition, tldr, body_html in batch:
                texts = (summary_text(definition, tldr), body_text(body_html))
                if pk in stored and stored[pk] != texts:
                    changed.append((*texts, pk))
            if changed:
                cursor.executemany(UPDATE_TEXT, changed)
                if schema_editor.connection.vendor == "postgresql":
                    cursor.execute(UPDATE_VECTORS, [[pk for *_, pk in changed]])


class Migration(migrations.Migration):
    dependencies = [("articles", "0024_editors_source_permissions")]

    operations = [migrations.RunPython(rewrite_documents, migrations.RunPython.noop)]
