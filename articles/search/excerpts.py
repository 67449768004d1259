"""Excerpts for search results: the part of an entry's text where the query's words are,
with those words between markers (rendering.highlight() turns them into <mark>).

The text comes a line per block (blocks.py: headings, paragraphs, list items…). An
excerpt is a stretch of one block, begun at the start of a sentence where one is near;
only a block too short to say much (a heading, a brief list item) is followed by the
next ones, set apart by " … ", never run into them.
"""

import bisect
import itertools
import re

from .blocks import BREAK
from .text import fold, stems

WORD = re.compile(r"\w+")
SIZE = 28  # words in an excerpt
CONTEXT = 3  # words shown before the first match, when the text goes on long after it
LOOKBACK = 8  # further words an excerpt may begin earlier to begin with a sentence
BETWEEN_BLOCKS = " … "
CUT = "…"
# The end of a sentence, between two words: the next one starts a sentence if it starts
# with a capital or a digit ("e.g. the" does not).
_SENTENCE_GAP = re.compile(r"[.!?…]+[\"'”’»)\]]*\s+(?P<opening>[\"'“‘«(\[]*)")


def _fold(token):
    return token.lower() if token.isascii() else fold(token)


def excerpt(text, words, markers, size=SIZE):
    """About `size` words of the block of `text` with the most matches in that many
    words, the matches marked; None without any."""
    wanted = stems(words)
    text = text or ""
    hits = _hit_starts(text, wanted) if wanted else []
    if not hits:
        return None
    return _render(text, _window(text, _densest(text, hits, size), size), hits, markers)


def lead(text, size=SIZE):
    """The opening words of `text` as an excerpt, for entries matched on something else."""
    text = text or ""
    first = WORD.search(text)
    if not first:
        return " ".join(text.split())
    return _render(text, _window(text, first.start(), size), [], None)


def _block_end(text, position):
    end = text.find(BREAK, position)
    return len(text) if end == -1 else end


def _densest(text, hits, size):
    """The match that begins the `size` words of one block holding the most matches (the
    first of equals). Only the stretches between matches of the same block are read."""
    best, most, i = hits[0], 0, 0
    while i < len(hits):
        j = bisect.bisect_left(hits, _block_end(text, hits[i]), i)
        block_hits = hits[i:j]
        ordinals = [0]
        for previous, current in itertools.pairwise(block_hits):
            ordinals.append(ordinals[-1] + len(WORD.findall(text, previous, current)))
        end_hit = 0
        for k, ordinal in enumerate(ordinals):
            while end_hit < len(block_hits) and ordinals[end_hit] < ordinal + size:
                end_hit += 1
            if end_hit - k > most:
                best, most = block_hits[k], end_hit - k
        i = j
    return best


def _window(text, hit, size):
    """([(start, end)] stretches of `text` to show, cut before the first, cut after the
    last) for an excerpt of about `size` words from near `hit`."""
    block_start, block_end = text.rfind(BREAK, 0, hit) + 1, _block_end(text, hit)
    # CONTEXT words before the match, or more near the block's end, so as to show `size`.
    after = list(itertools.islice(WORD.finditer(text, hit, block_end), size))
    context = max(CONTEXT, size - len(after))
    before, whole = _words_before(text, block_start, hit, context + LOOKBACK + 1)
    words, at = before + after, len(before)
    usual = max(0, at - context)
    first, start = usual, None
    # The sentence the match is in, or failing that one that begins a little earlier,
    # as long as the match stays in view and the excerpt shows no fewer words.
    for i in range(at, max(0, usual - LOOKBACK) - 1, -1):
        if at - i >= size:
            break
        if i > usual and at - i + len(after) < size:
            continue
        start = _sentence_start(text, words, i, block_start if whole else None)
        if start is not None:
            first = i
            break
    cut_before = start is None
    if cut_before:
        start = words[usual].start()
    shown = words[first : first + size]
    end = shown[-1].end()
    if not WORD.search(text, end, block_end):  # only punctuation left: show it, not "…"
        end = block_end
    stretches, cut_after = [(start, end)], end < block_end
    # A short block shown whole (a heading, a brief list item) says little on its own: the
    # blocks after it follow, up to half an excerpt.
    count, following = len(shown), block_end + 1
    while start == block_start and not cut_after and count < size // 2 and following < len(text):
        start, block_end = following, _block_end(text, following)
        block_start, following = start, block_end + 1
        more = list(itertools.islice(WORD.finditer(text, start, block_end), size - count))
        if more:  # (a block may be all punctuation)
            count += len(more)
            end = more[-1].end() if WORD.search(text, more[-1].end(), block_end) else block_end
            stretches.append((start, end))
            cut_after = end < block_end
    return stretches, cut_before, cut_after


def _sentence_start(text, words, i, block_start):
    """Where the sentence that `words[i]` begins starts (its opening quote or bracket
    included), or None if that word does not begin one. `block_start` is None when
    `words` do not reach back to the start of their block."""
    if i == 0:
        return block_start
    word = words[i].group()
    if not (word[0].isupper() or word[0].isdigit()):
        return None
    gap = _SENTENCE_GAP.fullmatch(text, words[i - 1].end(), words[i].start())
    return gap.start("opening") if gap else None


def _render(text, window, hits, markers):
    """The stretches of `window` with the `hits` in them between `markers`."""
    stretches, cut_before, cut_after = window
    shown = []
    for start, end in stretches:
        pieces, position = [], start
        for hit in hits[bisect.bisect_left(hits, start) : bisect.bisect_left(hits, end)]:
            word_end = WORD.match(text, hit).end()
            pieces += [text[position:hit], markers[0], text[hit:word_end], markers[1]]
            position = word_end
        pieces.append(text[position:end])
        shown.append("".join(pieces).strip())
    return (CUT if cut_before else "") + BETWEEN_BLOCKS.join(shown) + (CUT if cut_after else "")


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


def _words_before(text, block_start, position, count):
    """Up to `count` words of the block that end before `position`, and whether they are
    all there are."""
    low = position
    while True:
        low = max(block_start, low - 32 * count)
        words = list(WORD.finditer(text, low, position))
        if low > block_start and words and words[0].start() == low and WORD.match(text, low - 1):
            words = words[1:]  # the end of a word cut by `low`
        if len(words) >= count or low == block_start:
            return words[-count:], low == block_start and len(words) <= count
