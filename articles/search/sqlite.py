"""The SQLite search engine: FTS5 with per-column bm25 weights (see migration 0005)."""

from django.db import connection

# bm25 weights per FTS column: title, aliases, summary (definition + TL;DR), key points, body.
WEIGHTS = "10.0, 10.0, 4.0, 2.0, 1.0"
TITLE_COLUMNS = "{title aliases}"
SUMMARY_COLUMNS = "{title aliases summary}"


def _terms(words, prefix_last):
    # Words are normalised to letters and digits, so quoting them can never form FTS syntax.
    terms = [f'"{word}"' for word in words]
    if prefix_last:
        terms[-1] += "*"
    return terms


def match_expression(words, *, any_word=False, prefix_last=False, columns=None):
    joined = (" OR " if any_word else " ").join(_terms(words, prefix_last))
    return f"{columns} : ({joined})" if columns else joined


def rank(words, *, any_word, prefix_last, now, limit):
    """(id, tier) of visible entries matching the words (all of them, or any with
    `any_word`), best first. Tiers: 1 every word in the title/aliases, 2 some word in the
    title/aliases, 3 every word in the title, aliases, definition or TL;DR, 4 the rest;
    bm25 with column weights orders each tier."""
    fts = "articles_search_fts"
    tier = f"{fts}.rowid IN (SELECT rowid FROM {fts} WHERE {fts} MATCH %s)"
    sql = f"""
        SELECT {fts}.rowid,
               CASE WHEN {tier} THEN 1 WHEN {tier} THEN 2 WHEN {tier} THEN 3 ELSE 4 END AS tier
        FROM {fts}
        JOIN articles_article a ON a.id = {fts}.rowid
        WHERE {fts} MATCH %s AND a.status = 'published' AND a.published_at <= %s
        ORDER BY tier, bm25({fts}, {WEIGHTS}), a.id
        LIMIT %s
    """
    params = [
        match_expression(words, prefix_last=prefix_last, columns=TITLE_COLUMNS),
        match_expression(words, prefix_last=prefix_last, columns=TITLE_COLUMNS, any_word=True),
        match_expression(words, prefix_last=prefix_last, columns=SUMMARY_COLUMNS),
        match_expression(words, prefix_last=prefix_last, any_word=any_word),
        connection.ops.adapt_datetimefield_value(now),
        limit,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [(row[0], row[1]) for row in cursor.fetchall()]


def snippets(ids, words, markers):
    """{id: (summary excerpt, body excerpt)} with matched words between the two markers."""
    if not ids or not words:
        return {}
    start, end = markers
    placeholders = ", ".join(["%s"] * len(ids))
    sql = f"""
        SELECT rowid,
               snippet(articles_search_fts, 2, %s, %s, '…', 24),
               snippet(articles_search_fts, 4, %s, %s, '…', 24)
        FROM articles_search_fts
        WHERE articles_search_fts MATCH %s AND rowid IN ({placeholders})
    """
    # Any word, the last as a prefix too: whatever made the entry match gets highlighted.
    expression = match_expression(words, any_word=True, prefix_last=len(words[-1]) >= 3)
    params = [start, end, start, end, expression, *ids]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {row[0]: (row[1], row[2]) for row in cursor.fetchall()}


def is_known(word, *, prefix=False):
    """Does any entry contain the word (or, with `prefix`, a word starting with it)?"""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM articles_search_fts WHERE articles_search_fts MATCH %s LIMIT 1",
            [match_expression([word], prefix_last=prefix)],
        )
        return cursor.fetchone() is not None


def suggest(words, *, now, limit):
    """Names (titles and aliases) containing every word, the last one as a prefix, of
    visible entries: names that start with the query first, then titles, then popular
    entries. Rows: (article id, name, is_title, title, slug, category)."""
    query = " ".join(words)
    sql = """
        SELECT n.article_id, n.name, n.is_title, a.title, a.slug, c.name
        FROM articles_searchname_fts
        JOIN articles_searchname n ON n.id = articles_searchname_fts.rowid
        JOIN articles_article a ON a.id = n.article_id
        JOIN articles_category c ON c.id = a.category_id
        WHERE articles_searchname_fts MATCH %s AND a.status = 'published' AND a.published_at <= %s
        ORDER BY substr(n.normalized, 1, %s) = %s DESC, n.is_title DESC, a.view_count DESC,
                 length(n.normalized), n.id
        LIMIT %s
    """
    params = [
        match_expression(words, prefix_last=True),
        connection.ops.adapt_datetimefield_value(now),
        len(query),
        query,
        limit,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def update_vectors(article_ids=None):
    """Nothing to do: FTS5 follows the documents table through triggers."""
