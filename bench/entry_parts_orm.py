"""articles/pages/entry_parts.py written with the ORM (select_related for the category, a
Prefetch for each part), the same functions returning the same things: what the plain SQL
there is measured against (bench/entry_parts.py --compare bench/entry_parts_orm.py;
docs/performance.md, "Entry parts: SQL vs ORM")."""

from dataclasses import dataclass

from django.db.models import BooleanField, ExpressionWrapper, Prefetch, prefetch_related_objects

from articles.models import Entry, published_q


@dataclass(frozen=True)
class EntryParts:
    key_points: list  # KeyPoint, in the editors' order
    quotes: list  # ExpertQuote, in order
    sources: list  # Source, in order
    related: list  # Entry (title, slug, definition, updated_at), public ones, by title


def _parts():
    # Related entries: visibility read, not filtered on, so that no plan starts from the
    # visible entries (as one would, with statistics not yet gathered after a bulk load).
    related = (
        Entry.objects.only("title", "slug", "definition", "updated_at")
        .annotate(visible=ExpressionWrapper(published_q(), output_field=BooleanField()))
        .order_by()
    )
    return ("key_points", "quotes", "sources", Prefetch("related", queryset=related))


def published_entry(slug):
    """The public entry at `slug`, with its category and its parts; or None."""
    entries = Entry.objects.published().select_related("category").prefetch_related(*_parts())
    # No order: the slug is unique.
    return next(iter(entries.filter(slug=slug).order_by()), None)


def load(article):
    """The parts of `article` (saved) as its public page shows them: read with it
    (published_entry()), or now."""
    prefetch_related_objects([article], *_parts())
    return EntryParts(
        key_points=list(article.key_points.all()),
        quotes=list(article.quotes.all()),
        sources=list(article.sources.all()),
        # Entry's ordering, Lower("title"); ties by id so that the order is stable.
        related=sorted(
            (other for other in article.related.all() if other.visible),
            key=lambda other: (other.title.lower(), other.pk),
        ),
    )
