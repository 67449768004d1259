"""The SQLite search engine: FTS5 with per-column bm25 weights (see migration 0005)."""

from contextlib import contextmanager, nullcontext

from django.db import connection

from articles.models import SearchDocument, published_sql

from ..tables import ARTICLES, CATEGORIES, DOCUMENTS, NAMES, TYPO_KEYS

# The FTS5 indexes of the documents and of the names (no models: migration 0005).
FTS = "articles_search_fts"
NAMES_FTS = "articles_searchname_fts"

# bm25 weights per FTS column: title, aliases, summary (definition + TL;DR), key points, body.
WEIGHTS = "10.0, 10.0, 4.0, 2.0, 1.0"
TITLE_COLUMNS = "{title aliases}"
SUMMARY_COLUMNS = "{title aliases summary}"
# Above this many matches, only title/alias/summary matches are ranked by relevance.
RANK_ALL = 2000


def _terms(words, prefix_last):
    # Words are normalised to letters and digits, so quoting them can never form FTS syntax.
    terms = [f'"{word}"' for word in words]
    if prefix_last:
        terms[-1] += "*"
    return terms


def match_expression(words, *, any_word=False, prefix_last=False, columns=None):
    joined = (" OR " if any_word else " ").join(_terms(words, prefix_last))
    return f"{columns} : ({joined})" if columns else joined


def _named(name, values):
    """`values` as parameters name_0, name_1, …: ([their placeholders], their params)."""
    params = {f"{name}_{i}": value for i, value in enumerate(values)}
    return [f"%({key})s" for key in params], params


def _count_up_to(expression, cap):
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM (SELECT 1 FROM {FTS} WHERE {FTS} MATCH %(match)s LIMIT %(cap)s)",
            {"match": expression, "cap": cap},
        )
        return cursor.fetchone()[0]


