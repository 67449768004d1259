"""What a search engine provides: SearchEngine, the functions that search (search/
__init__.py), indexing (indexing.py) and cross-links (linking.py) call on the engine of
the database in use (engines.current_engine()).

An engine is a module (sqlite.py, postgres.py) whose functions have these names and
parameters; tests/test_search_engines.py checks each one against this class. Words are
normalised (search/text.py: lower case, letters and digits only), so an engine may put
them in its query syntax without escaping. Visibility is published_sql()'s: published,
and its publication time not after `now`.
"""

from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any, Protocol

# (article id, tier): see SearchEngine.rank().
Ranked = tuple[int, int]
# (article id, name, is_title, the entry's title, its slug, its category's name).
Suggestion = tuple[int, str, bool, str, str, str]
# (normalized, name, article id, is_title, the entry's slug, whether it is visible at
# `now`: a truth value, 1/0 on SQLite).
NameRow = tuple[str, str, int, bool, str, Any]


class SearchEngine(Protocol):
    # Searching (search/__init__.py), within session().

    def session(self) -> AbstractContextManager[None]:
        """A context around all the queries of one search() or suggest(), entered once
        per request. It may open a transaction and set how queries are planned in it
        (PostgreSQL: one transaction that favours the GIN indexes); or do nothing."""
        ...

    def rank(
        self, words: Sequence[str], *, any_word: bool, prefix_last: bool, now: datetime, limit: int
    ) -> list[Ranked]:
        """At most `limit` (article id, tier) of the entries visible at `now` that contain
        every one of `words` (any of them with `any_word`; the last as a prefix with
        `prefix_last`), best first, each id once. Tiers: 1 every word in the title or
        aliases, 2 some word there, 3 every word in the title, aliases, definition or
        TL;DR, 4 the rest; relevance orders each tier. Where very many entries match,
        an engine may list tier 4 by recency instead of relevance. Called once or twice
        per search (all words; then any word when few entries have them all)."""
        ...

    def unknown_words(self, words: Sequence[str], *, prefix_last: bool) -> list[str]:
        """Those of `words` that no entry contains (the last one as a prefix with
        `prefix_last`), in their order; for spelling corrections, when a search of
        several words found no entry with all of them. An engine may count a word it
        knows to be common as contained without asking its index."""
        ...

    def unnamed(self, words: Sequence[str]) -> list[str]:
        """Those of `words` (spelling candidates) that no title or alias contains, in
        their order: a candidate left in the vocabulary by an entry since deleted is no
        correction."""
        ...

    def suggest(self, words: Sequence[str], *, now: datetime, limit: int) -> list[Suggestion]:
        """At most `limit` rows (article id, name, is_title, title, slug, category name)
        of the titles and aliases that contain every one of `words`, the last as a prefix,
        of entries visible at `now`: names that start with the words first, then titles,
        then the most read entries. An entry may come once per name (the caller keeps
        its first). Autocomplete: called on each keystroke in the search box."""
        ...

    # Cross-links (linking.py): on every term page made afresh, so from indexes alone.

    def names_beginning_with(self, words: Sequence[str]) -> set[str]:
        """The normalised names (titles and aliases, of any entry, visible or not) whose
        first word is one of `words`: every distinct word of a page, hundreds of them."""
        ...

    def names_with_forms(self, keys: Sequence[str], *, now: datetime) -> list[NameRow]:
        """(normalized, name, article id, is_title, slug, visible at `now`) of every name
        whose normalised form is one of `keys` (those of names_beginning_with() that the
        page spells out). Visibility is a column, not a filter: the caller drops the
        entries not visible."""
        ...

    # Indexing (indexing.py), inside the transaction of the change that caused it.

    def vectors(self, fields: Mapping[str, str]) -> dict[str, Any]:
        """What to store in a SearchDocument beside its text `fields` (title, aliases,
        summary, key_points, body), as SearchDocument field values (expressions allowed):
        saved in the same write as the text when one entry is indexed. Empty where the
        database indexes the text columns themselves."""
        ...

    def update_vectors(self, article_ids: Iterable[int] | None = None) -> None:
        """Bring what vectors() stores up to date with the documents' text columns, for
        the documents of `article_ids` (all of them when None), after their text was
        changed with an update() (an entry's key points changed)."""
        ...

    # Rebuilding everything (indexing.rebuild()), in this order, in one transaction.

    def bulk_writes(self) -> AbstractContextManager[None]:
        """A context for refilling every search table (documents, names, spelling keys)
        from nothing (the caller empties them inside it): on entering, the engine may
        lift what slows bulk writes (indexes, triggers) and empty the tables its own
        faster way; on leaving without an error, it puts back what it lifted, built from
        the rows written meanwhile."""
        ...

    def insert_documents(self, documents: Iterable[Mapping[str, Any]]) -> None:
        """Add SearchDocument rows: dicts of article_id and the text fields (as
        vectors() takes them), with whatever the engine stores beside the text. Called
        once per batch of entries, within bulk_writes()."""
        ...

    def insert_names(self, rows: Iterable[tuple[int, str, str, bool]]) -> None:
        """Add SearchName rows, (article_id, name, normalized, is_title). Called once per
        batch of entries, within bulk_writes()."""
        ...

    def copy_typo_keys(self, pairs: Iterable[tuple[str, str]]) -> None:
        """Fill the spelling table (SearchTypoKey), emptied before, with (key, word)
        pairs, each pair once. Called once, within bulk_writes(), after every batch."""
        ...
