"""What search engines and link previews read, parsed the way they parse it: sitemaps,
robots.txt, canonical links, OpenGraph, JSON-LD, the Atom feed, redirects and 304s."""

import html
import json
import re
import xml.etree.ElementTree as ET
from collections import deque
from datetime import datetime
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser

import extruct
import feedparser
import pytest
from django.contrib.sitemaps import Sitemap
from django.utils import timezone
from django.utils.http import http_date

from articles.models import Entry

SITE = "https://glossary.example.org"  # KB_SITE_URL in the test settings
SITEMAP_NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def local(url):
    """The path (and query) of one of our absolute URLs, for the test client."""
    assert url.startswith(SITE + "/"), url
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def sitemap_entries(client, path="/sitemap.xml"):
    """{location: lastmod} of a sitemap, following a sitemap index."""
    response = client.get(path)
    assert response.status_code == 200
    root = ET.fromstring(response.content)
    if root.tag == f"{{{SITEMAP_NS['sm']}}}sitemapindex":
        entries = {}
        for loc in root.findall("sm:sitemap/sm:loc", SITEMAP_NS):
            entries |= sitemap_entries(client, local(loc.text))
        return entries
    assert root.tag == f"{{{SITEMAP_NS['sm']}}}urlset"
    return {
        url.find("sm:loc", SITEMAP_NS).text: url.find("sm:lastmod", SITEMAP_NS).text
        for url in root.findall("sm:url", SITEMAP_NS)
    }


def metadata(response):
    return extruct.extract(
        response.content.decode(), base_url=SITE, syntaxes=["json-ld", "opengraph"]
    )


def json_ld_nodes(response):
    nodes = {}
    for block in metadata(response)["json-ld"]:
        for node in block.get("@graph", [block]):
            nodes[node["@type"]] = node
    return nodes


def canonical(response):
    found = re.findall(r'<link rel="canonical" href="([^"]+)">', response.content.decode())
    return html.unescape(found[0]) if found else None


@pytest.fixture
def glossary(make_entry, make_category):
    """Two categories of public entries, a draft and a scheduled entry."""
    support = make_category(name="Community & Support", slug="community-support")
    medicine = make_category(name="Medication", slug="medication")
    peer = make_entry(
        title="Peer Support",
        slug="peer-support",
        category=support,
        aliases="Peer recovery support\nPeer mentoring",
        definition="Mutual aid between people who share the experience of recovery. " * 4,
    )
    naloxone = make_entry(title="Naloxone", slug="naloxone", category=medicine, aliases="Narcan")
    peer.related.add(naloxone)
    make_entry(title="Draft Entry", slug="draft-entry", status=Entry.Status.DRAFT)
    make_entry(
        title="Scheduled Entry",
        slug="scheduled-entry",
        published_at=timezone.now() + timezone.timedelta(days=3),
    )
    return {"peer": peer, "naloxone": naloxone, "support": support, "medicine": medicine}


# Sitemaps


def test_sitemap_lists_exactly_the_public_pages_with_their_update_times(client, glossary):
    entries = sitemap_entries(client)
    public = Entry.objects.published()
    expected = {SITE + "/", SITE + "/terms/"}
    expected |= {SITE + a.get_absolute_url() for a in public}
    expected |= {SITE + "/categories/community-support/", SITE + "/categories/medication/"}
    assert set(entries) == expected
    for article in public:
        lastmod = datetime.fromisoformat(entries[SITE + article.get_absolute_url()])
        assert lastmod == article.updated_at
    assert not any("draft" in url or "scheduled" in url for url in entries)


def test_sitemap_becomes_an_index_of_pages_beyond_the_url_limit(
    client, glossary, make_entry, monkeypatch
):
    for _ in range(5):
        make_entry()
    monkeypatch.setattr(Sitemap, "limit", 3)
    root = ET.fromstring(client.get("/sitemap.xml").content)
    assert root.tag.endswith("sitemapindex")
    locations = [loc.text for loc in root.findall("sm:sitemap/sm:loc", SITEMAP_NS)]
    assert SITE + "/sitemap-terms.xml?p=2" in locations
    assert all(loc.startswith(SITE + "/sitemap-") for loc in locations)
    terms = {url for url in sitemap_entries(client) if "/terms/" in url and url != SITE + "/terms/"}
    assert terms == {SITE + a.get_absolute_url() for a in Entry.objects.published()}
    assert client.get("/sitemap-nonsense.xml").status_code == 404
    assert client.get("/sitemap-terms.xml?p=99").status_code == 404


