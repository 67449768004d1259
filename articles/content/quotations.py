"""Where a text quotes someone: the spans between quotation marks (“…”, "…", and ‘…’ or
'…' where they are clearly quotation marks, not apostrophes), for the stigma check
(wording.py), which leaves quoted words alone."""

import re

SINGLE_QUOTE_MAX = 150  # a span longer than this between single quotes is not a quotation

_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")
_OPENS_AFTER = "([{“\"‘'—–-/"


def _paragraphs(text):
    start = 0
    for gap in _PARAGRAPH_BREAK.finditer(text):
        yield start, gap.start()
        start = gap.end()
    yield start, len(text)


def _opening(text, at, start, end):
    """A quotation mark that opens: at the start of a word (after a space, a bracket or a
    dash) and before one."""
    before_ok = at == start or text[at - 1].isspace() or text[at - 1] in _OPENS_AFTER
    return before_ok and at + 1 < end and not text[at + 1].isspace()


def _closing(text, at, end):
    """A quotation mark that closes: right after a word, not inside one ("don’t")."""
    return not text[at - 1].isspace() and (at + 1 >= end or not text[at + 1].isalnum())


def _double_quoted(text, start, end):
    spans, at = [], start
    while at < end:
        opening = next(
            (
                i
                for i in range(at, end)
                if text[i] == "“" or (text[i] == '"' and _opening(text, i, start, end))
            ),
            None,
        )
        if opening is None:
            break
        marks = "”" if text[opening] == "“" else '"'
        closing = next(
            (
                i
                for i in range(opening + 1, end)
                if text[i] in marks and (marks == "”" or _closing(text, i, end))
            ),
            None,
        )
        if closing is None:
            break
        spans.append((opening, closing + 1))
        at = closing + 1
    return spans


def _possessive_like(text, at, end):
    """“addicts’ families”: an apostrophe after a plural, not (clearly) a closing mark."""
    return (
        text[at - 1] in "sS" and at + 2 < end and text[at + 1].isspace() and text[at + 2].isalpha()
    )


def _single_quoted(text, start, end):
    """Spans between single quotation marks that are clearly quotation marks: an opening
    mark at the start of a word, a closing one at the end of a word (an apostrophe inside
    a word never is), in one paragraph and a short span. A closing mark that could be a
    plural's apostrophe ("addicts’ families") gives way to a later clear one."""
    spans, at = [], start
    while at < end:
        opening = next(
            (i for i in range(at, end) if text[i] in "‘'" and _opening(text, i, start, end)),
            None,
        )
        if opening is None:
            break
        limit = min(end, opening + SINGLE_QUOTE_MAX)
        closings, reopened = [], None
        for i in range(opening + 2, limit):
            if text[i] == "‘" or (text[i] == "'" and _opening(text, i, start, end)):
                # Another quotation begins: the first closing mark seen ends this one;
                # with none, the first mark was an apostrophe ("'tis").
                reopened = None if closings else i
                break
            if text[i] in "’'" and _closing(text, i, end):
                closings.append(i)
                if not _possessive_like(text, i, end):
                    break
        if not closings:
            at = opening + 1 if reopened is None else reopened
            continue
        clear = [i for i in closings if not _possessive_like(text, i, end)]
        closing = clear[0] if clear else closings[0]
        spans.append((opening, closing + 1))
        at = closing + 1
    return spans


def quoted_spans(text):
    """(start, end) of each quotation in `text`, marks included; none crosses a blank line."""
    spans = []
    for start, end in _paragraphs(text):
        spans += _double_quoted(text, start, end)
        spans += _single_quoted(text, start, end)
    return spans
