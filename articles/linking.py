"""Automatic cross-links: in an entry's definition and body, the first mention of another
public entry's title or alias links to that entry.

Whole words; case, accents and punctuation don't matter ("relapse-prevention" mentions
"Relapse Prevention"), except that all-capital abbreviations such as "AA" or "HALT" only
match in capitals; longest match first ("Relapse Prevention" before "Relapse"); never
inside headings, links, code or preformatted text; never to the entry itself.

Links are added when a page is made, not when an entry is saved, so that adding,
renaming, aliasing or unpublishing an entry changes every page that mentions it. The
names are not held in memory (a glossary of 100,000 entries has 160,000 of them): the
runs of up to as many words as the longest name has, from each word of the page, are
looked up among the search index's normalised names (SearchName, indexed) at once.
"""

import html
import re
from dataclasses import dataclass

from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe

from .models import GlossaryState
from .search.engines import current_engine
from .search.text import STOP_WORDS, normalize

# Block elements whose text never gets links, and inline ones that already are links/code.
SKIPPED = {"a", "code", "pre", "h1", "h2", "h3", "h4", "h5", "h6", "script", "style"}
_TAG = re.compile(r"(<[^>]*>)")
_TAG_NAME = re.compile(r"<\s*(/?)\s*([a-zA-Z0-9]+)")
_WORD = re.compile(r"[^\W_]+")  # as normalize() splits words
MAX_NAME_WORDS = 12  # longer names are not looked for


@dataclass(frozen=True)
class Target:
    article_id: int
    slug: str
    name: str
    exact_case: bool  # an abbreviation: match in capitals only


@dataclass(frozen=True)
class Glossary:
    version: tuple
    longest_name: int  # in words
    # The stop words ("the", "of", …) some name begins with: runs of words that begin
    # with any other stop word can't be names, and aren't looked up.
    opening_stop_words: frozenset


def current_glossary():
    """The glossary as cross-links see it now: its names' version, which changes whenever
    the set of public names may have changed (an entry added, published, unpublished,
    renamed or aliased: GlossaryState, kept by signals.py; a public entry deleted; a
    scheduled entry's time come), and the names' bounds (GlossaryState.names_written).
    The same in every process, each reading it at most twice a second
    (GlossaryState.recent_versions)."""
    versions = GlossaryState.recent_versions()
    version = tuple(str(value) for value in (versions.names, versions.removed, versions.published))
    longest = min(max(versions.longest_name, 1), MAX_NAME_WORDS)
    return Glossary(version, longest, versions.opening_stop_words)


def _normalized(word):
    # A word of letters and digits only: in ASCII, normalize() just lowers it (quicker).
    return word.lower() if word.isascii() else normalize(word)


def _linkable(name):
    """Very short lower-case names ("is", "of") would link ordinary words."""
    name = name.strip()
    return len(name) >= 3 or (len(name) == 2 and name.isupper())


class _Runs:
    """A page's runs of plain text, their words, and the targets their word runs name."""

    def __init__(self, glossary, article_id):
        self.longest = glossary.longest_name
        self.skipped = STOP_WORDS - glossary.opening_stop_words
        self.article_id = article_id
        self.targets = {}
        # Term pages' addresses from one reverse() per page, not one per link.
        self._address = reverse("articles:detail", args=["slug"]).rsplit("slug", 1)

    def url_of(self, slug):
        return slug.join(self._address)

    def run(self, raw):
        """A run of plain text's words: their places, and for each word the keys of the
        runs of 1, 2, … (up to the longest name) words from it (none from a stop word
        that begins no name)."""
        places, words = [], []
        for match in _WORD.finditer(raw):
            places.append(match.span())
            words.append(_normalized(match.group()))
        keys, skipped, longest = [], self.skipped, self.longest
        for i, word in enumerate(words):
            from_here = []
            if word not in skipped:
                key = word
                from_here.append(key)
                for following in words[i + 1 : i + longest]:
                    key = f"{key} {following}"
                    from_here.append(key)
            keys.append(from_here)
        return places, keys

    def look_up(self, keys):
        """The public entries named by these normalised keys. A title wins over an alias,
        and the older entry over a newer one with the same name."""
        # Plain SQL (the search engine's): the ORM takes longer to prepare a thousand
        # parameters than the database takes to look them up in its index.
        names = current_engine().names_with_forms(list(keys), now=timezone.now())
        # The best name for a key last, so that it stays.
        for key, name, article_id, _, slug, visible in sorted(
            names, key=lambda row: (row[3], -row[2])
        ):
            if visible and _linkable(name):
                self.targets[key] = Target(article_id, slug, name, name.strip().isupper())


class _Linker:
    def __init__(self, runs):
        self.runs = runs
        # Its own names are matched like others' (so that "Relapse Prevention" on its own
        # page doesn't link "Relapse"), and never linked.
        self.linked = {runs.article_id}

    def text(self, raw, run):
        """Escaped HTML for one run of plain text, with links added."""
        places, keys = run
        targets = self.runs.targets
        out, position, i = [], 0, 0
        while i < len(places):
            found = None
            for length in range(len(keys[i]), 0, -1):  # the longest name first
                target = targets.get(keys[i][length - 1])
                if target is None:
                    continue
                start, end = places[i][0], places[i + length - 1][1]
                if not target.exact_case or raw[start:end].isupper():
                    found = (length, target, start, end)
                    break
            if found is None:
                i += 1
                continue
            length, target, start, end = found
            i += length
            if target.article_id in self.linked:
                continue  # linked once; its words don't link to shorter names either
            self.linked.add(target.article_id)
            url = self.runs.url_of(target.slug)
            out.append(escape(raw[position:start]))
            out.append(
                f'<a class="term-link" href="{escape(url)}" '
                f'data-preview="{escape(url)}preview/">{escape(raw[start:end])}</a>'
            )
            position = end
        out.append(escape(raw[position:]))
        return "".join(out)


def _segments(body_html):
    """(is_text_to_link, piece) for the body's tags and texts."""
    skipping = 0
    for token in _TAG.split(body_html):
        if not token:
            continue
        if token.startswith("<"):
            match = _TAG_NAME.match(token)
            if match and match.group(2).lower() in SKIPPED and not token.endswith("/>"):
                skipping += -1 if match.group(1) else 1
                skipping = max(skipping, 0)
            yield False, token
        else:
            yield not skipping, token


def link_entry(article, glossary):
    """The entry's definition (plain text) and body (sanitised HTML from rendering.py) as
    safe HTML with cross-links: (definition_html, body_html)."""
    runs = _Runs(glossary, article.pk)
    definition = runs.run(article.definition)
    keys = set()
    for from_here in definition[1]:
        keys.update(from_here)
    body = []
    for linkable, piece in _segments(article.body_html):
        run = None
        if linkable:
            piece = html.unescape(piece)
            run = runs.run(piece)
            for from_here in run[1]:
                keys.update(from_here)
        body.append((linkable, piece, run))
    if keys:
        runs.look_up(keys)
    definition_html = _Linker(runs).text(article.definition, definition)
    linker = _Linker(runs)
    out = [linker.text(piece, run) if linkable else piece for linkable, piece, run in body]
    # Only escaped text and our own links were added to our own sanitised HTML.
    return mark_safe(definition_html), mark_safe("".join(out))
