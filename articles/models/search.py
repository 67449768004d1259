"""The search index's tables: one document per entry, the names entries go by, and
the keys for typo-tolerant lookup."""

from django.contrib.postgres.search import SearchVectorField
from django.db import models

from .entries import Entry


class SearchDocument(models.Model):
    """The text of one entry as the search index sees it, plain text per field.

    Kept current by articles/search/indexing.py whenever an entry or its key points change.
    On SQLite an FTS5 table mirrors it through triggers; on PostgreSQL `search_vector`
    holds the weighted tsvector (title/aliases A, definition/TL;DR B, key points C, body D).
    """

    article = models.OneToOneField(
        Entry, on_delete=models.CASCADE, primary_key=True, related_name="search_document"
    )
    title = models.TextField()
    aliases = models.TextField(blank=True)
    summary = models.TextField(blank=True)
    key_points = models.TextField(blank=True)
    body = models.TextField(blank=True)
    # PostgreSQL only, unused on SQLite: the whole entry (GIN-indexed by a migration), and
    # a small title/aliases/summary vector that ranks matches cheaply without reading the
    # large one.
    search_vector = SearchVectorField(null=True, editable=False)
    head_vector = SearchVectorField(null=True, editable=False)

    def __str__(self):
        return self.title


class FirstWord(models.Func):
    """The first word of a normalised name (its words are joined by single spaces).
    Cross-links (linking.py) look names up by the words of a page that begin them; the
    search engines' lookups spell the same expression, so that their index serves them."""

    output_field = models.CharField()

    def as_sqlite(self, compiler, connection, **extra_context):
        template = "substr(%(expressions)s, 1, instr(%(expressions)s || ' ', ' ') - 1)"
        return self.as_sql(compiler, connection, template=template, **extra_context)

    def as_postgresql(self, compiler, connection, **extra_context):
        template = "split_part(%(expressions)s, ' ', 1)"
        return self.as_sql(compiler, connection, template=template, **extra_context)


class SearchNameManager(models.Manager):
    def get_by_natural_key(self, article_id, normalized, is_title):
        return self.get(article_id=article_id, normalized=normalized, is_title=is_title)


class SearchName(models.Model):
    """A title or alias, normalised (lower case, no accents, no punctuation): exact matches,
    autocomplete suggestions and "did you mean" all look names up here.

    Natural keys let a backup restore match the rows that indexing has just created."""

    article = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="search_names")
    name = models.CharField(max_length=200)
    normalized = models.CharField(max_length=200, db_index=True)
    is_title = models.BooleanField(default=False)

    objects = SearchNameManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["article", "normalized", "is_title"], name="searchname_unique"
            )
        ]
        # The names that begin with given words, from the index alone.
        indexes = [
            models.Index(FirstWord("normalized"), "normalized", name="searchname_first_word")
        ]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.article_id, self.normalized, self.is_title)


class SearchTypoKeyManager(models.Manager):
    def get_by_natural_key(self, key, word):
        return self.get(key=key, word=word)


class SearchTypoKey(models.Model):
    """Spelling-correction index (symmetric delete): every word of a title or alias is stored
    under itself and each form with one letter deleted; a query word's forms with up to
    two deletions are looked up, so a misspelt word finds its candidates with one indexed
    lookup on either database. (The unique index on (key, word) serves key lookups.)"""

    key = models.CharField(max_length=100)
    word = models.CharField(max_length=100)

    objects = SearchTypoKeyManager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key", "word"], name="typokey_unique")]

    def __str__(self):
        return f"{self.key} → {self.word}"

    def natural_key(self):
        return (self.key, self.word)
