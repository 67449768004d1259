"""The PostgreSQL search engine: a weighted tsvector per document with a GIN index
(title/aliases A, definition/TL;DR B, key points C, body D), ranked with ts_rank."""

import functools
import json
import operator
from contextlib import contextmanager

from django.contrib.postgres.search import SearchVector
from django.db import connection, transaction
from django.db.models import F, Func, Value

from articles.models import SearchDocument, published_sql

from ..tables import ARTICLES, CATEGORIES, DOCUMENTS, NAMES, TYPO_KEYS

CONFIG = "english"


def _unaccent(value):
    return Func(value, function="unaccent")


def _vector(parts):
    """A weighted tsvector of (text, weight) pairs; texts are columns (F) or values."""
    vectors = [
        SearchVector(_unaccent(text), weight=weight, config=CONFIG) for text, weight in parts
    ]
    return functools.reduce(operator.add, vectors)


HEAD_PARTS = (("title", "A"), ("aliases", "A"), ("summary", "B"))
ALL_PARTS = (*HEAD_PARTS, ("key_points", "C"), ("body", "D"))
# Above this many matches, only title/alias/summary matches are ranked by relevance
# (ranking on the whole vector reads each large tsvector).
RANK_ALL = 500
# The GIN indexes the search reads (created by migrations 0005 and 0006).
GIN_TABLES = (DOCUMENTS, NAMES)


@contextmanager
def session():
    """One transaction for all the queries of a search, planned to use the GIN indexes.
    The planner prefers reading every row when many match, but checking each large
    tsvector costs far more than it estimates; the index answers without reading them."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        yield


@contextmanager
def bulk_writes():
    """For rebuilding everything: drop the GIN indexes while the tables are refilled and
    build them again afterwards, in one pass each (far faster than growing them row by
    row, and they come out compact, with no pending list to scan)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s) "
            "AND indexdef LIKE '%%USING gin%%'",
            [list(GIN_TABLES)],
        )
        indexes = cursor.fetchall()
        # Check foreign keys as rows are written, not at commit: PostgreSQL won't truncate
        # or index a table with checks pending.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        # Large values (bodies, vectors) compressed with LZ4, several times faster than the
        # default (pglz) at writing them, and at reading them back when ranking (where the
        # server was built with it).
        cursor.execute(
            "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"
        )
        if cursor.fetchone()[0]:
            cursor.execute("SET LOCAL default_toast_compression = lz4")
        for name, _ in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        # Emptied at once, leaving no dead rows for the index builds to read past.
        cursor.execute(f"TRUNCATE {TYPO_KEYS}, {NAMES}, {DOCUMENTS}")
        yield
        # Room to sort in memory: a GIN index over 100,000 entries builds in one pass.
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for _, definition in indexes:
            cursor.execute(definition)
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        cursor.execute(f"ANALYZE {DOCUMENTS}, {NAMES}")


DOCUMENT_COLUMNS = ("article_id", "title", "aliases", "summary", "key_points", "body")


def _sql_vector(parts):
    # The SQL that _vector() compiles to, for columns of the staging table.
    return " || ".join(
        f"setweight(to_tsvector('{CONFIG}'::regconfig, coalesce(unaccent({column}), '')), "
        f"'{weight}')"
        for column, weight in parts
    )


def insert_documents(documents):
    """Add documents (dicts of SearchDocument fields) with their vectors: COPY into a
    staging table, then one INSERT … SELECT that computes each vector once as it writes
    the row (the head vector is reused in the whole one)."""
    columns = ", ".join(DOCUMENT_COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE IF NOT EXISTS kb_staging_documents "
            f"(LIKE {DOCUMENTS} INCLUDING DEFAULTS) ON COMMIT DROP"
        )
        with cursor.cursor.copy(f"COPY kb_staging_documents ({columns}) FROM STDIN") as copy:
            for document in documents:
                copy.write_row([document[column] for column in DOCUMENT_COLUMNS])
        rest = _sql_vector(ALL_PARTS[len(HEAD_PARTS) :])
        cursor.execute(
            f"INSERT INTO {DOCUMENTS} ({columns}, head_vector, search_vector) "
            f"SELECT {columns}, head.v, head.v || {rest} FROM kb_staging_documents, "
            f"LATERAL (SELECT {_sql_vector(HEAD_PARTS)} AS v) AS head"
        )
        cursor.execute("TRUNCATE kb_staging_documents")


def insert_names(rows):
    """Add (article_id, name, normalized, is_title) rows with COPY."""
    columns = "article_id, name, normalized, is_title"
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {NAMES} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


