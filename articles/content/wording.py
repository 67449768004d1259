"""The stigma check: words to avoid (WordToAvoid: "addict", "substance abuse"…) found in an
entry's own text, with the wording to say instead.

An entry's own text is its definition, TL;DR, key points, body (the Markdown source) and
the attributions of its quotes. Not flagged:
- a quote's text, and anything between quotation marks (“…”, "…", and ‘…’ or '…' where
  they are clearly quotation marks, not apostrophes): quoted words are someone else's;
- a word inside one of the names it is fine in ("Alcoholics Anonymous");
- a word the entry keeps on purpose (Entry.kept_wording, one per line; a longer line, a
  title as given say, keeps the words inside it).

Words match whole (not "addiction" for "addict", nor "user-friendly" for "user"), in any
case, with their simple plurals and possessives; a phrase's words may be split by any
space or line break. Where two words overlap ("drug user", "user"), the longer one is
found. matches() applies the rules to one text; findings() to an entry. The list is read
once per check (words_to_avoid()), never kept: editors change it in the admin.
"""

import re
from dataclasses import dataclass
from functools import lru_cache

from django.db.models import Exists, OuterRef, Q

from ..models import Entry, ExpertQuote, KeyPoint, WordToAvoid
from .quotations import quoted_spans

WARNING = "Wording: "  # how a content-health warning about wording begins
SNIPPET_ROOM = 30  # characters of context either side of a word found, in whole words

_HYPHENS = "-\u2010\u2011"
_BETWEEN_WORDS = rf"(?:\s+|[{_HYPHENS}])"
# Not inside a longer word, hyphenated ones included ("non-alcoholic", "clean-up"), but
# "ex-addict" is still the label.
_START = rf"(?<!\w)(?:(?<![{_HYPHENS}])|(?<=\bex[{_HYPHENS}]))"
_END = rf"(?!\w)(?![{_HYPHENS}]\w)"


def normal(text):
    """A word or phrase as the list keeps it: lower case, single spaces (hyphens too)."""
    return " ".join(re.sub(f"[{_HYPHENS}]", " ", text).lower().split())


def _plurals(token):
    forms = {token, token + "s"}
    if re.search(r"(?:s|x|z|ch|sh)$", token):
        forms.add(token + "es")
    if re.search(r"[^aeiou]y$", token):
        forms.add(token[:-1] + "ies")
    return sorted(forms, key=len, reverse=True)


@lru_cache(maxsize=2048)
def word_pattern(word):
    """The word (or phrase, its last word) with its simple plurals; a possessive's
    apostrophe follows outside the match ("addict’s", "addicts’")."""
    *first, last = word.split()
    last_forms = "|".join(map(re.escape, _plurals(last)))
    parts = [*map(re.escape, first), f"(?:{last_forms})"]
    return re.compile(_START + _BETWEEN_WORDS.join(parts) + _END, re.IGNORECASE)


@lru_cache(maxsize=2048)
def _name_pattern(name):
    """A name (or a line kept on purpose) wherever it is written, in any case and spacing."""
    parts = [re.escape(part) for part in name.split()]
    return re.compile(r"(?<!\w)" + r"\s+".join(parts) + r"(?!\w)", re.IGNORECASE)


def _lines(text):
    """Names or kept wording, one per line: lower case, single spaces (hyphens kept)."""
    lines = (" ".join(line.lower().split()) for line in (text or "").splitlines())
    return tuple(dict.fromkeys(line for line in lines if line))


def say_instead(alternatives):
    """ "a; b (of a test)" → “a” or “b” (of a test)."""
    said = []
    for part in (alternatives or "").split(";"):
        part = " ".join(part.split())
        if not part:
            continue
        qualified = re.fullmatch(r"(.+?)\s*(\([^()]*\))", part)
        said.append(f"“{qualified[1]}” {qualified[2]}" if qualified else f"“{part}”")
    if len(said) < 2:
        return "".join(said)
    return ", ".join(said[:-1]) + " or " + said[-1]


@dataclass(frozen=True)
class Word:
    """A word to avoid, as the check uses it."""

    word: str
    alternatives: str = ""
    why: str = ""
    kept_in: tuple = ()  # names it is fine in

    @property
    def pattern(self):
        return word_pattern(self.word)

    @property
    def say_instead(self):
        return say_instead(self.alternatives)


