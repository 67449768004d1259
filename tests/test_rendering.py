from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest

from articles.content.rendering import render_markdown

HOSTILE = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    '<img src=x onerror="alert(1)">',
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href="jav&#x61;script:alert(1)">x</a>',
    '<a href="&#106;avascript:alert(1)">x</a>',
    '<a href=" javascript:alert(1)">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    "[click](javascript:alert(1))",
    "[click](data:text/html,<script>alert(1)</script>)",
    "![img](javascript:alert(1))",
    '<p onclick="alert(1)">hi</p>',
    '<div onmouseover="alert(1)">hover</div>',
    "<style>body{display:none}</style>",
    '<iframe src="https://evil.example"></iframe>',
    '<svg onload="alert(1)"><circle/></svg>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<object data=x></object><embed src=x>",
    '<form action="https://evil.example"><input name=a></form>',
    '<meta http-equiv="refresh" content="0;url=https://evil.example">',
    "<base href=https://evil.example/>",
    '<a href="https://ok.example" onclick="alert(1)" style="color:red">ok</a>',
    "<scr<script>ipt>alert(1)</script>",
    '"><script>alert(1)</script>',
    "<details open ontoggle=alert(1)>",
    '<h2 id="x" onclick="alert(1)">Heading</h2>',
    "<!--<script>alert(1)</script>-->",
    '<a href="#" style="background:url(javascript:alert(1))">x</a>',
]


class _Elements(HTMLParser):
    """Collects every element and attribute a browser would build from the HTML."""

    def __init__(self, html):
        super().__init__(convert_charrefs=True)
        self.elements = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))


SAFE_TAGS = {"p", "a", "h2", "strong", "em", "code", "pre", "ul", "ol", "li", "blockquote", "table"}


@pytest.mark.parametrize("payload", HOSTILE)
def test_no_executable_markup_survives(payload):
    html = render_markdown(f"Before\n\n{payload}\n\nAfter")
    for tag, attrs in _Elements(html).elements:
        assert tag in SAFE_TAGS, (payload, html)
        for name, value in attrs.items():
            assert not name.startswith("on") and name != "style", (payload, html)
            if name == "href":
                scheme = urlsplit(value.strip()).scheme.lower()
                assert scheme in {"", "http", "https", "mailto", "tel"}, (payload, html)


def test_markdown_structure_is_kept():
    html = render_markdown(
        "Intro with **bold** and *em*.\n\n## How it works\n\n- one\n- two\n\n"
        "1. first\n2. second\n\n> A quote\n\n`code`"
    )
    assert "<strong>bold</strong>" in html and "<em>em</em>" in html
    assert '<h2 id="how-it-works">How it works</h2>' in html
    assert "<ul>" in html and "<ol>" in html and "<blockquote>" in html and "<code>" in html


def test_top_level_heading_becomes_h2_so_the_page_keeps_one_h1():
    html = render_markdown("# Big\n\ntext")
    assert "<h1" not in html
    assert '<h2 id="big">Big</h2>' in html


def test_duplicate_headings_get_distinct_ids():
    html = render_markdown("## Steps\n\na\n\n## Steps\n\nb")
    assert 'id="steps"' in html and 'id="steps_1"' in html


def test_external_links_get_nofollow_noopener_and_internal_links_do_not():
    html = render_markdown("[out](https://example.org/x) and [in](/terms/relapse/)")
    assert '<a href="https://example.org/x" rel="nofollow noopener">out</a>' in html
    assert '<a href="/terms/relapse/">in</a>' in html


def test_editor_supplied_rel_and_target_are_replaced():
    html = render_markdown('<a href="https://example.org" rel="opener" target="_blank">x</a>')
    assert html == '<p><a href="https://example.org" rel="nofollow noopener">x</a></p>'


def test_bare_urls_become_safe_links():
    html = render_markdown("See https://www.samhsa.gov for help.")
    assert 'href="https://www.samhsa.gov"' in html and 'rel="nofollow noopener"' in html


def test_mailto_and_tel_links_are_allowed():
    html = render_markdown("[call](tel:988) or [mail](mailto:help@example.org)")
    assert 'href="tel:988"' in html and 'href="mailto:help@example.org"' in html


def test_text_that_looks_like_html_in_code_is_escaped():
    html = render_markdown("```\n<script>alert(1)</script>\n```")
    assert "&lt;script&gt;" in html and "<script" not in html


def test_unicode_survives():
    html = render_markdown("Check ✓, clipboard 📋, speech 💬, café — “quotes”.")
    assert "✓" in html and "📋" in html and "💬" in html and "café" in html


def test_empty_body_renders_empty():
    assert render_markdown("") == ""
