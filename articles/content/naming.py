"""Which titles and addresses an entry may take (Entry.clean(), so that the admin and
import_content refuse the same things with the same words).

A title is one entry's alone, ignoring case (the article_title_unique_ci constraint). A
new slug must not be an address that already means something else to readers: another
entry's, an old address that redirects to another entry, a stigmatizing word that leads
to the entry preferring another term, or a deleted entry's (410 Gone) unless this entry
has its title and so brings it back. An entry may keep its slug, and take back one of its
own old ones.
"""

from django.db.models import Value
from django.db.models.functions import Lower
from django.utils.text import slugify

from ..models import Entry, RemovedEntry, SlugRedirect, StigmatizingTerm
from ..search.text import normalize

CHOOSE_SLUG = "choose another slug"


def duplicate_title(title, holder):
    """The one message for a title taken (`holder`: where the other entry is)."""
    return (
        f"An entry with this title already exists. “{title}” is {holder} (titles must "
        "differ, ignoring case); choose another title."
    )


def title_problem(article):
    """The message if another entry has this title, ignoring case; else None."""
    if not article.title:
        return None
    other = (
        Entry.objects.alias(lowered=Lower("title"))
        .filter(lowered=Lower(Value(article.title)))
        .exclude(pk=article.pk)
        .only("title", "slug")
        .first()
    )
    return duplicate_title(other.title, f"at {other.get_absolute_url()}") if other else None


def _word_of(slug):
    """The normalised word whose address /terms/<slug>/ is ("drug-addict"), or ""."""
    word = slug.replace("-", " ")
    return normalize(word) if slugify(word) == slug else ""


def slug_problem(article):
    """The message if the entry's new slug is an address taken by something else."""
    slug = (article.slug or "").lower()  # as save() stores it
    if not slug:
        return None
    stored = Entry.objects.filter(pk=article.pk).values_list("slug", flat=True).first()
    if stored == slug:
        return None  # kept, not taken
    path = f"/terms/{slug}/"
    if other := Entry.objects.filter(slug=slug).exclude(pk=article.pk).first():
        return f"{path} is the address of “{other.title}”; {CHOOSE_SLUG}."
    word = _word_of(slug)
    if word and word in {normalize(line) for line in article.stigmatizing_terms.splitlines()}:
        return f"{path} is one of this entry's own stigmatizing words; {CHOOSE_SLUG}."
    if word and (term := _stigmatizing(word, article)):
        return (
            f"{path} is a person-first language redirect to “{term.article.title}” (one "
            f"of its stigmatizing words); {CHOOSE_SLUG}."
        )
    redirect = (
        SlugRedirect.objects.filter(old_slug=slug)
        .exclude(article_id=article.pk)
        .select_related("article")
        .first()
    )
    if redirect:
        return (
            f"{path} is an old address of “{redirect.article.title}” and redirects there; "
            f"{CHOOSE_SLUG}, or first delete that old address from “{redirect.article.title}”."
        )
    # The same title at a deleted entry's address brings that entry back (restored from
    # files, or written again); any other entry there would be a different one.
    removed = RemovedEntry.objects.filter(slug=slug).exclude(title__iexact=article.title)
    if removed := removed.first():
        return (
            f"{path} is the address of the deleted entry “{removed.title}” (it answers "
            f"410 Gone); {CHOOSE_SLUG}, or first delete it under Removed entries."
        )
    return None


def _stigmatizing(word, article):
    """Another entry's stigmatizing word `word` (published or not: a draft's word leads
    readers to it once it is published)."""
    return (
        StigmatizingTerm.objects.filter(term=word)
        .exclude(article_id=article.pk)
        .select_related("article")
        .first()
    )
