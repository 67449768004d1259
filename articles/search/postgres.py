"""The PostgreSQL search engine: a weighted tsvector per document with a GIN index
(title/aliases A, definition/TL;DR B, key points C, body D), ranked with ts_rank."""

import json
from contextlib import contextmanager, nullcontext

from django.contrib.postgres.search import SearchVector
from django.db import connection, transaction
from django.db.models import F, Func

from articles.models import SearchDocument

CONFIG = "english"


def _unaccent(field):
    return Func(F(field), function="unaccent")


HEAD = (
    SearchVector(_unaccent("title"), weight="A", config=CONFIG)
    + SearchVector(_unaccent("aliases"), weight="A", config=CONFIG)
    + SearchVector(_unaccent("summary"), weight="B", config=CONFIG)
)
VECTOR = (
    HEAD
    + SearchVector(_unaccent("key_points"), weight="C", config=CONFIG)
    + SearchVector(_unaccent("body"), weight="D", config=CONFIG)
)
# Above this many matches, only title/alias/summary matches are ranked by relevance
# (ranking on the whole vector reads each large tsvector).
RANK_ALL = 500


@contextmanager
def session():
    """One transaction for all the queries of a search, planned to use the GIN indexes.
    The planner prefers reading every row when many match, but checking each large
    tsvector costs far more than it estimates; the index answers without reading them."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        yield


def bulk_writes():
    """Nothing to lift: the vectors are computed once, after the rows are written."""
    return nullcontext()


def update_vectors(article_ids=None):
    """Recompute the stored tsvectors of the given documents (all when None)."""
    documents = SearchDocument.objects.all()
    if article_ids is not None:
        documents = documents.filter(pk__in=article_ids)
    documents.update(search_vector=VECTOR, head_vector=HEAD)
    if article_ids is None:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE articles_searchdocument, articles_searchname")


def tsquery(words, *, any_word=False, prefix_last=False, weights=""):
    # Words are normalised to letters and digits: they can never form tsquery syntax.
    terms = [f"{word}:{weights}" if weights else word for word in words]
    if prefix_last:
        terms[-1] = f"{words[-1]}:*{weights}"
    return (" | " if any_word else " & ").join(terms)


def _count_up_to(query, cap):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM (SELECT 1 FROM articles_searchdocument "
            "WHERE search_vector @@ to_tsquery(%s, %s) LIMIT %s) AS m",
            [CONFIG, query, cap],
        )
        return cursor.fetchone()[0]


def _estimated_matches(query):
    """The planner's estimate of how many documents match, from its statistics: exact for
    common words (which it lists), small for the rest. Costs a plan, not a scan: counting
    a word found in nearly every entry would read its whole posting list."""
    with connection.cursor() as cursor:
        cursor.execute(
            "EXPLAIN (FORMAT JSON) SELECT 1 FROM articles_searchdocument "
            "WHERE search_vector @@ to_tsquery(%s, %s)",
            [CONFIG, query],
        )
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return plan[0]["Plan"]["Plan Rows"]


def rank(words, *, any_word, prefix_last, now, limit):
    """(id, tier) best first, with the tiers of sqlite.rank(), read from the small head
    vector; above RANK_ALL matches, tier 4 lists the newest matches unscored."""
    query = tsquery(words, any_word=any_word, prefix_last=prefix_last)
    tiers = [
        tsquery(words, prefix_last=prefix_last, weights="A"),
        tsquery(words, prefix_last=prefix_last, weights="A", any_word=True),
        tsquery(words, prefix_last=prefix_last, weights="AB"),
    ]
    estimate = _estimated_matches(query)
    many = estimate > RANK_ALL or _count_up_to(query, RANK_ALL + 1) > RANK_ALL
    candidates = "AND (d.head_vector @@ t2.q OR d.head_vector @@ t3.q)" if many else ""
    # With any word, a head match implies a match: skip reading the large vectors.
    matching = "TRUE" if many and any_word else "d.search_vector @@ q.q"
    # Scoring on the whole vector reads each large tsvector: for many matches, score on
    # the head vector (the tiers being ranked are title/alias/definition matches anyway).
    scored = "d.head_vector" if many else "d.search_vector"
    visible = "a.status = 'published' AND a.published_at <= %s"
    sql = f"""
        SELECT top.id, top.tier FROM (
            SELECT d.article_id AS id,
                   CASE WHEN d.head_vector @@ t1.q THEN 1 WHEN d.head_vector @@ t2.q THEN 2
                        WHEN d.head_vector @@ t3.q THEN 3 ELSE 4 END AS tier,
                   ts_rank({scored}, q.q) AS score
            FROM articles_searchdocument d, to_tsquery(%s, %s) AS q(q),
                 to_tsquery(%s, %s) AS t1(q), to_tsquery(%s, %s) AS t2(q),
                 to_tsquery(%s, %s) AS t3(q)
            WHERE {matching} {candidates}
            ORDER BY tier, score DESC, id
            LIMIT %s
        ) AS top
        JOIN articles_article a ON a.id = top.id
        WHERE {visible}
        ORDER BY top.tier, top.score DESC, top.id
    """
    params = [CONFIG, query, CONFIG, tiers[0], CONFIG, tiers[1], CONFIG, tiers[2], limit, now]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        ranked = [(row[0], row[1]) for row in cursor.fetchall()]
        if many and len(ranked) < limit:
            # With words in most entries, walk the primary key backwards checking documents
            # until enough match (about `limit` rows); otherwise the index is faster.
            walk = estimate > 10 * limit and _count_up_to(query, 10 * limit + 1) > 10 * limit
            cursor.execute(f"SET LOCAL enable_bitmapscan = {'off' if walk else 'on'}")
            cursor.execute(
                f"""SELECT newest.id FROM (
                        SELECT article_id AS id FROM articles_searchdocument
                        WHERE search_vector @@ to_tsquery(%s, %s)
                        ORDER BY article_id DESC LIMIT %s) AS newest
                    JOIN articles_article a ON a.id = newest.id
                    WHERE {visible}""",
                [CONFIG, query, limit, now],
            )
            newest = cursor.fetchall()
            cursor.execute("SET LOCAL enable_bitmapscan = on")
            seen = {article_id for article_id, _ in ranked}
            ranked += [(row[0], 4) for row in newest if row[0] not in seen]
    return ranked[:limit]


def unknown_words(words, *, prefix_last):
    """The words no entry contains (the last one counted as a prefix with `prefix_last`)."""
    queries = [
        tsquery([word], prefix_last=prefix_last and i == len(words) - 1)
        for i, word in enumerate(words)
    ]
    # Words the statistics know to be common exist; asking the index about them would
    # read their long posting lists.
    rare = [
        (w, q) for w, q in zip(words, queries, strict=True) if _estimated_matches(q) <= RANK_ALL
    ]
    if not rare:
        return []
    check = (
        "EXISTS (SELECT 1 FROM articles_searchdocument WHERE search_vector @@ to_tsquery(%s, %s))"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT " + ", ".join([check] * len(rare)), [p for _, q in rare for p in (CONFIG, q)]
        )
        found = cursor.fetchone()
    return [word for (word, _), exists in zip(rare, found, strict=True) if not exists]


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
