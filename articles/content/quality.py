"""Content health: warnings (never blocking) about entries that are weak or going stale.

warnings() is the one checker. Its findings are stored (Entry.content_warnings) for the
admin's Health column and filter, wherever an entry is written: an admin save or revert,
an import, the demo content, `refresh_content_health` for every entry. Two warnings
depend on other entries (a link to /terms/… that is not a public entry; no related
entries, a symmetrical relation changed from the other side): when those change, note()
re-checks the entries concerned, found with a query, not by checking every entry. So
do the wording warnings (wording.py) when the list of words to avoid changes.
"""

import re
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import Resolver404, resolve

from ..models import Entry
from ..pages import addresses, reading
from . import wording

MIN_KEY_POINTS = 3
MIN_SECTIONS = 3
MAX_GRADE = 9  # US school grade (Flesch-Kincaid)
MAX_WORDING = 20  # warnings about words to avoid listed one by one
NO_RELATED = "No related entries."
BROKEN_LINK = "A link goes nowhere: "
_INTERNAL_LINK = re.compile(r'href="(/terms/[^"#?]*)')
_TAG = re.compile(r"<[^>]*>")


def reading_grade(article):
    """Flesch-Kincaid grade of the definition, TL;DR and body."""
    # Imported here: its hyphenation dictionary takes memory that only the processes
    # serving editors need.
    import textstat

    text = " ".join([article.definition, article.tldr, _TAG.sub(" ", article.body_html)])
    return textstat.flesch_kincaid_grade(text) if len(text.split()) >= 30 else 0


def broken_links(article):
    """Links in the body to /terms/… addresses that are not public entries."""
    broken = []
    for path in dict.fromkeys(_INTERNAL_LINK.findall(article.body_html)):
        try:
            match = resolve(path)
        except Resolver404:
            broken.append(path)
            continue
        slug = match.kwargs.get("slug")
        if match.url_name == "detail" and not Entry.objects.published().filter(slug=slug):
            broken.append(path)
    return broken


def has_related(article):
    """Whether the entry has related entries. The relation is symmetrical, two rows per
    pair; while a pair is added, m2m_changed runs when only the first is in."""
    through = Entry.related.through.objects
    return article.related.exists() or through.filter(to_entry=article).exists()


def warnings(article, words=None):
    """Plain-language warnings for one saved entry (with its key points, quotes, sources
    and related entries; prefetched ones are used as they are). `words`: the words to
    avoid, read once for many entries (wording.words_to_avoid())."""
    found = []
    if not article.tldr.strip():
        found.append("No TL;DR.")
    if (count := article.key_points.count()) < MIN_KEY_POINTS:
        found.append(f"Only {count} key point{'s' if count != 1 else ''} (at least 3 help).")
    sources = list(article.sources.all())
    if not sources:
        found.append("No sources.")
    for source in sources:
        # Readers judge a source by who published it, when, and whether they can open it.
        missing = [name for name, value in (
            ("publisher", source.publisher), ("year", source.year), ("address", source.url),
        ) if not value]  # fmt: skip
        if missing:
            said = ", ".join(missing[:-1]) + " or " + missing[-1] if missing[1:] else missing[0]
            found.append(f"The source “{source.title}” gives no {said}.")
    if not has_related(article):
        found.append(NO_RELATED)
    if (sections := len(reading.sections(article.body_html))) < MIN_SECTIONS:
        plural = "s" if sections != 1 else ""
        found.append(f"The body has {sections} section{plural} (## headings); 3 or more help.")
    for path in broken_links(article):
        found.append(f"{BROKEN_LINK}{path}")
    if (grade := reading_grade(article)) > MAX_GRADE:
        # One decimal: "grade 9.4" above a limit of 9 must not read as "grade 9".
        found.append(f"Reading level is US grade {grade:.1f} (aim for {MAX_GRADE} or below).")
    uses = [finding.warning for finding in wording.findings(article, words)]
    found += uses[:MAX_WORDING]
    if len(uses) > MAX_WORDING:  # the preview marks every one
        found.append(f"{wording.WARNING}{len(uses) - MAX_WORDING:,} more uses of words to avoid.")
    return found


def refresh(article):
    """Recompute and store the entry's warnings (after the admin saved it and its parts)."""
    text = "\n".join(warnings(article))
    Entry.objects.filter(pk=article.pk).update(content_warnings=text)
    article.content_warnings = text
    return text