def rank(words, *, any_word, prefix_last, now, limit):
    """(id, tier) of visible entries matching the words (all of them, or any with
    `any_word`), best first. Tiers: 1 every word in the title/aliases, 2 some word in the
    title/aliases, 3 every word in the title, aliases, definition or TL;DR, 4 the rest;
    bm25 with column weights orders each tier.

    When more than RANK_ALL entries match (words found nearly everywhere), scoring them all
    would be slow on a large glossary: tiers 1-3 are still ranked, and tier 4 lists the
    newest matches, which FTS5 reads in rowid order without scoring."""
    expression = match_expression(words, any_word=any_word, prefix_last=prefix_last)
    tiers = {
        "tier_1": match_expression(words, prefix_last=prefix_last, columns=TITLE_COLUMNS),
        "tier_2": match_expression(
            words, prefix_last=prefix_last, columns=TITLE_COLUMNS, any_word=True
        ),
        "tier_3": match_expression(words, prefix_last=prefix_last, columns=SUMMARY_COLUMNS),
    }
    many = _count_up_to(expression, RANK_ALL + 1) > RANK_ALL
    # The unary + keeps SQLite from handing the rowid list to FTS5 as one lookup per id,
    # which would evaluate the (prefix) query again for each.
    candidates = f"+{FTS}.rowid IN (SELECT id FROM t2 UNION SELECT id FROM t3) AND" if many else ""
    visible = published_sql("a", now)
    params = {**tiers, "match": expression, "limit": limit, **visible.params}
    sql = f"""
        WITH t1 AS MATERIALIZED (SELECT rowid AS id FROM {FTS} WHERE {FTS} MATCH %(tier_1)s),
             t2 AS MATERIALIZED (SELECT rowid AS id FROM {FTS} WHERE {FTS} MATCH %(tier_2)s),
             t3 AS MATERIALIZED (SELECT rowid AS id FROM {FTS} WHERE {FTS} MATCH %(tier_3)s)
        SELECT top.id, top.tier FROM (
            SELECT {FTS}.rowid AS id,
                   CASE WHEN {FTS}.rowid IN t1 THEN 1 WHEN {FTS}.rowid IN t2 THEN 2
                        WHEN {FTS}.rowid IN t3 THEN 3 ELSE 4 END AS tier,
                   bm25({FTS}, {WEIGHTS}) AS score
            FROM {FTS}
            WHERE {candidates} {FTS} MATCH %(match)s
            ORDER BY tier, score, id
            LIMIT %(limit)s
        ) AS top
        CROSS JOIN {ARTICLES} a ON a.id = top.id
        WHERE {visible.sql}
        ORDER BY top.tier, top.score, top.id
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        ranked = [(row[0], row[1]) for row in cursor.fetchall()]
        if many and len(ranked) < limit:
            cursor.execute(
                f"""SELECT newest.id FROM (
                        SELECT rowid AS id FROM {FTS} WHERE {FTS} MATCH %(match)s
                        ORDER BY rowid DESC LIMIT %(limit)s) AS newest
                    CROSS JOIN {ARTICLES} a ON a.id = newest.id
                    WHERE {visible.sql}""",
                {"match": expression, "limit": limit, **visible.params},
            )
            seen = {article_id for article_id, _ in ranked}
            ranked += [(row[0], 4) for row in cursor.fetchall() if row[0] not in seen]
    return ranked[:limit]


def session():
    """Nothing to set up per search on SQLite."""
    return nullcontext()


def unknown_words(words, *, prefix_last):
    """The words no entry contains (the last one counted as a prefix with `prefix_last`)."""
    expressions = [
        match_expression([word], prefix_last=prefix_last and i == len(words) - 1)
        for i, word in enumerate(words)
    ]
    return _without_match(FTS, words, expressions)


def _without_match(table, words, expressions):
    """The `words` whose match `expressions` find nothing in the FTS table `table`."""
    placeholders, params = _named("word", expressions)
    checks = ", ".join(
        f"EXISTS (SELECT 1 FROM {table} WHERE {table} MATCH {placeholder})"
        for placeholder in placeholders
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {checks}", params)
        found = cursor.fetchone()
    return [word for word, exists in zip(words, found, strict=True) if not exists]


def unnamed(words):
    """The words no title or alias contains (for spelling candidates, which come from
    the vocabulary of names: a word whose entries are gone is no candidate)."""
    expressions = [match_expression([word], prefix_last=False) for word in words]
    return _without_match(NAMES_FTS, words, expressions)


NAMES_BATCH = 4096  # parameters per query (SQLite takes at most 32,766)
# models.FirstWord, spelt as in the index searchname_first_word (so that it serves here).
FIRST_WORD = "substr(normalized, 1, instr(normalized || ' ', ' ') - 1)"


def _padded_batches(values):
    """`values` in batches, each padded (repeating a value) to a power of two: a handful
    of statement shapes, not one per page for the driver to keep prepared."""
    for start in range(0, len(values), NAMES_BATCH):
        batch = values[start : start + NAMES_BATCH]
        size = max(32, 1 << (len(batch) - 1).bit_length())
        yield batch + batch[-1:] * (size - len(batch))


def names_beginning_with(words):
    """The normalised names whose first word is one of `words` (cross-links, linking.py),
    read from the index alone."""
    names = set()
    with connection.cursor() as cursor:
        for batch in _padded_batches(words):
            # One list of parameters, all alike: placed in order.
            where = f"{FIRST_WORD} IN ({', '.join(['%s'] * len(batch))})"
            cursor.execute(f"SELECT normalized FROM {NAMES} WHERE {where}", batch)
            names.update(name for (name,) in cursor.fetchall())
    return names


def names_with_forms(keys, *, now):
    """(normalized, name, article_id, is_title, slug, whether the entry is visible at
    `now`) of the names whose normalised form is one of `keys` (cross-links, linking.py)."""
    rows = []
    visible = published_sql("a", now)
    with connection.cursor() as cursor:
        for batch in _padded_batches(keys):
            placeholders, params = _named("key", batch)
            # Visibility is read, not filtered on: with nothing to select entries by, the
            # names are found first and their entries by id, whatever the planner's
            # statistics (without them it would rather walk every visible entry).
            cursor.execute(
                f"SELECT n.normalized, n.name, n.article_id, n.is_title, a.slug, {visible.sql} "
                f"FROM {NAMES} n JOIN {ARTICLES} a ON a.id = n.article_id "
                f"WHERE n.normalized IN ({', '.join(placeholders)})",
                {**params, **visible.params},
            )
            rows += cursor.fetchall()
    return rows


def suggest(words, *, now, limit):
    """Names (titles and aliases) containing every word, the last one as a prefix, of
    visible entries: names that start with the query first, then titles, then popular
    entries. Rows: (article id, name, is_title, title, slug, category)."""
    query = " ".join(words)
    visible = published_sql("a", now)
    params = {"query": query, "length": len(query), "limit": limit, **visible.params}
    if len(query) < 3:
        # One or two letters: the 200 shortest names starting with them, from the B-tree on
        # `normalized` (a word-prefix search would match a large share of all names).
        source = (
            f"(SELECT * FROM {NAMES} WHERE normalized >= %(query)s AND normalized < %(after)s"
            " ORDER BY is_title DESC, length(normalized) LIMIT 200) AS n"
        )
        condition = "1"
        params["after"] = query + "\U0010ffff"
    else:
        source = f"{NAMES_FTS} JOIN {NAMES} n ON n.id = {NAMES_FTS}.rowid"
        condition = f"{NAMES_FTS} MATCH %(match)s"
        params["match"] = match_expression(words, prefix_last=True)
    # CROSS JOIN fixes the join order: names first, then their entries.
    sql = f"""
        SELECT n.article_id, n.name, n.is_title, a.title, a.slug, c.name
        FROM {source}
        CROSS JOIN {ARTICLES} a ON a.id = n.article_id
        CROSS JOIN {CATEGORIES} c ON c.id = a.category_id
        WHERE {condition} AND {visible.sql}
        ORDER BY substr(n.normalized, 1, %(length)s) = %(query)s DESC, n.is_title DESC,
                 a.view_count DESC, length(n.normalized), n.id
        LIMIT %(limit)s
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