def words_to_avoid():
    """The list as it is now: one query."""
    rows = WordToAvoid.objects.order_by("word").values_list(
        "word", "alternatives", "why", "kept_in"
    )
    return [
        Word(normal(word), alternatives, why, _lines(kept_in))
        for word, alternatives, why, kept_in in rows
        if normal(word)
    ]


def kept_wording(entry):
    """The lines of the entry's "wording kept on purpose", normalised."""
    return _lines(getattr(entry, "kept_wording", ""))


@dataclass(frozen=True)
class Match:
    start: int
    end: int
    word: Word
    text: str  # as written


def _covered(text, spans):
    """For each character of `text`, whether one of `spans` covers it."""
    mask = bytearray(len(text))
    for start, end in spans:
        mask[start:end] = b"\x01" * (end - start)
    return mask


def matches(text, words, kept=()):
    """The uses of `words` in `text` that the rules flag, in order. Linear in the text's
    length and the uses found (an imported body may be long)."""
    if not text or not words:
        return []
    found = [
        Match(m.start(), m.end(), word, m.group())
        for word in words
        for m in word.pattern.finditer(text)
    ]
    if not found:
        return []
    # A word inside a longer one found at the same place is part of it ("user" in
    # "drug user"), even when the longer one is kept or fine there: in order of start,
    # longest first, a use ending within one seen before is inside it.
    found.sort(key=lambda match: (match.start, -match.end))
    outermost, reach = [], -1
    for match in found:
        if match.end > reach:
            outermost.append(match)
            reach = match.end
    quoted = _covered(text, quoted_spans(text))
    fine = _covered(text, (m.span() for line in kept for m in _name_pattern(line).finditer(text)))
    kept_words = {id(word) for word in words if any(word.pattern.fullmatch(line) for line in kept)}
    fine_for = {}  # a word's names it is fine in, found once per word
    flagged = []
    for match in outermost:
        if any(quoted[match.start : match.end]) or id(match.word) in kept_words:
            continue
        if all(fine[match.start : match.end]):
            continue
        names = fine_for.get(id(match.word))
        if names is None:
            names = fine_for[id(match.word)] = _covered(
                text,
                (
                    m.span()
                    for name in match.word.kept_in
                    for m in _name_pattern(name).finditer(text)
                ),
            )
        if all(names[match.start : match.end]):
            continue
        flagged.append(match)
    return flagged


# Markdown


_LINK_TARGET = re.compile(r"(?<=\])\((?:[^()\n]|\([^()\n]*\))*\)")
_REFERENCE = re.compile(r"^ {0,3}\[[^\]\n]+\]:[^\n]*$", re.M)
_TAG_OR_AUTOLINK = re.compile(r"<[^<>\n]*>")
_BARE_URL = re.compile(r"\b(?:https?://|www\.)\S+")
_FENCE = re.compile(r"^ {0,3}(?:```|~~~)")
_HEADING = re.compile(r"^ {0,3}#{1,2}(?!#)(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")


def _blank(match):
    return " " * len(match.group())


def masked_markdown(source):
    """The body's Markdown with addresses (link targets, references, bare URLs) and tags
    blanked out, same length: words in an address are not the entry's wording."""
    for pattern in (_LINK_TARGET, _REFERENCE, _TAG_OR_AUTOLINK, _BARE_URL):
        source = pattern.sub(_blank, source)
    return source


def _heading_text(raw):
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", raw or "")
    return " ".join(re.sub(r"[*_`]", "", text).split())


def sections(source):
    """[(offset, heading)] of the body's sections: its `#` and `##` headings (a `#` heading
    becomes an <h2> too), outside fenced code."""
    found, offset, fenced = [], 0, False
    for line in source.splitlines(keepends=True):
        if _FENCE.match(line):
            fenced = not fenced
        elif not fenced and (heading := _HEADING.match(line.rstrip("\r\n"))):
            found.append((offset, _heading_text(heading[1])))
        offset += len(line)
    return found


# Findings


def snippet(text, start, end, room=SNIPPET_ROOM):
    """The words around text[start:end] on its line(s), about `room` characters either side."""
    # A window of the line, never the whole of a long one: room enough for whole words.
    line_start = text.rfind("\n", max(0, start - 4 * room), start) + 1
    line_end = text.find("\n", end, end + 4 * room)
    head = text[max(line_start, start - 4 * room) : start]
    tail = text[end : end + 4 * room if line_end == -1 else line_end]
    before, after = head.split(), tail.split()
    taken_before, taken_after = [], []
    while before and len(" ".join([before[-1], *taken_before])) <= room:
        taken_before.insert(0, before.pop())
    while after and len(" ".join([*taken_after, after[0]])) <= room:
        taken_after.append(after.pop(0))
    left = " ".join(taken_before)
    right = " ".join(taken_after)
    if left and head[-1:].isspace():
        left += " "
    if right and tail[:1].isspace():
        right = " " + right
    word = " ".join(text[start:end].split())
    return f"{'…' if before else ''}{left}{word}{right}{'…' if after else ''}"


