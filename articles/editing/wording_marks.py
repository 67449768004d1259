"""The form's preview marks the words to avoid (articles/content/wording.py) where the
entry's own text shows them: <mark class="wording-flag" title="Say instead: …">.

It works on the page as rendered, so the page's templates know nothing of it and a
reader's page never has it. Only the entry's own parts are looked at (definition, TL;DR,
key points, body, quote attributions), never a quote's text, its labels, the sources (a
publisher may be the "National Institute on Drug Abuse") or related entries. The same
rules as content health apply, to the text readers see in each part.

Safe by construction: the HTML is cut into tags and text; tags are copied as they are,
text character by character (entities included) as it came, and the only markup added is
the <mark> element with an escaped title around text already there.
"""

import html
import re

from django.utils.html import escape

from ..content import wording

_TOKEN = re.compile(r"""<!--.*?-->|<(?:[^>"']|"[^"]*"|'[^']*')*>|[^<]+|<""", re.S)
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)")
_ATTRIBUTE = re.compile(r"""([a-zA-Z_:][-a-zA-Z0-9_:.]*)\s*=\s*("[^"]*"|'[^']*'|[^\s"'=<>`]+)""")
_CHARACTER = re.compile(r"&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[a-zA-Z][a-zA-Z0-9]*);|.", re.S)
VOID = frozenset(
    "area base br col embed hr img input link meta source track wbr".split()
)  # fmt: skip
# Elements whose text is read on its own: no quotation or phrase runs from one to the next.
BLOCKS = frozenset(
    "p li h1 h2 h3 h4 h5 h6 td th dt dd pre blockquote figcaption div section br hr".split()
)  # fmt: skip


def _part(name, classes):
    """Which of the entry's own parts this element begins, if any."""
    if "term__definition" in classes:
        return "definition"
    if name == "section" and "tldr" in classes:
        return "tldr"
    if name == "section" and "key-points" in classes:
        return "key_points"
    if "term__body" in classes:
        return "body"
    if name == "figcaption":
        return "attribution"
    return None


def _left_out(name, classes, attributes, part):
    """Inside a part, what is the template's, not the entry's: section headings
    ("TL;DR"), icons, check marks and labels ("(Clinician)")."""
    return (
        (name == "h2" and part.kind in {"tldr", "key_points"})
        or attributes.get("aria-hidden") == "true"
        or any(c == "check" or c.startswith(("quote__", "icon")) for c in classes)
    )


def _attributes(tag):
    return {
        name.lower(): html.unescape(value.strip("\"'")) for name, value in _ATTRIBUTE.findall(tag)
    }


class _Part:
    def __init__(self, kind):
        self.kind = kind
        self.plain = []  # the part's text as read, a character at a time, and breaks
        self.owner = []  # for each, the (token, piece) it comes from (None: a break)

    def add(self, character, owner):
        self.plain.append(character)
        self.owner.append(owner)

    def brk(self):
        self.add("\n\n", None)


def _read(page):
    """The page cut into tokens (a tag as a string, text as its characters as written)
    and the text of the entry's own parts."""
    tokens, parts = [], []
    stack = []  # (name, part, left out)
    for found in _TOKEN.finditer(page):
        token = found.group()
        tag = _TAG.match(token)
        name, part, left_out = stack[-1] if stack else (None, None, False)
        if not tag and token.startswith("<!"):  # a comment or a doctype: as it is
            tokens.append(token)
            continue
        if not tag:  # text (a lone "<" too)
            pieces = _CHARACTER.findall(token)
            tokens.append(pieces)
            if part is not None and not left_out:
                for n, piece in enumerate(pieces):
                    for character in html.unescape(piece):
                        part.add(character, (len(tokens) - 1, n))
            continue
        tokens.append(token)
        closing, name = tag[1] == "/", tag[2].lower()
        if closing:
            for depth in range(len(stack) - 1, -1, -1):
                if stack[depth][0] == name:
                    if stack[depth][1] is not None and (name in BLOCKS or stack[depth][2]):
                        stack[depth][1].brk()
                    del stack[depth:]
                    break
            continue
        if part is not None and name in BLOCKS:
            part.brk()
        if name in VOID or token.endswith("/>"):
            continue
        attributes = _attributes(token)
        classes = set(attributes.get("class", "").split())
        if part is None and (kind := _part(name, classes)):
            part = _Part(kind)
            parts.append(part)
        elif part is not None and not left_out:
            left_out = _left_out(name, classes, attributes, part)
            if left_out:
                part.brk()
        stack.append((name, part, left_out))
    return tokens, parts


def marked(page, words, kept=()):
    """`page` (HTML) with each word to avoid in the entry's own parts marked."""
    if not words:
        return page
    tokens, parts = _read(page)
    marks = {}  # (token, piece) → (the match's number, its word)
    number = 0
    for part in parts:
        text = "".join(part.plain)
        positions = []  # the part's characters by offset in `text`
        for character, owner in zip(part.plain, part.owner, strict=True):
            positions += [owner] * len(character)
        for match in wording.matches(text, words, kept):
            number += 1
            for owner in positions[match.start : match.end]:
                if owner is not None:
                    marks.setdefault(owner, (number, match.word))
    if not marks:
        return page
    out = []
    for index, token in enumerate(tokens):
        if isinstance(token, str):
            out.append(token)
            continue
        open_number = None
        for n, piece in enumerate(token):
            mark = marks.get((index, n))
            if open_number is not None and (mark is None or mark[0] != open_number):
                out.append("</mark>")
                open_number = None
            if mark is not None and open_number is None:
                say = mark[1].say_instead
                title = f' title="{escape("Say instead: " + say)}"' if say else ""
                out.append(f'<mark class="wording-flag"{title}>')
                open_number = mark[0]
            out.append(piece)
        if open_number is not None:
            out.append("</mark>")
    return "".join(out)


def marking(entry):
    """For the preview's TemplateResponse (add_post_render_callback): its page with the
    words to avoid marked, as `entry` (made from the form) keeps them."""

    def mark(response):
        words = wording.words_to_avoid()
        page = response.content.decode(response.charset)
        response.content = marked(page, words, wording.kept_wording(entry))

    return mark