def refresh_entries(ids=None, write=True):
    """Re-check the entries `ids` (every entry when None) and store what changed.
    Returns [(entry, warnings before, warnings now)] for the entries whose warnings
    changed (with write=False, only reports them)."""
    if ids is None:
        ids = Entry.objects.values_list("pk", flat=True)
    entries = Entry.objects.order_by("pk").prefetch_related(
        "key_points", "quotes", "sources", "related"
    )
    words = wording.words_to_avoid()  # once for all: the list as it is now
    changed = []
    for chunk in _chunks(ids):
        for article in entries.filter(pk__in=chunk):
            text = "\n".join(warnings(article, words))
            if text != article.content_warnings:
                changed.append((article, article.content_warnings, text))
                if write:
                    Entry.objects.filter(pk=article.pk).update(content_warnings=text)
    return changed


def _chunks(ids, size=200):
    """Ids in sorted groups small enough for any database's query parameters."""
    ordered = sorted(ids)
    return [ordered[i : i + size] for i in range(0, len(ordered), size)]


# Warnings that depend on other entries


@dataclass
class Changes:
    """What happened to other entries, for note(): re-check whom it concerns."""

    appeared: set = field(default_factory=set)  # slugs that became public entries
    vanished: set = field(default_factory=set)  # slugs that stopped being public entries
    related: set = field(default_factory=set)  # ids whose related entries changed
    words: set = field(default_factory=set)  # words to avoid added, changed or removed
    entries: set = field(default_factory=set)  # ids to re-check in any case

    def concerned(self):
        """The ids of the entries whose stored warnings these changes may make wrong."""
        ids = set(self.entries)
        if self.appeared:  # warned about a link to an address that now works
            ids |= _warned_about_links_to(self.appeared)
        if self.vanished:  # links to an address that no longer works
            ids |= _linking_to(self.vanished)
        if self.words:  # entries using these words, or warned about them
            ids |= wording.entries_concerned(self.words)
        if self.related:
            # Only "No related entries." depends on the relation: re-check the entries
            # whose stored warning about it no longer matches (few, usually none).
            through = Entry.related.through.objects
            has_related = Q(Exists(through.filter(from_entry=OuterRef("pk")))) | Q(
                Exists(through.filter(to_entry=OuterRef("pk")))
            )
            said = Q(content_warnings__contains=NO_RELATED)
            stale = Entry.objects.filter((has_related & said) | (~has_related & ~said))
            for chunk in _chunks(self.related):
                ids.update(stale.filter(pk__in=chunk).values_list("pk", flat=True))
        return ids

    def apply(self):
        if _rolled_back():  # an import's dry run, or a failed change: nothing to store
            return
        with transaction.atomic():  # within the change's own transaction when it has one
            refresh_entries(self.concerned())


def _path(slug):
    return addresses.by_slug("articles:detail", slug)


def _warned_about_links_to(slugs):
    """The entries whose stored warnings say that a link to one of these goes nowhere."""
    lines = {f"{BROKEN_LINK}{_path(slug)}" for slug in slugs}
    warned = Entry.objects.filter(content_warnings__contains=BROKEN_LINK)
    return {
        pk
        for pk, text in warned.values_list("pk", "content_warnings").iterator()
        if lines & set(text.splitlines())
    }


def _linking_to(slugs, few=20):
    """The entries whose body links to one of these addresses (or below it)."""
    paths = tuple(_path(slug) for slug in slugs)
    if len(paths) <= few:  # looked for in the database: no body is read out
        linking = Q()
        for path in paths:
            linking |= Q(body_html__contains=f'href="{path}')
        return set(Entry.objects.filter(linking).values_list("pk", flat=True))
    # Many (a large import or bulk action): one pass over the bodies with any such link.
    rows = Entry.objects.filter(body_html__contains='href="/terms/').values_list("pk", "body_html")
    return {
        pk
        for pk, body in rows.iterator()
        if any(link.startswith(paths) for link in _INTERNAL_LINK.findall(body))
    }


def _rolled_back():
    connection = transaction.get_connection()
    return connection.in_atomic_block and connection.needs_rollback


_batch = ContextVar("content_health_batch", default=None)


def note(**changes):
    """Re-check the entries that `changes` (Changes' fields: sets of slugs or ids)
    concern: now, or at the end of the current batch()."""
    pending = _batch.get()
    if pending is None:
        Changes(**{name: set(values) for name, values in changes.items()}).apply()
        return
    for name, values in changes.items():
        getattr(pending, name).update(values)


@contextmanager
def batch():
    """Within it, changes noted are collected, and whom they concern is re-checked once
    at the end (an import, a bulk action, a save with its related entries): one query
    for all the addresses that changed, one check per entry."""
    if _batch.get() is not None:  # inside another batch: that one re-checks
        yield _batch.get()
        return
    pending = Changes()
    token = _batch.set(pending)
    try:
        yield pending
    finally:
        _batch.reset(token)
    pending.apply()
