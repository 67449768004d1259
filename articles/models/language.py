"""Person-first language: the stigmatizing words entries list, and the entry each
points readers to; the words to avoid that the stigma check looks for in editors' text."""

from django.db import models
from django.db.models.functions import Lower

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


class WordToAvoidManager(models.Manager):
    def get_by_natural_key(self, word):
        return self.get(word=word)


class WordToAvoid(models.Model):
    """A word or phrase that stigmatizes people ("addict"), with the wording to use
    instead. The stigma check (articles/content/wording.py) finds it, and its plural, in an
    entry's own text, except inside the names listed in `kept_in`."""

    word = models.CharField(
        max_length=100, unique=True, help_text="In lower case, e.g. “addict” or “drug abuse”."
    )
    alternatives = models.CharField(
        "say instead",
        max_length=300,
        help_text="Preferred wording, e.g. “person with a substance use disorder”.",
    )
    why = models.CharField(max_length=300, blank=True, help_text="Why, in a sentence.")
    kept_in = models.TextField(
        "fine inside",
        blank=True,
        help_text="Names in which the word is fine, one per line (e.g. Alcoholics Anonymous).",
    )

    objects = WordToAvoidManager()

    class Meta:
        ordering = ("word",)
        verbose_name = "word to avoid"
        verbose_name_plural = "words to avoid"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(word=Lower("word")) & ~models.Q(word=""),
                name="wordtoavoid_word_lowercase",
                violation_error_message="Write the word in lower case.",
            )
        ]

    def __str__(self):
        return self.word

    def save(self, *args, **kwargs):
        self.clean()
        super().save(*args, **kwargs)

    def clean(self):
        # One spelling per word ("Addict " is "addict"), before the form checks the
        # constraint and uniqueness, and on every save.
        self.word = " ".join(self.word.lower().split())

    def natural_key(self):
        return (self.word,)
