"""A term page's entry with its category, then what the page shows beside the entry's own
fields: its key points, expert quotes, sources and public related entries, in one query
(and one more for the entries that quotes come from, when a quote comes from one).

The ORM would take five queries (select_related, then a prefetch per part), and building
their statements costs it far more than the database takes to run them: measured, the
entry and its parts take 5-7 times as long that way, and an uncached term page 1.4-1.75
times (docs/performance.md, "Entry parts: SQL vs ORM"). The statements are plain SQL
that both databases run, their text made once per process (the parts: a UNION ALL of
four selects, the same columns in each), their parameters named; values come back as
the models' own instances, converted as the ORM converts them (models.from_db_value).
"""

from dataclasses import dataclass
from functools import cache

from django.db import connection

from ..models import Category, Entry, ExpertQuote, KeyPoint, Source, from_db_value, published_sql


def _from_row(model, fields, values, **known):
    """An instance of `model` from plain-SQL `values` of its `fields` (and `known`
    attribute values), converted as the ORM converts them."""
    read = dict(known)
    for field, value in zip(fields, values, strict=True):
        read[field.attname] = from_db_value(field, value)
    # from_db() takes the values in the order of the model's fields.
    names = [f.attname for f in model._meta.concrete_fields if f.attname in read]
    return model.from_db(connection.alias, names, [read[name] for name in names])


def _column(model, name):
    return connection.ops.quote_name(model._meta.get_field(name).column)


@cache
def _entry_statement():
    """The statement of published_entry(), its parameters `slug` and published_sql()'s:
    the text is the same at any time, the time now a parameter."""
    quote = connection.ops.quote_name
    columns = [f"a.{quote(f.column)}" for f in Entry._meta.concrete_fields]
    columns += [f"c.{quote(f.column)}" for f in Category._meta.concrete_fields]
    # The slug's unique index finds the row.
    return (
        f"SELECT {', '.join(columns)} FROM {quote(Entry._meta.db_table)} a "
        f"JOIN {quote(Category._meta.db_table)} c "
        f"ON c.{quote(Category._meta.pk.column)} = a.{_column(Entry, 'category')} "
        f"WHERE a.{_column(Entry, 'slug')} = %(slug)s AND {published_sql('a').sql}"
    )


def published_entry(slug):
    """The public entry at `slug`, with its category; or None."""
    params = {"slug": slug, **published_sql("a").params}
    with connection.cursor() as cursor:
        cursor.execute(_entry_statement(), params)
        row = cursor.fetchone()
    if row is None:
        return None
    fields = Entry._meta.concrete_fields
    article = _from_row(Entry, fields, row[: len(fields)])
    article.category = _from_row(Category, Category._meta.concrete_fields, row[len(fields) :])
    return article


@dataclass(frozen=True)
class EntryParts:
    key_points: list  # KeyPoint, in the editors' order
    quotes: list  # ExpertQuote, in order
    sources: list  # Source, in order
    related: list  # Entry (title, slug, definition, updated_at), public ones, by title


# The kinds of row, and the fields each puts in the statement's columns (None: NULL).
# Every select has the same columns, so each column holds values of one type.
KEY_POINT, QUOTE, SOURCE, RELATED = 1, 2, 3, 4
_FIELDS = {
    KEY_POINT: (KeyPoint, ("id", "order", "text", None, None, None, None, None, None)),
    QUOTE: (
        ExpertQuote,
        ("id", "order", "text", "kind", "attribution", None, None, "from_entry", None),
    ),
    SOURCE: (Source, ("id", "order", "title", "publisher", "url", "accessed", None, None, "year")),
    RELATED: (Entry, ("id", None, "title", "slug", "definition", None, "updated_at", None, None)),
}


def _column_types():
    """Each column's type, from a field that fills it: a NULL in the first select is cast
    to it (PostgreSQL types a union's columns select by select)."""
    types = {}
    for model, names in _FIELDS.values():
        for position, name in enumerate(names):
            if name is not None:
                types.setdefault(position, model._meta.get_field(name).db_type(connection))
    return types


@cache
def _statement():
    """The statement of load(), its parameters `article` (the entry's id) and
    published_sql()'s."""
    quote = connection.ops.quote_name
    related = Entry._meta.get_field("related")
    types = _column_types()
    selects = []
    for kind, (model, names) in _FIELDS.items():
        columns = [
            f"p.{quote(model._meta.get_field(name).column)}"
            if name is not None
            else f"CAST(NULL AS {types[position]})"
            for position, name in enumerate(names)
        ]
        if kind == RELATED:
            # Visibility read, not filtered on: no plan can start from the visible entries
            # (as one would, with statistics not yet gathered after a bulk load).
            visible = published_sql("p").sql
            source = (
                f"{quote(related.m2m_db_table())} r JOIN {quote(Entry._meta.db_table)} p "
                f"ON p.{quote(Entry._meta.pk.column)} = r.{quote(related.m2m_reverse_name())} "
                f"WHERE r.{quote(related.m2m_column_name())} = %(article)s"
            )
        else:
            visible = "1 = 1"
            source = (
                f"{quote(model._meta.db_table)} p WHERE p.{_column(model, 'article')} = %(article)s"
            )
        selects.append(f"SELECT {kind}, {visible}, {', '.join(columns)} FROM {source}")
    return " UNION ALL ".join(selects)


def _instance(kind, article_id, values):
    model, names = _FIELDS[kind]
    fields = [model._meta.get_field(name) for name in names if name is not None]
    values = [value for name, value in zip(names, values, strict=True) if name is not None]
    known = {} if kind == RELATED else {"article_id": article_id}
    return _from_row(model, fields, values, **known)


def _in_order(part):
    return (part.order, part.pk)  # the parts' Meta.ordering


def load(article):
    """The parts of `article` (saved) as its public page shows them."""
    params = {"article": article.pk, **published_sql("p").params}
    rows = {kind: [] for kind in _FIELDS}
    with connection.cursor() as cursor:
        cursor.execute(_statement(), params)
        for kind, visible, *values in cursor.fetchall():
            if visible:
                rows[kind].append(_instance(kind, article.pk, values))
    return EntryParts(
        key_points=sorted(rows[KEY_POINT], key=_in_order),
        quotes=link_quotes(sorted(rows[QUOTE], key=_in_order)),
        sources=sorted(rows[SOURCE], key=_in_order),
        # Entry's ordering, Lower("title"); ties by id so that the order is stable.
        related=sorted(rows[RELATED], key=lambda other: (other.title.lower(), other.pk)),
    )


def link_quotes(quotes):
    """`quotes`, each quote from another entry of the knowledge base given that entry as
    `linked_entry` when it is public (else None: its title is shown as given). A query
    only when some quote comes from an entry."""
    ids = {quote.from_entry_id for quote in quotes if quote.from_entry_id}
    public = {}
    if ids:
        entries = Entry.objects.published().filter(pk__in=ids).only("pk", "title", "slug")
        public = {entry.pk: entry for entry in entries}
    for quote in quotes:
        quote.linked_entry = public.get(quote.from_entry_id)
    return quotes