def copy_typo_keys(pairs):
    """Fill the (emptied) spelling table with COPY, the fastest way into PostgreSQL."""
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {TYPO_KEYS} (key, word) FROM STDIN") as copy:
            for pair in pairs:
                copy.write_row(pair)


def vectors(fields):
    """The stored tsvectors of a document with these field values, to save with it."""
    return {
        "search_vector": _vector((Value(fields[name]), weight) for name, weight in ALL_PARTS),
        "head_vector": _vector((Value(fields[name]), weight) for name, weight in HEAD_PARTS),
    }


def update_vectors(article_ids=None):
    """Recompute the stored tsvectors of the given documents (all when None) from their
    columns."""
    documents = SearchDocument.objects.all()
    if article_ids is not None:
        documents = documents.filter(pk__in=article_ids)
    documents.update(
        search_vector=_vector((F(name), weight) for name, weight in ALL_PARTS),
        head_vector=_vector((F(name), weight) for name, weight in HEAD_PARTS),
    )


def tsquery(words, *, any_word=False, prefix_last=False, weights=""):
    # Words are normalised to letters and digits: they can never form tsquery syntax.
    terms = [f"{word}:{weights}" if weights else word for word in words]
    if prefix_last:
        terms[-1] = f"{words[-1]}:*{weights}"
    return (" | " if any_word else " & ").join(terms)


def _count_up_to(query, cap):
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM (SELECT 1 FROM {DOCUMENTS} "
            "WHERE search_vector @@ to_tsquery(%(config)s, %(query)s) LIMIT %(cap)s) AS m",
            {"config": CONFIG, "query": query, "cap": cap},
        )
        return cursor.fetchone()[0]


def _estimated_matches(query):
    """The planner's estimate of how many documents match, from its statistics: exact for
    common words (which it lists), small for the rest. Costs a plan, not a scan: counting
    a word found in nearly every entry would read its whole posting list."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"EXPLAIN (FORMAT JSON) SELECT 1 FROM {DOCUMENTS} "
            "WHERE search_vector @@ to_tsquery(%(config)s, %(query)s)",
            {"config": CONFIG, "query": query},
        )
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return plan[0]["Plan"]["Plan Rows"]


def rank(words, *, any_word, prefix_last, now, limit):
    """(id, tier) best first, with the tiers of sqlite.rank(), read from the small head
    vector; above RANK_ALL matches, tier 4 lists the newest matches unscored."""
    query = tsquery(words, any_word=any_word, prefix_last=prefix_last)
    tiers = {
        "tier_1": tsquery(words, prefix_last=prefix_last, weights="A"),
        "tier_2": tsquery(words, prefix_last=prefix_last, weights="A", any_word=True),
        "tier_3": tsquery(words, prefix_last=prefix_last, weights="AB"),
    }
    estimate = _estimated_matches(query)
    # Words missing from the statistics' list of common words are rare (the list holds
    # every word in more than about 0.1% of entries): a small estimate needs no count.
    many = estimate > RANK_ALL or (
        estimate > RANK_ALL / 5 and _count_up_to(query, RANK_ALL + 1) > RANK_ALL
    )
    candidates = "AND (d.head_vector @@ t2.q OR d.head_vector @@ t3.q)" if many else ""
    # With any word, a head match implies a match: skip reading the large vectors.
    matching = "TRUE" if many and any_word else "d.search_vector @@ q.q"
    # Scoring on the whole vector reads each large tsvector: for many matches, score on
    # the head vector (the tiers being ranked are title/alias/definition matches anyway).
    scored = "d.head_vector" if many else "d.search_vector"
    visible = published_sql("a", now)
    sql = f"""
        SELECT top.id, top.tier FROM (
            SELECT d.article_id AS id,
                   CASE WHEN d.head_vector @@ t1.q THEN 1 WHEN d.head_vector @@ t2.q THEN 2
                        WHEN d.head_vector @@ t3.q THEN 3 ELSE 4 END AS tier,
                   ts_rank({scored}, q.q) AS score
            FROM {DOCUMENTS} d, to_tsquery(%(config)s, %(query)s) AS q(q),
                 to_tsquery(%(config)s, %(tier_1)s) AS t1(q),
                 to_tsquery(%(config)s, %(tier_2)s) AS t2(q),
                 to_tsquery(%(config)s, %(tier_3)s) AS t3(q)
            WHERE {matching} {candidates}
            ORDER BY tier, score DESC, id
            LIMIT %(limit)s
        ) AS top
        JOIN {ARTICLES} a ON a.id = top.id
        WHERE {visible.sql}
        ORDER BY top.tier, top.score DESC, top.id
    """
    params = {"config": CONFIG, "query": query, **tiers, "limit": limit, **visible.params}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        ranked = [(row[0], row[1]) for row in cursor.fetchall()]
        if many and len(ranked) < limit:
            # Entries matching only in their body: the first `limit` the index yields, in
            # table order (ordering all matches would read every one of them), shown
            # newest first.
            cursor.execute(
                f"""SELECT found.id FROM (
                        SELECT article_id AS id FROM {DOCUMENTS}
                        WHERE search_vector @@ to_tsquery(%(config)s, %(query)s)
                        LIMIT %(limit)s) AS found
                    JOIN {ARTICLES} a ON a.id = found.id
                    WHERE {visible.sql}""",
                {"config": CONFIG, "query": query, "limit": limit, **visible.params},
            )
            seen = {article_id for article_id, _ in ranked}
            rest = sorted((row[0] for row in cursor.fetchall() if row[0] not in seen), reverse=True)
            ranked += [(article_id, 4) for article_id in rest]
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
    params = {"config": CONFIG} | {f"query_{i}": query for i, (_, query) in enumerate(rare)}
    checks = ", ".join(
        f"EXISTS (SELECT 1 FROM {DOCUMENTS} "
        f"WHERE search_vector @@ to_tsquery(%(config)s, %(query_{i})s))"
        for i in range(len(rare))
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {checks}", params)
        found = cursor.fetchone()
    return [word for (word, _), exists in zip(rare, found, strict=True) if not exists]


def unnamed(words):
    """The words no title or alias contains, as sqlite.unnamed(), in one statement: name
    posting lists are short, so no estimate is needed first."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT w FROM unnest(%s::text[]) AS w WHERE NOT EXISTS ("
            f" SELECT 1 FROM {NAMES} n WHERE to_tsvector('simple'::regconfig, "
            " n.normalized) @@ to_tsquery('simple', w))",
            [list(words)],
        )
        missing = {row[0] for row in cursor.fetchall()}
    return [word for word in words if word in missing]


