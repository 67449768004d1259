"""The PostgreSQL search engine: a weighted tsvector per document with a GIN index
(title/aliases A, definition/TL;DR B, key points C, body D), ranked with ts_rank."""

from django.contrib.postgres.search import SearchVector
from django.db import connection
from django.db.models import F, Func

from articles.models import SearchDocument

CONFIG = "english"


def _unaccent(field):
    return Func(F(field), function="unaccent")


VECTOR = (
    SearchVector(_unaccent("title"), weight="A", config=CONFIG)
    + SearchVector(_unaccent("aliases"), weight="A", config=CONFIG)
    + SearchVector(_unaccent("summary"), weight="B", config=CONFIG)
    + SearchVector(_unaccent("key_points"), weight="C", config=CONFIG)
    + SearchVector(_unaccent("body"), weight="D", config=CONFIG)
)


def update_vectors(article_ids=None):
    """Recompute the stored tsvector of the given documents (all when None)."""
    documents = SearchDocument.objects.all()
    if article_ids is not None:
        documents = documents.filter(pk__in=article_ids)
    documents.update(search_vector=VECTOR)


def tsquery(words, *, any_word=False, prefix_last=False, weights=""):
    # Words are normalised to letters and digits: they can never form tsquery syntax.
    terms = [f"{word}:{weights}" if weights else word for word in words]
    if prefix_last:
        terms[-1] = f"{words[-1]}:*{weights}"
    return (" | " if any_word else " & ").join(terms)


def rank(words, *, any_word, prefix_last, now, limit):
    """(id, tier) best first; the tiers of sqlite.rank(), from the tsvector's weights."""
    sql = """
        SELECT d.article_id,
               CASE WHEN d.search_vector @@ to_tsquery(%s, %s) THEN 1
                    WHEN d.search_vector @@ to_tsquery(%s, %s) THEN 2
                    WHEN d.search_vector @@ to_tsquery(%s, %s) THEN 3 ELSE 4 END AS tier,
               ts_rank(d.search_vector, to_tsquery(%s, %s)) AS score
        FROM articles_searchdocument d
        JOIN articles_article a ON a.id = d.article_id
        WHERE d.search_vector @@ to_tsquery(%s, %s)
          AND a.status = 'published' AND a.published_at <= %s
        ORDER BY tier, score DESC, a.id
        LIMIT %s
    """
    query = tsquery(words, any_word=any_word, prefix_last=prefix_last)
    params = [
        CONFIG, tsquery(words, prefix_last=prefix_last, weights="A"),
        CONFIG, tsquery(words, prefix_last=prefix_last, weights="A", any_word=True),
        CONFIG, tsquery(words, prefix_last=prefix_last, weights="AB"),
        CONFIG, query,
        CONFIG, query,
        now,
        limit,
    ]  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [(row[0], row[1]) for row in cursor.fetchall()]


def snippets(ids, words, markers):
    if not ids or not words:
        return {}
    start, end = markers
    options = f"StartSel={start}, StopSel={end}, MaxWords=30, MinWords=12, MaxFragments=2"
    sql = """
        SELECT d.article_id,
               ts_headline(%s, d.summary, q, %s),
               ts_headline(%s, d.body, q, %s)
        FROM articles_searchdocument d, to_tsquery(%s, %s) AS q
        WHERE d.article_id = ANY(%s)
    """
    query = tsquery(words, any_word=True, prefix_last=len(words[-1]) >= 3)
    params = [CONFIG, options, CONFIG, options, CONFIG, query, list(ids)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {row[0]: (row[1], row[2]) for row in cursor.fetchall()}


def is_known(word, *, prefix=False):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM articles_searchdocument "
            "WHERE search_vector @@ to_tsquery(%s, %s) LIMIT 1",
            [CONFIG, tsquery([word], prefix_last=prefix)],
        )
        return cursor.fetchone() is not None


def suggest(words, *, now, limit):
    query = " ".join(words)
    sql = """
        SELECT n.article_id, n.name, n.is_title, a.title, a.slug, c.name
        FROM articles_searchname n
        JOIN articles_article a ON a.id = n.article_id
        JOIN articles_category c ON c.id = a.category_id
        WHERE to_tsvector('simple'::regconfig, n.normalized) @@ to_tsquery('simple', %s)
          AND a.status = 'published' AND a.published_at <= %s
        ORDER BY left(n.normalized, %s) = %s DESC, n.is_title DESC, a.view_count DESC,
                 length(n.normalized), n.id
        LIMIT %s
    """
    params = [tsquery(words, prefix_last=True), now, len(query), query, limit]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()
