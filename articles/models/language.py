"""Person-first language: the stigmatizing words editors list, and the entry each
points readers to."""

from django.db import models

from .entries import Entry


class StigmatizingTermManager(models.Manager):
    def get_by_natural_key(self, term):
        return self.get(term=term)


class StigmatizingTerm(models.Model):
    """A stigmatizing word, normalised, and the entry whose term the glossary prefers
    (kept from Entry.stigmatizing_terms by articles/content/signals.py). The natural key lets a
    backup restore find the rows saving the entries has just made."""

    term = models.CharField(max_length=200, unique=True)
    article = models.ForeignKey(
        Entry, on_delete=models.CASCADE, related_name="stigmatizing_term_index"
    )

    objects = StigmatizingTermManager()

    def __str__(self):
        return f"{self.term} → {self.article}"

    def natural_key(self):
        return (self.term,)