# robots.txt


def test_robots_txt_allows_content_and_hides_admin_and_search(client, glossary):
    response = client.get("/robots.txt")
    assert response["Content-Type"].startswith("text/plain")
    robots = RobotFileParser()
    robots.parse(response.content.decode().splitlines())
    for path in ("/", "/terms/", "/terms/peer-support/", "/categories/medication/", "/feed/"):
        assert robots.can_fetch("Googlebot", SITE + path), path
    for path in ("/admin/", "/admin/articles/entry/", "/search/?q=relapse", "/search/suggest/"):
        assert not robots.can_fetch("Googlebot", SITE + path), path
    assert robots.site_maps() == [SITE + "/sitemap.xml"]


# The head of every page


def test_term_page_head_describes_the_entry(client, glossary):
    peer = glossary["peer"]
    response = client.get("/terms/peer-support/")
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "<title>Peer Support: meaning and guide · Recovery Glossary</title>" in html
    description = re.search(r'<meta name="description" content="([^"]*)">', html).group(1)
    assert len(description) <= 160 and description.endswith("…")
    assert peer.definition.startswith(description[:-1])  # cut at a word, not inside one
    assert peer.definition[len(description) - 1] == " "
    assert canonical(response) == SITE + "/terms/peer-support/"
    assert 'name="robots"' not in html
    og = dict(metadata(response)["opengraph"][0]["properties"])
    assert og["og:title"] == "Peer Support: meaning and guide"
    assert og["og:url"] == SITE + "/terms/peer-support/"
    assert og["og:type"] == "article" and og["og:description"] == description
    assert 'name="twitter:card" content="summary"' in html
    assert 'rel="alternate" type="application/atom+xml"' in html


def test_term_page_structured_data(client, glossary):
    peer = glossary["peer"]
    nodes = json_ld_nodes(client.get("/terms/peer-support/"))
    term = nodes["DefinedTerm"]
    assert term["name"] == "Peer Support"
    assert term["description"] == peer.definition
    assert term["url"] == SITE + "/terms/peer-support/"
    assert term["alternateName"] == ["Peer recovery support", "Peer mentoring"]
    assert term["inDefinedTermSet"]["@type"] == "DefinedTermSet"
    assert term["inDefinedTermSet"]["url"] == SITE + "/terms/"
    page = nodes["MedicalWebPage"]
    assert datetime.fromisoformat(page["dateModified"]) == peer.updated_at.replace(microsecond=0)
    assert datetime.fromisoformat(page["datePublished"]) == peer.published_at.replace(microsecond=0)
    crumbs = nodes["BreadcrumbList"]["itemListElement"]
    assert [(c["position"], c["name"], c["item"]) for c in crumbs] == [
        (1, "Home", SITE + "/"),
        (2, "Community & Support", SITE + "/categories/community-support/"),
        (3, "Peer Support", SITE + "/terms/peer-support/"),
    ]


def test_index_page_describes_the_glossary(client, glossary):
    nodes = json_ld_nodes(client.get("/terms/"))
    assert nodes["DefinedTermSet"]["url"] == SITE + "/terms/"
    assert nodes["DefinedTermSet"]["name"] == "Recovery Glossary"


def test_every_page_has_a_unique_title_and_a_description(client, glossary):
    paths = ["/", "/terms/", "/categories/medication/", "/categories/community-support/"]
    paths += ["/terms/peer-support/", "/terms/naloxone/", "/search/?q=naloxone"]
    titles = []
    for path in paths:
        html = client.get(path).content.decode()
        titles.append(re.search(r"<title>([^<]+)</title>", html).group(1))
        description = re.search(r'<meta name="description" content="([^"]+)">', html).group(1)
        assert 20 <= len(description) <= 160, path
    assert len(set(titles)) == len(titles)


def test_search_results_and_errors_are_noindex(client, glossary):
    for path, status in [("/search/?q=naloxone", 200), ("/search/", 200), ("/no-such/", 404)]:
        response = client.get(path)
        assert response.status_code == status
        assert '<meta name="robots" content="noindex">' in response.content.decode(), path
        assert canonical(response) is None


def test_canonical_comes_from_settings_not_from_the_host_header(client, glossary):
    response = client.get(
        "/terms/naloxone/?utm_source=newsletter&utm_medium=email",
        HTTP_HOST="localhost",
        HTTP_X_FORWARDED_HOST="attacker.example",
        HTTP_X_FORWARDED_PROTO="http",
    )
    assert canonical(response) == SITE + "/terms/naloxone/"
    html = response.content.decode()
    assert "localhost" not in html and "attacker" not in html
    feed = client.get("/feed/", HTTP_HOST="localhost").content.decode()
    assert "localhost" not in feed
    assert "localhost" not in client.get("/sitemap.xml", HTTP_HOST="localhost").content.decode()