def names_beginning_with(words):
    """As sqlite.names_beginning_with(). One text parameter (words never hold "|"):
    psycopg would parse a statement of hundreds of parameters, or quote a list's items
    one by one. Joined, so that each word is looked up in the index of first words
    (models.FirstWord, spelt as there; given "= ANY", the planner may read the table)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT n.normalized "
            "FROM unnest(string_to_array(%s, '|')) AS k(word) "
            f"JOIN {NAMES} n ON split_part(n.normalized, ' ', 1) = k.word",
            ["|".join(words)],
        )
        return {name for (name,) in cursor.fetchall()}


def names_with_forms(keys, *, now):
    """As sqlite.names_with_forms(), with the keys in one parameter as above. Visibility
    read rather than filtered on, so that no plan starts from the visible entries (as one
    would, with statistics not yet gathered after a bulk load)."""
    visible = published_sql("a", now)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT n.normalized, n.name, n.article_id, n.is_title, a.slug, {visible.sql} "
            "FROM unnest(string_to_array(%(keys)s, '|')) AS k(key) "
            f"JOIN {NAMES} n ON n.normalized = k.key "
            f"JOIN {ARTICLES} a ON a.id = n.article_id",
            {"keys": "|".join(keys), **visible.params},
        )
        return cursor.fetchall()


def suggest(words, *, now, limit):
    """Rows as in sqlite.suggest(): names containing every word (the last as a prefix)."""
    query = " ".join(words)
    visible = published_sql("a", now)
    params = {"query": query, "length": len(query), "limit": limit, **visible.params}
    if len(query) < 3:
        # One or two letters: the 200 shortest names starting with them, from the B-tree
        # (pattern ops) on `normalized`; a word-prefix search would match a large share
        # of all names.
        source = (
            f"(SELECT * FROM {NAMES} WHERE normalized LIKE %(pattern)s"
            " ORDER BY is_title DESC, length(normalized) LIMIT 200) AS n"
        )
        condition = "TRUE"
        escaped = query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        params["pattern"] = escaped + "%"
    else:
        source = f"{NAMES} n"
        condition = (
            "to_tsvector('simple'::regconfig, n.normalized) @@ to_tsquery('simple', %(match)s)"
        )
        params["match"] = tsquery(words, prefix_last=True)
    sql = f"""
        SELECT n.article_id, n.name, n.is_title, a.title, a.slug, c.name
        FROM {source}
        JOIN {ARTICLES} a ON a.id = n.article_id
        JOIN {CATEGORIES} c ON c.id = a.category_id
        WHERE {condition} AND {visible.sql}
        ORDER BY left(n.normalized, %(length)s) = %(query)s DESC, n.is_title DESC,
                 a.view_count DESC, length(n.normalized), n.id
        LIMIT %(limit)s
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()
