"""Hostile content and hostile requests: a corpus of XSS payloads in every field an editor
can write, checked in every place the field appears; and generated garbage requests
(hypothesis) against every public URL, which must never get a 500."""

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote

import feedparser
import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from articles.models import Category, Entry, ExpertQuote, KeyPoint

PAYLOADS = [
    line
    for line in (Path(__file__).parent / "data" / "xss-payloads.txt").read_text().splitlines()
    if line.strip()
]
SITE = "https://glossary.example.org"
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "background", "poster",
                  "data", "srcset", "ping", "lowsrc", "dynsrc", "codebase", "cite"}  # fmt: skip
FORBIDDEN_TAGS = {"iframe", "object", "embed", "frame", "frameset", "applet", "base", "svg",
                  "math", "style", "template", "isindex", "keygen", "xss", "image"}  # fmt: skip
SAFE_SCRIPT_TYPES = {"application/ld+json", "application/json"}


class ExecutableMarkup(HTMLParser):
    """Collects everything in a page a browser could execute or load as active content.
    `allowed` names elements the page itself legitimately has (the admin's SVG icons)."""

    def __init__(self, allowed=()):
        super().__init__(convert_charrefs=True)
        self.problems = []
        self.forbidden = FORBIDDEN_TAGS - set(allowed)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        where = f"<{tag} {attrs}>"
        if tag in self.forbidden:
            self.problems.append(f"forbidden element {where}")
        if tag == "script":
            src = attrs.get("src") or ""
            if attrs.get("type") not in SAFE_SCRIPT_TYPES and not src.startswith(
                ("/static/", "/admin/jsi18n/")
            ):
                self.problems.append(f"script {where}")
        if tag == "meta" and "http-equiv" in attrs:
            self.problems.append(f"meta refresh {where}")
        if tag == "link" and attrs.get("rel") not in {
            "stylesheet", "icon", "canonical", "alternate", "prev", "next"
        }:  # fmt: skip
            self.problems.append(f"link {where}")
        for name, value in attrs.items():
            if name.startswith("on"):
                self.problems.append(f"event handler {where}")
            if name == "style":
                self.problems.append(f"style attribute {where}")
            if name in URL_ATTRIBUTES and value:
                # (HTMLParser has decoded character references, as a browser does.)
                scheme = re.sub(r"[\x00-\x20]", "", value).lower()
                if scheme.startswith(("javascript:", "vbscript:", "data:")):
                    self.problems.append(f"active URL {where}")
            if name in {"href", "src", "action"} and value:
                if tag in {"link", "script", "form", "img"} and not value.startswith(
                    ("/", SITE, "#", "?", "https://")
                ):
                    self.problems.append(f"foreign resource {where}")

    handle_startendtag = handle_starttag


def executable_markup(page, allowed=()):
    parser = ExecutableMarkup(allowed)
    parser.feed(page.decode() if isinstance(page, bytes) else page)
    parser.close()
    return parser.problems


def test_the_corpus_is_large_and_the_checker_catches_payloads():
    assert len(PAYLOADS) >= 100
    caught = [p for p in PAYLOADS if executable_markup(f"<div>{p}</div>")]
    # Most payloads are executable as raw HTML (the rest are Markdown or encodings that
    # only turn dangerous if something decodes them).
    assert len(caught) >= 70


def make_hostile_glossary():
    """One entry per payload, with the payload in every field an editor can write."""
    articles = []
    for n, payload in enumerate(PAYLOADS):
        category = Category.objects.create(
            name=f"{payload[:90]} {n}", slug=f"hostile-{n}", description=payload[:300]
        )
        article = Entry.objects.create(
            title=f"{payload[:180]} xsscorpus {n}",
            slug=f"xss-{n}",
            category=category,
            aliases=f"{payload}\nalias {n}",
            definition=f"xsscorpus {payload}",
            tldr=payload,
            body=f"## {payload}\n\n{payload}\n\n* {payload}\n\n[{n}]({payload})\n",
            status=Entry.Status.PUBLISHED,
        )
        KeyPoint.objects.create(article=article, text=payload[:300])
        ExpertQuote.objects.create(article=article, text=payload, attribution=payload[:200])
        articles.append(article)
    for first, second in zip(articles, articles[1:], strict=False):
        first.related.add(second)
    return articles


@pytest.fixture
def hostile_glossary(db):
    return make_hostile_glossary()


def test_no_payload_survives_on_any_page(client, hostile_glossary):
    pages = {f"/terms/xss-{n}/": None for n in range(len(PAYLOADS))}
    pages |= {f"/categories/hostile-{n}/": None for n in range(0, len(PAYLOADS), 7)}
    pages |= dict.fromkeys(["/", "/terms/", "/search/?q=xsscorpus", "/search/?q=alias"])
    pages["/search/?q=xsscorpus&page=2"] = None
    problems = {}
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        if found := executable_markup(response.content):
            problems[path] = found[:3]
    assert not problems


def test_no_payload_survives_in_the_admin(client, editor, hostile_glossary):
    client.force_login(editor)
    pages = ["/admin/articles/entry/", "/admin/articles/entry/?q=xsscorpus",
             "/admin/articles/category/"]  # fmt: skip
    pages += [f"/admin/articles/entry/{a.pk}/change/" for a in hostile_glossary[::10]]
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        # The admin draws its icons with inline SVG (symbols and <use>), none from content.
        assert not executable_markup(response.content, allowed={"svg"}), path