def test_content_cannot_break_out_of_the_json_ld_block(client, make_entry):
    hostile = '</script><script>alert("x")</script><!-- & "quotes"'
    make_entry(title=f"Evil {hostile}", slug="evil", definition=f"Def {hostile}", aliases=hostile)
    html = client.get("/terms/evil/").content.decode()
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert len(blocks) == 1
    assert "<" not in blocks[0] and ">" not in blocks[0]
    data = json.loads(blocks[0])
    term = next(node for node in data["@graph"] if node["@type"] == "DefinedTerm")
    assert term["name"] == f"Evil {hostile}"  # the same text, safely encoded
    assert term["alternateName"] == [hostile]
    assert "<script>alert" not in html


# Addresses


def test_renamed_entry_redirects_from_every_old_address(client, make_entry):
    article = make_entry(title="Sober Living", slug="sober-house")
    article.slug = "sober-living-home"
    article.save()
    article.slug = "sober-living"
    article.save()
    for old in ("/terms/sober-house/", "/terms/sober-living-home/", "/terms/SOBER-HOUSE/"):
        response = client.get(old)
        assert response.status_code == 301, old
        assert response["Location"] == "/terms/sober-living/"
    assert client.get("/terms/sober-living/").status_code == 200
    # Renamed back: the address is live again, not a redirect.
    article.slug = "sober-house"
    article.save()
    assert client.get("/terms/sober-house/").status_code == 200
    assert client.get("/terms/sober-living/")["Location"] == "/terms/sober-house/"


def test_an_old_address_taken_by_another_entry_serves_that_entry(client, make_entry):
    first = make_entry(slug="recovery-capital")
    first.slug = "recovery-resources"
    first.save()
    make_entry(title="Recovery Capital", slug="recovery-capital")
    response = client.get("/terms/recovery-capital/")
    assert response.status_code == 200 and b"Recovery Capital" in response.content


def test_redirect_keeps_the_query_and_points_only_to_public_entries(client, make_entry):
    article = make_entry(slug="old-name")
    article.slug = "new-name"
    article.save()
    response = client.get("/terms/old-name/?utm_source=x")
    assert response["Location"] == "/terms/new-name/?utm_source=x"
    article.status = Entry.Status.DRAFT
    article.save()
    assert client.get("/terms/old-name/").status_code == 404
    assert client.get("/terms/new-name/").status_code == 404


def test_deleted_entry_is_gone_at_every_address(client, make_entry):
    article = make_entry(title="Retired Term", slug="retired-term")
    article.slug = "retired"
    article.save()
    article.delete()
    for path in ("/terms/retired/", "/terms/retired-term/", "/terms/Retired/"):
        response = client.get(path)
        assert response.status_code == 410, path
        assert b"Retired Term" in response.content and b"noindex" in response.content
    draft = make_entry(slug="never-public", status=Entry.Status.DRAFT)
    draft.delete()
    assert client.get("/terms/never-public/").status_code == 404


def test_one_address_per_page(client, glossary):
    assert client.get("/terms/Peer-Support/")["Location"] == "/terms/peer-support/"
    assert client.get("/Terms/peer-support/")["Location"] == "/terms/peer-support/"
    assert client.get("/TERMS/PEER-SUPPORT")["Location"] == "/terms/peer-support/"
    assert client.get("/terms/peer-support")["Location"] == "/terms/peer-support/"
    assert client.get("/Categories/Medication/")["Location"] == "/categories/medication/"
    assert client.get("/categories/MEDICATION/")["Location"] == "/categories/medication/"
    assert client.get("/TERMS/no-such-term/", follow=True).status_code == 404
    assert client.get("/no/such/page/").status_code == 404
    response = client.get("/terms/peer-support/?utm_campaign=spring&ref=x")
    assert response.status_code == 200
    assert canonical(response) == SITE + "/terms/peer-support/"


# Conditional GET