_LINE_MARKUP = re.compile(r"^ {0,3}(?:#{1,6}|>|[-*+]|\d{1,9}[.)])[ \t]+")
_EMPHASIS = re.compile(r"\*{1,3}(?=\S)|(?<=\S)\*{1,3}|`+|(?<!\w)_{1,3}(?=\S)|(?<=\S)_{1,3}(?!\w)")


def _markdown_snippet(text, start, end):
    """snippet() of the body's Markdown, read as text: no heading or list marks, emphasis
    or code marks."""
    line = text.rfind("\n", 0, start) + 1
    if mark := _LINE_MARKUP.match(text[line:start]):
        text = text[:line] + " " * mark.end() + text[line + mark.end() :]
    return _EMPHASIS.sub("", snippet(text, start, end))


PARTS = {
    "definition": "the definition",
    "tldr": "the TL;DR",
    "key_point": "key point {number}",
    "body": "the body",
    "attribution": "the attribution of quote {number}",
}


@dataclass(frozen=True)
class Finding:
    word: Word
    found: str  # as written ("Addicts")
    part: str  # a key of PARTS
    snippet: str
    number: int | None = None  # of the key point or quote
    section: str = ""  # the body's section (its heading)

    @property
    def where(self):
        where = PARTS[self.part].format(number=self.number)
        return f"{where} (“{self.section}”)" if self.section else where

    @property
    def warning(self):
        """The content-health warning (quality.warnings())."""
        say = self.word.say_instead
        return f"{WARNING}“{self.word.word}” in {self.where}: “{self.snippet}”" + (
            f" — say {say}." if say else "."
        )


def findings(entry, words=None, key_points=None, quotes=None):
    """The words to avoid in the entry's own text, in the order of its page's parts.
    `words`: words_to_avoid() read once for many entries; key points and quotes: the
    entry's own (prefetched ones are used as they are) unless given."""
    words = words_to_avoid() if words is None else words
    if not words:
        return []
    kept = kept_wording(entry)
    if key_points is None:
        key_points = entry.key_points.all() if entry.pk else []
    if quotes is None:
        quotes = entry.quotes.all() if entry.pk else []
    texts = [("definition", None, entry.definition), ("tldr", None, entry.tldr)]
    texts += [("attribution", n, quote.attribution) for n, quote in enumerate(quotes, 1)]
    texts += [("key_point", n, point.text) for n, point in enumerate(key_points, 1)]
    found = []
    for part, number, text in texts:
        found += [
            Finding(m.word, m.text, part, snippet(text, m.start, m.end), number)
            for m in matches(text, words, kept)
        ]
    body = masked_markdown(entry.body or "")
    headings = sections(body)
    for m in matches(body, words, kept):
        section = next((title for at, title in reversed(headings) if at <= m.start), "")
        found.append(
            Finding(
                m.word, m.text, "body", _markdown_snippet(body, m.start, m.end), section=section
            )
        )
    return found


def _stem(word):
    """The longest word of a phrase, as every form of it begins ("baby" → "bab")."""
    longest = max(word.split(), key=len)
    return longest[:-1] if re.search(r"[^aeiou]y$", longest) else longest


def entries_concerned(words):
    """The ids of the entries whose stored warnings may be wrong now that these words
    were added, changed or removed: those whose text may use one of them, and those
    warned about one."""
    if not words:
        return set()
    said, used = Q(), Q()
    for word in map(normal, words):
        said |= Q(content_warnings__contains=f"{WARNING}“{word}”")
        stem = _stem(word)
        used |= (
            Q(definition__icontains=stem)
            | Q(tldr__icontains=stem)
            | Q(body__icontains=stem)
            | Q(Exists(KeyPoint.objects.filter(article=OuterRef("pk"), text__icontains=stem)))
            | Q(
                Exists(
                    ExpertQuote.objects.filter(article=OuterRef("pk"), attribution__icontains=stem)
                )
            )
        )
    return set(Entry.objects.filter(said | used).values_list("pk", flat=True))
