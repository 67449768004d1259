"""An entry's text as the search index stores it: plain text, one line per block.

Headings, paragraphs, list items, table rows and lines of code each get a line of their
own, so that search excerpts (excerpts.py) can show a stretch of one block instead of
running a heading into the paragraph under it. Inside a line, words are separated by
single spaces and inline markup leaves nothing behind (`<em>free</em>,` → "free,").
"""

import html
import re

BREAK = "\n"  # between blocks; never inside one

# Control characters are reserved (search excerpts use them as highlight markers): these
# are the ones str.split() does not already take for spaces.
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1b]")
# body_html is our own sanitised output (rendering.py: an allowlist of tags, attribute
# values quoted), so regular expressions read its tags safely.
_ATTRIBUTES = r"""(?:[^>"']|"[^"]*"|'[^']*')*"""  # a quoted value may hold a ">"
_PRE = re.compile(r"<pre\b.*?</pre>", re.S | re.I)
_CELL_GAP = re.compile(rf"</t[dh]>\s*<t[dh]\b{_ATTRIBUTES}>", re.I)
_BLOCK_TAG = re.compile(
    r"</?(?:p|h[1-6]|ul|ol|li|dl|dt|dd|blockquote|pre|table|thead|tbody|tfoot|tr|hr|br)\b"
    rf"{_ATTRIBUTES}>",
    re.I,
)
_TAG = re.compile(rf"<{_ATTRIBUTES}>")
CELL_SEPARATOR = " · "  # between the cells of a table row, which stays one block


def lines(text):
    """`text` as blocks: each line's runs of spaces made one, control characters and empty
    lines dropped."""
    blocks = (" ".join(line.split()) for line in _CONTROL.sub(" ", text or "").splitlines())
    return BREAK.join(block for block in blocks if block)


def body_text(body_html):
    """The words of a rendered body as a reader sees them, a line per block."""
    if not body_html:
        return ""
    # In code, each line is a block; elsewhere a line break in the HTML is only a space.
    marked = _PRE.sub(lambda pre: pre.group().replace("\n", "<br>"), body_html)
    marked = " ".join(marked.split())
    marked = _CELL_GAP.sub(CELL_SEPARATOR, marked)
    marked = _BLOCK_TAG.sub(BREAK, marked)
    return lines(html.unescape(_TAG.sub("", marked)))


def summary_text(definition, tldr):
    """The definition and the TL;DR, each its own block."""
    return lines(f"{definition or ''}{BREAK}{tldr or ''}")