def test_feed_and_sitemap_carry_payloads_as_text(client, hostile_glossary):
    feed = client.get("/feed/")
    parsed = feedparser.parse(feed.content)
    assert not parsed.bozo
    titles = {SITE + a.get_absolute_url(): a.title for a in hostile_glossary}
    for entry in parsed.entries:
        # Atom "html" content: what a reader would render must have no markup.
        assert not executable_markup(entry.summary) and "<" not in entry.summary
        # Titles are Atom text: they arrive as the very same text.
        assert entry.title == titles[entry.link].strip()
    sitemap = client.get("/sitemap.xml").content.decode()
    assert "<script" not in sitemap and "javascript:" not in sitemap


# Hostile requests

PUBLIC_PATHS = ["/", "/terms/", "/terms/peer-support/", "/categories/community-support/",
                "/search/", "/search/suggest/", "/feed/", "/sitemap.xml", "/sitemap-terms.xml",
                "/robots.txt", "/healthz", "/admin/login/"]  # fmt: skip
METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"]
text = st.text(alphabet=st.characters(codec="utf-8"), max_size=300)
# What a WSGI server hands over for headers: bytes decoded as latin-1.
header_text = st.text(alphabet=st.characters(max_codepoint=255), max_size=300)
junk = st.one_of(
    text,
    st.binary(max_size=300).map(lambda b: quote(b, safe="")),
    st.sampled_from(["..", "../..", "%00", "%2e%2e%2f", "%ff%fe", "\x00", "%", "%%", "?", "#",
                     "a" * 5000, "é" * 300, "<script>", "'", '"', "\\", "%0d%0aSet-Cookie:x=1"]),
)  # fmt: skip
health = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]


@pytest.fixture
def raw_client(db, make_entry, make_category):
    category = make_category(slug="community-support")
    make_entry(title="Peer Support", slug="peer-support", category=category)
    return Client(raise_request_exception=False)


@settings(max_examples=150, deadline=None, suppress_health_check=health)
@given(
    path=st.sampled_from(PUBLIC_PATHS),
    params=st.lists(st.tuples(st.sampled_from(["q", "page", "p", "utm_source", "x"]) | text,
                              junk), max_size=4),
    method=st.sampled_from(METHODS),
)  # fmt: skip
def test_garbage_query_strings_never_cause_a_500(raw_client, path, params, method):
    query = "&".join(f"{quote(k, safe='')}={quote(v, safe='%')}" for k, v in params)
    response = raw_client.generic(method, f"{path}?{query}")
    assert response.status_code < 500, (method, path, query)


@settings(max_examples=150, deadline=None, suppress_health_check=health)
@given(
    prefix=st.sampled_from(["/terms/", "/categories/", "/search/", "/", "/admin/", "/feed/"]),
    segment=junk,
    tail=st.sampled_from(["", "/", "/..", "/%00", "/x/y/z"]),
)
def test_garbage_paths_never_cause_a_500(raw_client, prefix, segment, tail):
    path = prefix + quote(segment, safe="%/.") + tail
    response = raw_client.get(path)
    assert response.status_code < 500, path


@settings(max_examples=60, deadline=None, suppress_health_check=health)
@given(
    host=st.one_of(
        header_text, st.sampled_from(["evil.example", "localhost:99999", "[::1", "a" * 300])
    ),
    headers=st.dictionaries(
        st.sampled_from(["HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE", "HTTP_RANGE",
                         "HTTP_ACCEPT", "HTTP_COOKIE", "HTTP_USER_AGENT", "HTTP_REFERER",
                         "HTTP_X_FORWARDED_FOR", "HTTP_SEC_PURPOSE"]),
        header_text, max_size=4,
    ),
)  # fmt: skip
def test_forged_hosts_and_odd_headers_never_cause_a_500(raw_client, host, headers):
    for path in ("/terms/peer-support/", "/search/?q=peer", "/sitemap.xml"):
        clean = {k: v.replace("\r", "").replace("\n", "") for k, v in headers.items()}
        response = raw_client.get(path, HTTP_HOST=host, **clean)
        assert response.status_code < 500, (host, headers)


# In a real browser

WATCH = """
window.__ran = [];
for (const name of ["alert", "confirm", "prompt", "print"]) {
  window[name] = (...args) => { window.__ran.push(name); };
}
document.addEventListener("securitypolicyviolation", (event) => {
  window.__ran.push("csp:" + event.violatedDirective + " " + event.blockedURI);
});
"""


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_no_payload_runs_in_a_browser(live_server, page):
    articles = make_hostile_glossary()
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.add_init_script(WATCH)
    paths = ["/", "/terms/", "/search/?q=xsscorpus", "/categories/hostile-0/"]
    paths += [article.get_absolute_url() for article in articles]
    ran = {}
    for path in paths:
        page.goto(live_server.url + path)
        page.wait_for_load_state("load")
        # Give timers, focus and animation handlers a moment to fire.
        page.mouse.move(200, 300)
        page.keyboard.press("Tab")
        page.wait_for_timeout(30)
        if events := page.evaluate("window.__ran"):
            ran[path] = events
    assert not dialogs
    assert not ran
