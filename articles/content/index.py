"""Grouping entries into the A–Z index: by first letter, accents folded, "#" for the rest."""

import unicodedata
from string import ascii_uppercase

from django.db import connection
from django.db.models.functions import Collate

OTHER = "#"
LETTERS = (OTHER, *ascii_uppercase)


def sort_key(title):
    """Case- and accent-insensitive order, the same on every database."""
    folded = unicodedata.normalize("NFKD", title.strip())
    return "".join(c for c in folded if not unicodedata.combining(c)).casefold()


def initial(title):
    first = sort_key(title)[:1].upper()
    return first if first in ascii_uppercase and first else OTHER


def group_by_letter(articles):
    """[(letter, [article, ...]), ...] for every letter in LETTERS, empty ones included;
    `articles` come in index order (in_index_order)."""
    groups = {letter: [] for letter in LETTERS}
    for article in articles:
        groups[article.initial].append(article)
    return list(groups.items())


def in_index_order(queryset):
    """Ordered by the stored sort key, compared byte by byte on every database (as
    sort_key() orders in Python), not by the database's locale."""
    binary = "C" if connection.vendor == "postgresql" else "BINARY"
    return queryset.order_by(Collate("sort_title", binary), "pk")