@contextmanager
def bulk_writes():
    """For rebuilding everything: lift the FTS triggers while the document tables are
    emptied and refilled, then rebuild both FTS indexes from them in one pass (much
    faster than a trigger per row) and put the triggers back as they were."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN (%s, %s)",
            [DOCUMENTS, NAMES],
        )
        triggers = cursor.fetchall()
        for name, _ in triggers:
            cursor.execute(f'DROP TRIGGER "{name}"')
        # Room for the indexes being built (connections keep a small cache otherwise,
        # settings.py): with 256 KB a rebuild of 100,000 entries takes twice as long.
        cursor.execute("PRAGMA cache_size")
        cache_size = cursor.fetchone()[0]
        cursor.execute("PRAGMA cache_size = -262144")  # 256 MB
        try:
            yield
            for table in (FTS, NAMES_FTS):
                cursor.execute(f"INSERT INTO {table}({table}) VALUES('rebuild')")
            for _, sql in triggers:
                cursor.execute(sql)
        finally:
            cursor.execute(f"PRAGMA cache_size = {int(cache_size)}")


def insert_documents(documents):
    """Add documents (dicts of SearchDocument fields); FTS5 is rebuilt from them after."""
    SearchDocument.objects.bulk_create(SearchDocument(**fields) for fields in documents)


def insert_names(rows):
    """Add (article_id, name, normalized, is_title) rows; FTS5 is rebuilt from them after."""
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {NAMES} (article_id, name, normalized, is_title) VALUES (%s, %s, %s, %s)",
            rows,
        )


def copy_typo_keys(pairs):
    """Fill the (emptied) spelling table: plain INSERTs are fast in-process."""
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {TYPO_KEYS} (key, word) VALUES (%s, %s)", pairs)


def vectors(fields):
    """Nothing to store beside the text: FTS5 indexes the documents' columns."""
    return {}


def update_vectors(article_ids=None):
    """Nothing to do: FTS5 follows the documents table through triggers."""