@pytest.mark.parametrize("path", ["/terms/peer-support/", "/terms/", "/categories/medication/"])
def test_unchanged_pages_answer_304_without_a_body(client, glossary, path):
    first = client.get(path)
    assert first.status_code == 200
    assert first["ETag"] and first["Last-Modified"] and "Cache-Control" in first
    again = client.get(path, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == first["ETag"]
    since = client.get(path, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert since.status_code == 304 and since.content == b""
    assert client.get(path, HTTP_IF_NONE_MATCH='W/"something-else"').status_code == 200


def test_a_change_invalidates_the_validators(client, glossary):
    peer, naloxone = glossary["peer"], glossary["naloxone"]
    pages = ["/terms/peer-support/", "/terms/", "/categories/medication/"]
    etags = {path: client.get(path)["ETag"] for path in pages}
    naloxone.definition = "An opioid overdose reversal medication."
    naloxone.save()  # shown on Peer Support (related), the index and its category
    for path in pages:
        response = client.get(path, HTTP_IF_NONE_MATCH=etags[path])
        assert response.status_code == 200, path
    # Unpublishing changes the lists too.
    etag = client.get("/terms/")["ETag"]
    naloxone.status = Entry.Status.DRAFT
    naloxone.save()
    assert client.get("/terms/", HTTP_IF_NONE_MATCH=etag).status_code == 200
    # A key point changes its entry's page.
    etag = client.get("/terms/peer-support/")["ETag"]
    peer.key_points.create(text="A new key point")
    response = client.get("/terms/peer-support/", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200 and b"A new key point" in response.content


def test_deleting_an_entry_moves_the_lists_last_modified(client, glossary, make_entry):
    doomed = make_entry(category=glossary["medicine"])
    response = client.get("/categories/medication/")
    doomed.delete()
    late = http_date(timezone.now().timestamp() + 1)
    assert (
        client.get("/categories/medication/", HTTP_IF_NONE_MATCH=response["ETag"]).status_code
        == 200
    )
    assert client.get("/terms/", HTTP_IF_MODIFIED_SINCE=late).status_code == 304


def test_a_revalidated_read_still_counts_as_a_view(human, glossary):
    first = human.get("/terms/naloxone/")
    human.get("/terms/naloxone/", HTTP_IF_NONE_MATCH=first["ETag"])
    glossary["naloxone"].refresh_from_db()
    assert glossary["naloxone"].view_count == 2


def test_signed_in_pages_are_private(client, glossary, editor):
    client.force_login(editor)
    response = client.get("/terms/peer-support/")
    assert "private" in response["Cache-Control"] and "public" not in response["Cache-Control"]


# The feed


def test_feed_lists_public_entries_newest_first(client, glossary):
    feed = feedparser.parse(client.get("/feed/").content)
    assert not feed.bozo
    assert feed.feed.title == "Recovery Glossary: new and updated entries"
    links = [entry.link for entry in feed.entries]
    public = Entry.objects.published().order_by("-updated_at")
    assert links == [SITE + article.get_absolute_url() for article in public]
    updated = [datetime.fromisoformat(entry.updated) for entry in feed.entries]
    assert updated == sorted(updated, reverse=True)
    entry = feed.entries[links.index(SITE + "/terms/naloxone/")]
    assert entry.title == "Naloxone" and entry.summary == glossary["naloxone"].definition


# A crawler's walk


@pytest.mark.parametrize("one_page", [2000, 10], ids=["one index page", "a page per letter"])
def test_a_crawler_reaches_every_public_entry_through_links(
    client, glossary, make_entry, monkeypatch, one_page
):
    from articles import views

    monkeypatch.setattr(views, "INDEX_ONE_PAGE", one_page)
    monkeypatch.setattr(views, "INDEX_PAGE_SIZE", 4)
    for n in range(30):
        make_entry(title=f"Extra Term {n:02}", category=glossary["medicine"])
    robots = RobotFileParser()
    robots.parse(client.get("/robots.txt").content.decode().splitlines())
    seen, queue, pages = {"/"}, deque(["/"]), {}
    while queue:
        path = queue.popleft()
        response = client.get(path)
        assert response.status_code == 200, path
        if not response["Content-Type"].startswith("text/html"):
            continue  # the feed
        html = response.content.decode()
        pages[path] = canonical(response)
        for href in re.findall(r'<a [^>]*href="([^"#]+)', html):
            url = urljoin(SITE + path, href.replace("&amp;", "&"))
            if not url.startswith(SITE + "/") or not robots.can_fetch("Googlebot", url):
                continue
            target = local(url)
            if target not in seen:
                seen.add(target)
                queue.append(target)
    expected = {article.get_absolute_url() for article in Entry.objects.published()}
    assert expected <= set(pages)
    # Every page it saw names itself as canonical.
    for path, canonical_url in pages.items():
        assert canonical_url == SITE + path, path
