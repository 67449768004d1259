"""Markdown to safe HTML: the one place editor-written markup is turned into page HTML.

Python-Markdown renders, then bleach sanitises against an explicit allowlist. Only the
output of `render_markdown()` (and of `highlight()`, which escapes everything first) is
ever marked safe in templates. Keeping the sanitiser
behind this one function means it can be swapped (bleach is no longer maintained) without
touching anything else; tests/test_rendering.py holds the regression corpus.
"""

from functools import partial
from urllib.parse import urlsplit

import bleach
import markdown
from bleach.linkifier import LinkifyFilter
from django.utils.html import escape
from django.utils.safestring import mark_safe
from markdown.extensions import Extension
from markdown.extensions.toc import slugify_unicode
from markdown.treeprocessors import Treeprocessor

ALLOWED_TAGS = frozenset(
    {
        "p", "br", "hr", "h2", "h3", "h4", "h5", "h6",
        "strong", "em", "b", "i", "code", "pre", "blockquote", "del", "sub", "sup", "abbr",
        "ul", "ol", "li", "dl", "dt", "dd",
        "a", "table", "thead", "tbody", "tr", "th", "td",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": ["href", "title"],
    "abbr": ["title"],
    "ol": ["start"],
    "th": ["scope"],
    **{f"h{level}": ["id"] for level in range(2, 7)},
}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto", "tel"})


class _DemoteH1(Treeprocessor):
    """The page title is the only <h1>; a `# Heading` in a body becomes an <h2>."""

    def run(self, root):
        for element in root.iter("h1"):
            element.tag = "h2"


class _DemoteH1Extension(Extension):
    def extendMarkdown(self, md):  # noqa: N802 (Python-Markdown's API name)
        # Before toc (priority 5) so the demoted headings still get their ids.
        md.treeprocessors.register(_DemoteH1(md), "demote_h1", 30)


def _external_link_rel(attrs, new=False):
    """Links that leave the site get rel="nofollow noopener"; in-site links stay plain."""
    href = attrs.get((None, "href"), "")
    parts = urlsplit(href)
    if parts.scheme in {"http", "https"} or href.startswith("//"):
        attrs[(None, "rel")] = "nofollow noopener"
    else:
        attrs.pop((None, "rel"), None)
    return attrs


_cleaner = bleach.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    protocols=ALLOWED_PROTOCOLS,
    strip=True,
    strip_comments=True,
    filters=[
        partial(
            LinkifyFilter,
            callbacks=[_external_link_rel],
            skip_tags={"pre", "code"},
            parse_email=False,
        )
    ],
)


def sanitize_html(html):
    """Strip everything outside the allowlist: scripts, handlers, styles, unsafe URLs."""
    return _cleaner.clean(html)


def render_markdown(source):
    """Render an entry body (Markdown) to sanitised HTML, headings carrying ids."""
    if not source:
        return ""
    # A fresh Markdown instance per call: instances keep per-document state (toc ids).
    md = markdown.Markdown(
        extensions=[
            "fenced_code",
            "sane_lists",
            "tables",
            _DemoteH1Extension(),
            "toc",
        ],
        extension_configs={"toc": {"slugify": slugify_unicode, "permalink": False}},
        output_format="html",
    )
    return sanitize_html(md.convert(source.replace("\x00", "")))


def highlight(excerpt, markers):
    """Search excerpt → HTML: everything escaped, then our own <mark> around the words the
    search engine put between `markers` (control characters that never occur in text)."""
    start, end = markers
    escaped = escape(excerpt or "")
    opened = escaped.count(start) - escaped.count(end)
    html = escaped.replace(start, "<mark>").replace(end, "</mark>") + "</mark>" * max(opened, 0)
    return mark_safe(html)  # noqa: S308 (escaped above; only our own tags added)
