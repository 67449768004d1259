"""Excerpts for search results: the part of an entry's text where the query's words are,
with those words between markers (rendering.highlight() turns them into <mark>)."""

import itertools
import re

from .text import fold, stems

WORD = re.compile(r"\w+")
SIZE = 28  # words in an excerpt


def _fold(token):
    return token.lower() if token.isascii() else fold(token)


def excerpt(text, words, markers, size=SIZE):
    """The `size`-word window of `text` with the most matches, marked; None without any."""
    wanted = stems(words)
    hits = _hit_starts(text or "", wanted) if wanted else []
    if not hits:
        return None
    # The text is long (a whole body) and the words few, so it is not split into words:
    # only the stretch between the first and the last match is counted.
    ordinals = [0]
    for previous, current in itertools.pairwise(hits):
        ordinals.append(ordinals[-1] + len(WORD.findall(text, previous, current)))
    best, most, end_hit = 0, 0, 0
    for k, ordinal in enumerate(ordinals):  # the match whose window holds the most matches
        while end_hit < len(hits) and ordinals[end_hit] < ordinal + size:
            end_hit += 1
        if end_hit - k > most:
            best, most = k, end_hit - k
    # Three words before it, or more near the text's end, so as to show `size` words.
    after = list(itertools.islice(WORD.finditer(text, hits[best]), size))
    before, at_start = _words_before(text, hits[best], max(3, size - len(after)))
    window = (before + after)[:size]
    start = 0 if at_start else window[0].start()
    end = window[-1].end()
    if not WORD.search(text, end):  # only punctuation left: show it, not "…"
        end = len(text.rstrip())
    open_mark, close_mark = markers
    pieces, position = [], start
    for hit in hits:
        if start <= hit < end:
            word_end = WORD.match(text, hit).end()
            pieces += [text[position:hit], open_mark, text[hit:word_end], close_mark]
            position = word_end
    pieces.append(text[position:end])
    prefix = "" if start == 0 else "…"
    suffix = "" if end >= len(text.rstrip()) else "…"
    return prefix + "".join(pieces).strip() + suffix


def _hit_starts(text, wanted):
    """Where the words that start with one of the `wanted` stems start, in order."""
    lowered = text.lower()
    if not all(stem.isascii() for stem in wanted) or len(lowered) != len(text):
        return [m.start() for m in WORD.finditer(text) if _fold(m.group()).startswith(wanted)]
    # Written as they are folded (ASCII, any case): found by plain substring search.
    found = set()
    for stem in wanted:
        at = lowered.find(stem)
        while at != -1:
            if at == 0 or not WORD.match(text, at - 1):  # at a word's start
                found.add(at)
            at = lowered.find(stem, at + 1)
    # Words with non-ASCII letters may fold to something else ("Café" → "cafe").
    if not text.isascii() and _NON_ASCII_LETTER.search(text):
        found.update(
            m.start() for m in _NON_ASCII_WORD.finditer(text) if _fold(m.group()).startswith(wanted)
        )
    return sorted(found)


_NON_ASCII_LETTER = re.compile(r"[^\W\x00-\x7f]")
_NON_ASCII_WORD = re.compile(r"\w*[^\W\x00-\x7f]\w*")


def _words_before(text, position, count):
    """Up to `count` words that end before `position`, and whether they are all there are."""
    low = position
    while True:
        low = max(0, low - 32 * count)
        words = list(WORD.finditer(text, low, position))
        if low and words and words[0].start() == low and WORD.match(text, low - 1):
            words = words[1:]  # the end of a word cut by `low`
        if len(words) >= count or low == 0:
            return words[-count:], low == 0 and len(words) <= count


def lead(text, size=SIZE):
    """The opening `size` words of `text`, for entries matched on something else."""
    tokens = list(WORD.finditer(text or ""))
    if len(tokens) <= size:
        return text or ""
    return text[: tokens[size - 1].end()] + "…"
