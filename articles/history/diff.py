"""The differences between two texts, as HTML with removed words in <del> and added words
in <ins> (the marks say what changed without relying on colour).

Texts are matched line by line first, then word by word within the lines that changed, so
one word edited in a long body marks that word, not its paragraph; long runs of unchanged
lines fold into a note. Every piece of text is escaped here: the result is safe to show."""

import difflib
import re
from dataclasses import dataclass

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

# Unchanged lines shown around a change; a longer unchanged run folds into one note.
CONTEXT_LINES = 2
# Word matching takes time proportional to the product of the two lengths: beyond this
# many words on either side, a changed block is shown as removed and added whole.
MAX_WORDS = 4000
# Words, runs of white space, and single other characters (punctuation is its own token,
# so "end." to "end!" marks the mark alone).
_TOKENS = re.compile(r"\w+|\s+|[^\w\s]")


@dataclass(frozen=True)
class Diff:
    older: SafeString  # the older text, removed words in <del>
    newer: SafeString  # the newer text, added words in <ins>
    inline: SafeString  # one text: <del>removed</del><ins>added</ins>


def diff(older, newer):
    """The differences between two texts (either may be empty)."""
    older_lines, newer_lines = _lines(older), _lines(newer)
    matcher = difflib.SequenceMatcher(None, older_lines, newer_lines, autojunk=False)
    opcodes = matcher.get_opcodes()
    left, right, inline = [], [], []
    for index, (tag, i1, i2, j1, j2) in enumerate(opcodes):
        if tag == "equal":
            kept = _fold(older_lines[i1:i2], first=index == 0, last=index == len(opcodes) - 1)
            left += kept
            right += kept
            inline += kept
            continue
        old_text, new_text = "\n".join(older_lines[i1:i2]), "\n".join(newer_lines[j1:j2])
        if tag == "replace":
            old_html, new_html, both = _words(old_text, new_text)
        else:
            old_html, new_html = _marked("del", old_text), _marked("ins", new_text)
            both = old_html + new_html
        left += [old_html] if old_html else []
        right += [new_html] if new_html else []
        inline.append(both)
    return Diff(*(mark_safe("\n".join(part)) for part in (left, right, inline)))


def _lines(text):
    return str(text).replace("\r\n", "\n").split("\n") if text else []


def _fold(lines, first, last):
    """Unchanged lines, escaped, with the middle of a long run folded (all of it at the
    start or end of the text keeps only the lines next to the change)."""
    keep_before = 0 if first else CONTEXT_LINES
    keep_after = 0 if last else CONTEXT_LINES
    if first and last:  # nothing changed at all
        keep_before = len(lines)
    if len(lines) <= keep_before + keep_after + 1:
        return [escape(line) for line in lines]
    hidden = len(lines) - keep_before - keep_after
    note = format_html(
        '<span class="diff-fold">… {} unchanged line{} …</span>', hidden, "" if hidden == 1 else "s"
    )
    tail = lines[len(lines) - keep_after :] if keep_after else []
    return [escape(line) for line in lines[:keep_before]] + [note] + [escape(line) for line in tail]


def _marked(tag, text):
    """`text` in <tag>, white space at either end left outside (an underlined space reads
    as a change of its own), unless white space is all that changed."""
    core = text.strip()
    if not core:
        return format_html(f"<{tag}>{{}}</{tag}>", text) if text else ""
    start = text.index(core)
    return format_html(
        f"{{}}<{tag}>{{}}</{tag}>{{}}", text[:start], core, text[start + len(core) :]
    )


def _words(older, newer):
    """(older with <del>, newer with <ins>, both inline) for two changed blocks of text."""
    old_tokens, new_tokens = _TOKENS.findall(older), _TOKENS.findall(newer)
    if max(len(old_tokens), len(new_tokens)) > MAX_WORDS:
        removed, added = _marked("del", older), _marked("ins", newer)
        return removed, added, removed + added
    left, right, inline = [], [], []
    for tag, old, new in _merged(old_tokens, new_tokens):
        if tag == "equal":
            same = escape(old)
            left.append(same)
            right.append(same)
            inline.append(same)
        else:
            removed, added = _marked("del", old), _marked("ins", new)
            left.append(removed)
            right.append(added)
            inline.append(removed + added)
    return "".join(left), "".join(right), "".join(inline)


def _merged(old_tokens, new_tokens):
    """Runs of (tag, old text, new text); a lone space between two changes joins them, so
    three replaced words read as one change, not three."""
    matcher = difflib.SequenceMatcher(None, old_tokens, new_tokens, autojunk=False)
    runs = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        old, new = "".join(old_tokens[i1:i2]), "".join(new_tokens[j1:j2])
        tag = "equal" if tag == "equal" else "change"
        if runs and tag == "change" and runs[-1][0] == "change":
            runs[-1] = ("change", runs[-1][1] + old, runs[-1][2] + new)
        elif (
            len(runs) >= 2 and tag == "change" and runs[-2][0] == "change"
            and runs[-1][0] == "equal" and runs[-1][1].isspace()
        ):  # fmt: skip
            space = runs.pop()[1]
            runs[-1] = ("change", runs[-1][1] + space + old, runs[-1][2] + space + new)
        else:
            runs.append((tag, old, new))
    return runs
