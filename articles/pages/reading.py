"""Aids for long entries: a table of contents and an estimated reading time."""

import html
import math
import re

# Section headings as rendering.py writes them: <h2 id="...">text</h2>.
_SECTION = re.compile(r'<h2 id="([^"]+)">(.*?)</h2>', re.S)
_TAG = re.compile(r"<[^>]*>")
WORDS_PER_MINUTE = 200  # a common estimate for reading on screen
TOC_MIN_SECTIONS = 3


def sections(body_html):
    """[(anchor id, heading text)] of the body's sections."""
    return [
        (anchor, html.unescape(_TAG.sub("", heading)).strip())
        for anchor, heading in _SECTION.findall(body_html or "")
    ]


def table_of_contents(body_html):
    """The sections, when there are enough of them to need a table of contents."""
    found = sections(body_html)
    return found if len(found) >= TOC_MIN_SECTIONS else []


def reading_minutes(*texts):
    """Whole minutes (at least one) to read the given plain texts and HTML."""
    words = sum(len(_TAG.sub(" ", text or "").split()) for text in texts)
    return max(1, math.ceil(words / WORDS_PER_MINUTE))
