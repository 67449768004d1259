"""Excerpts for search results: the part of an entry's text where the query's words are,
with those words between markers (rendering.highlight() turns them into <mark>)."""

import re

from .text import fold, stems

WORD = re.compile(r"\w+")
SIZE = 28  # words in an excerpt


def matches(token, words):
    """Does a word of the text answer one of the query's (normalised) words?"""
    return _fold(token).startswith(stems(words))


def _fold(token):
    return token.lower() if token.isascii() else fold(token)


def excerpt(text, words, markers, size=SIZE):
    """The `size`-word window of `text` with the most matches, marked; None without any."""
    tokens = list(WORD.finditer(text or ""))
    wanted = stems(words)
    hits = [
        i for i, token in enumerate(tokens) if wanted and _fold(token.group()).startswith(wanted)
    ]
    if not hits:
        return None
    best = max(hits, key=lambda i: sum(1 for h in hits if i <= h < i + size))
    first = max(0, min(best - 3, len(tokens) - size))
    last = min(len(tokens), first + size) - 1
    start, end = tokens[first].start(), tokens[last].end()
    if first == 0:
        start = 0
    open_mark, close_mark = markers
    pieces, position = [], start
    for i in hits:
        if first <= i <= last:
            token = tokens[i]
            pieces += [text[position : token.start()], open_mark, token.group(), close_mark]
            position = token.end()
    pieces.append(text[position:end])
    prefix = "" if start == 0 else "…"
    suffix = "" if end >= len(text.rstrip()) else "…"
    return prefix + "".join(pieces).strip() + suffix


def lead(text, size=SIZE):
    """The opening `size` words of `text`, for entries matched on something else."""
    tokens = list(WORD.finditer(text or ""))
    if len(tokens) <= size:
        return text or ""
    return text[: tokens[size - 1].end()] + "…"
