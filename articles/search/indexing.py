"""Keeps the search tables in step with the content.

Called from signals (articles/content/signals.py) inside the same transaction as the change that
caused it, so content and index commit (or roll back) together, fixtures included.
"""

import itertools

from django.db import connection, connections, transaction

from articles.models import Entry, KeyPoint, SearchDocument, SearchName, SearchTypoKey

from .blocks import body_text, summary_text
from .engines import current_engine
from .text import normalize, sound_fold, typo_keys

_CONTROL = dict.fromkeys(range(32), " ")


def _plain(text):
    # Control characters are reserved: snippets use them as highlight markers.
    return (text or "").translate(_CONTROL).strip()


def _key_points_text(article_id):
    texts = KeyPoint.objects.filter(article_id=article_id).values_list("text", flat=True)
    return _plain("\n".join(texts))


def document_fields(article, key_points_text):
    return {
        "title": _plain(article.title),
        "aliases": _plain("\n".join(article.alias_list)),
        # A line per block (blocks.py), for search excerpts that keep to one block.
        "summary": summary_text(article.definition, article.tldr),
        "key_points": key_points_text,
        "body": body_text(article.body_html),
    }


def name_rows(article):
    """The entry's title and aliases as (article_id, name, normalized, is_title), each
    normalised form once (aliases "AA" and "A.A." are one name)."""
    rows, seen = [], set()
    for name, is_title in [(article.title, True)] + [(a, False) for a in article.alias_list]:
        normalized = normalize(name)[:200]
        if normalized and (normalized, is_title) not in seen:
            seen.add((normalized, is_title))
            rows.append((article.pk, name[:200], normalized, is_title))
    return rows


def _add_vocabulary(names):
    """Add the spelling keys of words not yet in the vocabulary."""
    words = {word for name in names for word in name.normalized.split() if len(word) >= 4}
    words = {word[:100] for word in words}
    if not words:
        return
    # A word is in the vocabulary when it is stored under its own folded form.
    known = set(
        SearchTypoKey.objects.filter(key__in={sound_fold(w) for w in words}, word__in=words)
        .values_list("word", flat=True)
        .distinct()
    )
    _insert_typo_keys((key, word) for word in words - known for key in typo_keys(word))


@transaction.atomic
def index_article(article):
    """(Re)index one entry: its document, its names and their spelling keys."""
    fields = document_fields(article, _key_points_text(article.pk))
    fields |= current_engine().vectors(fields)  # one write: text and vectors together
    if not SearchDocument.objects.filter(article_id=article.pk).update(**fields):
        SearchDocument.objects.create(article_id=article.pk, **fields)
    names = [
        SearchName(article_id=pk, name=name, normalized=normalized, is_title=is_title)
        for pk, name, normalized, is_title in name_rows(article)
    ]
    stored = SearchName.objects.filter(article_id=article.pk)
    if sorted(stored.values_list("name", "normalized", "is_title")) != sorted(
        (n.name, n.normalized, n.is_title) for n in names
    ):  # most saves leave the title and aliases alone
        stored.delete()
        _add_vocabulary(SearchName.objects.bulk_create(names))


def index_key_points(article_id):
    """Refresh only the key points of an entry's document (after a key point changes)."""
    updated = SearchDocument.objects.filter(article_id=article_id).update(
        key_points=_key_points_text(article_id)
    )
    if updated:
        current_engine().update_vectors([article_id])


def rebuild(batch_size=2000, progress=None):
    """Rebuild every search table from the content. Returns the number of entries indexed."""
    with transaction.atomic(), current_engine().bulk_writes():
        count = _refill(batch_size, progress)
    refresh_planner_statistics()
    return count


def refresh_planner_statistics(using="default"):
    """Let the query planner see the tables as they are (ANALYZE: about a second at
    100,000 entries), after a bulk change and at each `migrate`. Without statistics
    SQLite takes `status = 'published'` for a rare value, and walks its index of public
    entries instead of fetching a few rows by id or reading the most viewed in index
    order; PostgreSQL, until autovacuum gets to it, plans as if the tables were small."""
    with connections[using].cursor() as cursor:
        cursor.execute("ANALYZE")


def _refill(batch_size, progress):
    SearchTypoKey.objects.all().delete()
    SearchName.objects.all().delete()
    SearchDocument.objects.all().delete()
    key_points = {}
    for article_id, text in KeyPoint.objects.order_by("article_id", "order", "id").values_list(
        "article_id", "text"
    ):
        key_points.setdefault(article_id, []).append(text)

    count, vocabulary = 0, set()
    articles = Entry.objects.order_by("pk").only(
        "pk", "title", "aliases", "definition", "tldr", "body_html"
    )
    engine = current_engine()
    for batch in _batches(articles.iterator(chunk_size=batch_size), batch_size):
        documents, names = _prepare(batch, key_points)
        count += _write(engine, documents, names, vocabulary)
        if progress:
            progress(count)
    # Each (key, word) pair once: the vocabulary is a set and typo_keys() returns a set.
    engine.copy_typo_keys((key, word) for word in vocabulary for key in typo_keys(word))
    return count


def _batches(items, size):
    while batch := list(itertools.islice(items, size)):
        yield batch


def _prepare(articles, key_points):
    """(documents, name rows) of a batch of entries."""
    documents, names = [], []
    for article in articles:
        points = _plain("\n".join(key_points.get(article.pk, [])))
        documents.append({"article_id": article.pk, **document_fields(article, points)})
        names.extend(name_rows(article))
    return documents, names


def _write(engine, documents, names, vocabulary):
    engine.insert_documents(documents)
    engine.insert_names(names)
    for _, _, normalized, _ in names:
        vocabulary.update(word[:100] for word in normalized.split() if len(word) >= 4)
    return len(documents)


def _insert_typo_keys(pairs, batch_size=5000):
    # Plain parameterised INSERTs: this table gets about ten rows per vocabulary word, too
    # many to build model instances for.
    table = SearchTypoKey._meta.db_table
    sql = f"INSERT INTO {table} (key, word) VALUES (%s, %s) ON CONFLICT DO NOTHING"
    with connection.cursor() as cursor:
        for batch in _batches(iter(pairs), batch_size):
            cursor.executemany(sql, batch)
