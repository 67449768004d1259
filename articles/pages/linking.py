"""Automatic cross-links: in an entry's definition and body, the first mention of another
public entry's title or alias links to that entry.

Whole words; case, accents and punctuation don't matter ("relapse-prevention" mentions
"Relapse Prevention"), except that all-capital abbreviations such as "AA" or "HALT" only
match in capitals; longest match first ("Relapse Prevention" before "Relapse"); never
inside headings, links, code or preformatted text; never to the entry itself.

Links are added when a page is made, not when an entry is saved, so that adding,
renaming, aliasing or unpublishing an entry changes every page that mentions it. The
names are not held in memory (a glossary of 100,000 entries has 160,000 of them): the
names that begin with any word of the page are looked up at once among the search
index's normalised names (SearchName, indexed by first word), and matched in memory.
"""

import html
import re
from dataclasses import dataclass

from django.utils import timezone
from django.utils.safestring import mark_safe

from ..models import GlossaryState
from ..search.engines import current_engine
from ..search.text import normalize
from . import addresses

# Block elements whose text never gets links, and inline ones that already are links/code.
SKIPPED = {"a", "code", "pre", "h1", "h2", "h3", "h4", "h5", "h6", "script", "style"}
_TAG = re.compile(r"(<[^>]*>)")
_TAG_NAME = re.compile(r"<\s*(/?)\s*([a-zA-Z0-9]+)")
# Django's escape() is this, behind a check for lazy text that plain text never is.
escape = html.escape
_WORD = re.compile(r"[^\W_]+")  # as normalize() splits words


@dataclass(frozen=True)
class Target:
    article_id: int
    slug: str
    name: str
    exact_case: bool  # an abbreviation: match in capitals only


def names_version():
    """The version of the glossary's names as cross-links see them: it changes whenever
    the set of public names may have changed (an entry added, published, unpublished,
    renamed or aliased: GlossaryState, kept by signals.py; a public entry deleted; a
    scheduled entry's time come). The same in every process, each reading it at most
    twice a second (GlossaryState.recent_versions)."""
    versions = GlossaryState.recent_versions()
    return tuple(str(value) for value in (versions.names, versions.removed, versions.published))


def _starts(words, lengths):
    """The places of the words that begin some name (`lengths`' keys)."""
    return [i for i, word in enumerate(words) if word in lengths]


def _linkable(name):
    """Very short lower-case names ("is", "of") would link ordinary words."""
    name = name.strip()
    return len(name) >= 3 or (len(name) == 2 and name.isupper())


def _lengths(names):
    """For normalised names: their first words → the names' lengths in words, longest
    first."""
    lengths = {}
    for name in names:
        first, *rest = name.split(" ")
        lengths.setdefault(first, set()).add(len(rest) + 1)
    return {word: sorted(found, reverse=True) for word, found in lengths.items()}


class _Runs:
    """A page's runs of plain text, their words, and the names found in them."""

    def __init__(self, article_id):
        self.article_id = article_id
        self._runs = []  # each run's normalised words
        self.targets = {}  # normalised name → Target
        self.lengths = {}  # first word → the lengths (in words) of names, longest first

    def run(self, raw):
        """A run of plain text's words, normalised."""
        if raw.isascii():  # then normalize() just lowers a word (quicker, all at once)
            words = _WORD.findall(raw.lower())
        else:
            words = [normalize(word) for word in _WORD.findall(raw)]
        self._runs.append(words)
        return words

    def _mentioned(self, names):
        """Those of the normalised `names` that some run of the page's words spells."""
        lengths, found = _lengths(names), set()
        for words in self._runs:
            for i in _starts(words, lengths):
                for length in lengths[words[i]]:
                    key = " ".join(words[i : i + length])
                    if key in names:
                        found.add(key)
        return found

    def look_up(self):
        """The public entries named on the page: the names that begin with a word of the
        page, from the index alone; then the entries of those the page spells out. A title
        wins over an alias, and the older entry over a newer one with the same name."""
        engine = current_engine()
        words = list({word for words in self._runs for word in words})
        # Plain SQL (the search engine's): the ORM takes longer to prepare hundreds of
        # parameters than the database takes to look them up in its index.
        mentioned = self._mentioned(engine.names_beginning_with(words)) if words else None
        if not mentioned:
            return
        names = engine.names_with_forms(list(mentioned), now=timezone.now())
        # The best name for a key last, so that it stays.
        for key, name, article_id, _, slug, visible in sorted(
            names, key=lambda row: (row[3], -row[2])
        ):
            if visible and _linkable(name):
                self.targets[key] = Target(article_id, slug, name, name.strip().isupper())
        self.lengths = _lengths(self.targets)


class _Linker:
    def __init__(self, runs):
        self.runs = runs
        # Its own names are matched like others' (so that "Relapse Prevention" on its own
        # page doesn't link "Relapse"), and never linked.
        self.linked = {runs.article_id}

    def _match(self, raw, places, words, i):
        """(length in words, target, start, end) of the longest name at word i, or None."""
        for length in self.runs.lengths[words[i]]:
            if i + length > len(words):
                continue
            target = self.runs.targets.get(" ".join(words[i : i + length]))
            if target is None:
                continue
            start, end = places[i][0], places[i + length - 1][1]
            if not target.exact_case or raw[start:end].isupper():
                return length, target, start, end
        return None

    def text(self, raw, words):
        """Escaped HTML for one run of plain text (its normalised words), links added."""
        starts = _starts(words, self.runs.lengths)
        if not starts:
            return escape(raw)
        places = [match.span() for match in _WORD.finditer(raw)]
        out, position, free_from = [], 0, 0
        for i in starts:
            if i < free_from:
                continue  # a word of a name found before
            found = self._match(raw, places, words, i)
            if found is None:
                continue
            length, target, start, end = found
            free_from = i + length
            if target.article_id in self.linked:
                continue  # linked once; its words don't link to shorter names either
            self.linked.add(target.article_id)
            url = escape(addresses.by_slug("articles:detail", target.slug))
            preview = escape(addresses.by_slug("articles:preview", target.slug))
            out.append(escape(raw[position:start]))
            out.append(
                f'<a class="term-link" href="{url}" data-preview="{preview}">'
                f"{escape(raw[start:end])}</a>"
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


def link_entry(article):
    """The entry's definition (plain text) and body (sanitised HTML from rendering.py) as
    safe HTML with cross-links: (definition_html, body_html)."""
    runs = _Runs(article.pk)
    definition = runs.run(article.definition)
    body = []
    for linkable, piece in _segments(article.body_html):
        run = None
        if linkable:
            piece = html.unescape(piece)
            run = runs.run(piece)
        body.append((linkable, piece, run))
    runs.look_up()
    definition_html = _Linker(runs).text(article.definition, definition)
    linker = _Linker(runs)
    out = [linker.text(piece, run) if linkable else piece for linkable, piece, run in body]
    # Only escaped text and our own links were added to our own sanitised HTML.
    return mark_safe(definition_html), mark_safe("".join(out))
