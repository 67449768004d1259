"""Automatic cross-links: in an entry's definition and body, the first mention of another
public entry's title or alias links to that entry.

Whole words, case-insensitive (all-capital abbreviations such as "AA" or "HALT" only in
capitals), longest match first ("Relapse Prevention" before "Relapse"), never inside
headings, links, code or preformatted text, never to the entry itself.

Links are added when a page is shown, not when an entry is saved, so that adding,
renaming, aliasing or unpublishing an entry changes every page that mentions it. The
names live in one Aho-Corasick automaton (pyahocorasick: one pass over the text whatever
the number of entries), rebuilt when the glossary changes.
"""

import html
import re
import threading
from dataclasses import dataclass

import ahocorasick
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe

from .models import Article, GlossaryState

# Block elements whose text never gets links, and inline ones that already are links/code.
SKIPPED = {"a", "code", "pre", "h1", "h2", "h3", "h4", "h5", "h6", "script", "style"}
_TAG = re.compile(r"(<[^>]*>)")
_TAG_NAME = re.compile(r"<\s*(/?)\s*([a-zA-Z0-9]+)")


@dataclass(frozen=True)
class Target:
    article_id: int
    slug: str
    title: str
    name: str
    exact_case: bool  # an abbreviation: match in capitals only


@dataclass
class Glossary:
    version: tuple
    valid_until: object  # the next scheduled entry's publication time, or None
    automaton: object  # None when there are no names


_lock = threading.Lock()
_current = None


def glossary_version():
    """Changes whenever the set of public names may have changed: an entry added,
    published, unpublished, renamed or aliased (GlossaryState, kept by signals.py), a
    public entry deleted, or a scheduled entry's time come. The same in every process."""
    versions = GlossaryState.versions()
    return tuple(str(value) for value in (versions.names, versions.removed, versions.published))


def _build(version):
    automaton = ahocorasick.Automaton()
    public = Article.objects.published().only("pk", "slug", "title", "aliases")
    for article in public.iterator(chunk_size=2000):
        for name in [article.title, *article.alias_list]:
            name = name.strip()
            key = name.lower()
            # Very short lower-case names ("is", "of") would link ordinary words.
            exact_case = name.isupper()
            if len(key) < 2 or (len(key) < 3 and not exact_case) or len(key) != len(name):
                continue
            target = Target(article.pk, article.slug, article.title, name, exact_case)
            existing = automaton.get(key, None)
            # Two entries with the same name: the title wins over an alias.
            if existing is None or (name == article.title and existing.title != existing.name):
                automaton.add_word(key, target)
    upcoming = (
        Article.objects.filter(status=Article.Status.PUBLISHED, published_at__gt=timezone.now())
        .order_by("published_at")
        .values_list("published_at", flat=True)
        .first()
    )
    if len(automaton):
        automaton.make_automaton()
    return Glossary(version, upcoming, automaton if len(automaton) else None)


# Above this many names a rebuild (about 2 s at 160,000 names) runs in the background
# while pages keep the previous links; below it, it is quick enough to wait for.
BACKGROUND_REBUILD = 20_000


def _rebuild_in_background(version):
    global _current
    try:
        _current = _build(version)
    finally:
        connection.close()  # this thread's own connection
        _lock.release()


def _stale(glossary, version):
    return (
        glossary is None
        or glossary.version != version
        or (glossary.valid_until is not None and timezone.now() >= glossary.valid_until)
    )


def current_glossary(version=None):
    global _current
    version = version or glossary_version()
    glossary = _current
    if not _stale(glossary, version):
        return glossary
    if glossary is not None and glossary.automaton and len(glossary.automaton) > BACKGROUND_REBUILD:
        if _lock.acquire(blocking=False):  # one rebuild at a time; others keep the old links
            threading.Thread(target=_rebuild_in_background, args=(version,), daemon=True).start()
        return glossary
    with _lock:
        # Another thread may have built it while this one waited.
        if _stale(_current, version):
            _current = _build(version)
        return _current


def _is_word_boundary(text, start, end):
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    return not (before.isalnum() or before == "_") and not (after.isalnum() or after == "_")


class _Linker:
    def __init__(self, automaton, exclude_id):
        self.automaton = automaton
        self.linked = {exclude_id}

    def text(self, raw):
        """Escaped HTML for one run of plain text, with links added."""
        lowered = raw.lower()
        if self.automaton is None or len(lowered) != len(raw):
            return escape(raw)
        out, position = [], 0
        for end_index, target in self.automaton.iter_long(lowered):
            start = end_index - len(target.name) + 1
            end = end_index + 1
            if target.article_id in self.linked or not _is_word_boundary(raw, start, end):
                continue
            if target.exact_case and raw[start:end] != target.name:
                continue
            self.linked.add(target.article_id)
            url = reverse("articles:detail", args=[target.slug])
            out.append(escape(raw[position:start]))
            out.append(
                f'<a class="term-link" href="{escape(url)}" '
                f'data-preview="{escape(url)}preview/">{escape(raw[start:end])}</a>'
            )
            position = end
        out.append(escape(raw[position:]))
        return "".join(out)


def link_text(text, article_id, glossary):
    """Plain text (a definition) as safe HTML with cross-links."""
    return mark_safe(_Linker(glossary.automaton, article_id).text(text))


def link_html(body_html, article_id, glossary):
    """Sanitised body HTML (from rendering.py) with cross-links in its text."""
    linker = _Linker(glossary.automaton, article_id)
    skipping, out = 0, []
    for token in _TAG.split(body_html):
        if not token:
            continue
        if token.startswith("<"):
            match = _TAG_NAME.match(token)
            if match and match.group(2).lower() in SKIPPED and not token.endswith("/>"):
                skipping += -1 if match.group(1) else 1
                skipping = max(skipping, 0)
            out.append(token)
        elif skipping:
            out.append(token)
        else:
            out.append(linker.text(html.unescape(token)))
    # The input is our own sanitised HTML; only escaped text and our links were added.
    return mark_safe("".join(out))
