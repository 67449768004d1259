"""Person-first language: stigmatizing words ("addict") lead to the entry whose term the
glossary prefers ("Substance Use Disorder"), with the entry's short note on why."""

from django.utils.text import slugify

from ..models import Entry, StigmatizingTerm
from ..search.text import normalize


def terms_of(article):
    """The entry's stigmatizing words, normalised like search queries."""
    return {t for line in article.stigmatizing_terms.splitlines() if (t := normalize(line)[:200])}


def sync(article):
    """Keep the word index in step with the entry (called on every save)."""
    terms = terms_of(article)
    StigmatizingTerm.objects.filter(article=article).exclude(term__in=terms).delete()
    for term in terms:
        StigmatizingTerm.objects.update_or_create(term=term, defaults={"article": article})


def preferred_for(query):
    """The public entry preferred over the word the reader used, or None."""
    term = normalize(query or "")
    if not term:
        return None
    return (
        Entry.objects.published()
        .filter(stigmatizing_term_index__term=term)
        .only("pk", "title", "slug", "language_note")
        .first()
    )


def preferred_for_slug(slug):
    """The public entry whose stigmatizing word has this slug (/terms/addict/), or None."""
    word = slug.replace("-", " ")
    article = preferred_for(word)
    if article is not None and slugify(word) == slug:
        return article
    return None


def said_on(article, said):
    """The stigmatizing word a reader arrived with, if it is one of this entry's."""
    return said if said and normalize(said) in terms_of(article) else ""
