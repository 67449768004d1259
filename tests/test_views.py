import re

import pytest
from django.utils import timezone

from articles.delivery import page_cache
from articles.models import Entry


@pytest.fixture
def entry(make_entry, make_category):
    category = make_category(name="Lifestyle & Health", slug="lifestyle-health")
    return make_entry(
        title="Peer Support",
        slug="peer-support",
        category=category,
        aliases="Mutual aid",
        definition="Mutual aid between people in recovery.",
        tldr="Peer support is mutual help.",
        body="Intro.\n\n## How it works\n\nText.",
        key_points=["Mutual, not one-sided.", "Complements clinical care."],
        quotes=[("Connection beats isolation.", "Certified peer recovery specialist")],
        view_count=1233,
    )


def test_term_page_shows_the_whole_entry_in_reading_order(human, entry):
    response = human.get("/terms/peer-support/")
    assert response.status_code == 200
    html = response.content.decode()
    html = html[html.index("<main") :]
    markers = [
        'aria-label="Breadcrumb"',
        "Lifestyle &amp; Health",
        "<h1>Peer Support</h1>",
        "Mutual aid between people in recovery.",
        "TL;DR",
        "Peer support is mutual help.",
        "Expert Insights",
        "Connection beats isolation.",
        "— Certified peer recovery specialist",
        "Key Points",
        "✓</span> Mutual, not one-sided.",
        "✓</span> Complements clinical care.",
        '<h2 id="how-it-works">How it works</h2>',
        "Last updated:",
    ]
    positions = [html.find(marker) for marker in markers]
    assert -1 not in positions, [m for m, p in zip(markers, positions, strict=True) if p == -1]
    assert positions == sorted(positions)


def test_term_page_shows_a_real_date_and_humanized_views(human, entry):
    html = human.get("/terms/peer-support/").content.decode()
    today = timezone.now()
    expected = f"{today:%B} {today.day}, {today.year}"
    assert re.search(rf"Last updated: <time datetime=\"[^\"]+\">{expected}</time>", html)
    # As stored when the page was made (this read is counted after it, in memory).
    assert "· 1,233 views" in html


def test_single_view_is_singular(human, make_entry):
    make_entry(slug="fresh", view_count=1)
    assert "· 1 view<" in human.get("/terms/fresh/").content.decode()


def test_page_is_utf8_and_icons_arrive_intact(human, entry):
    response = human.get("/terms/peer-support/")
    assert response["Content-Type"] == "text/html; charset=utf-8"
    html = response.content.decode("utf-8")
    assert '<meta charset="utf-8">' in html
    for character in ("✓", "—", "“", "·"):  # (section icons are drawn by the stylesheet)
        assert character in html
    for mojibake in ("đź", "âś", "â€"):
        assert mojibake not in html


def test_related_terms_link_to_published_entries_only(human, entry, make_entry):
    shown = make_entry(title="Sponsor", slug="sponsor")
    hidden = make_entry(title="Secret", slug="secret", status=Entry.Status.DRAFT)
    entry.related.add(shown, hidden)
    html = human.get("/terms/peer-support/").content.decode()
    assert 'href="/terms/sponsor/"' in html
    assert "/terms/secret/" not in html


def test_term_page_query_count_is_constant(human, entry, make_entry, django_assert_max_num_queries):
    for n in range(8):
        entry.related.add(make_entry(key_points=["a", "b", "c"], quotes=[("q", "who")]))
        entry.key_points.create(text=f"point {n}", order=10 + n)
        entry.quotes.create(text=f"quote {n}", attribution="role", order=10 + n)
    page_cache.clear()
    # The glossary's versions (twice: read each time in tests), the entry, the view count
    # (written at once in tests: a savepoint, the total, the day's views, the release),
    # its parts (related entries, key points, quotes, sources: entry_parts.py) and the
    # cross-links' names (those beginning with the page's words, then their entries).
    with django_assert_max_num_queries(10):
        response = human.get("/terms/peer-support/")
    assert response.content.decode().count("✓</span>") == 10
    with django_assert_max_num_queries(5):  # the shared copy: versions and the view
        assert human.get("/terms/peer-support/").content == response.content


def test_draft_returns_404(human, make_entry):
    make_entry(slug="draft", status=Entry.Status.DRAFT)
    response = human.get("/terms/draft/")
    assert response.status_code == 404


def test_scheduled_entry_returns_404_until_its_time(human, make_entry):
    make_entry(slug="soon", published_at=timezone.now() + timezone.timedelta(days=1))
    assert human.get("/terms/soon/").status_code == 404


def test_not_found_page_helps_the_reader(client, db):
    response = client.get("/terms/no-such-term/")
    assert response.status_code == 404
    html = response.content.decode()
    assert 'href="/terms/"' in html
    assert 'action="/search/"' in html and 'name="q"' in html
    assert '<meta name="robots" content="noindex">' in html


def test_unknown_category_and_path_are_404(client, db):
    assert client.get("/categories/nope/").status_code == 404
    assert client.get("/nowhere/").status_code == 404


def test_server_error_page_renders_without_context():
    from django.template.loader import get_template

    html = get_template("500.html").render()
    assert "Something went wrong" in html and 'href="/terms/"' in html


def test_index_groups_terms_by_letter(client, make_entry):
    for title in ("Relapse", "relapse prevention", "Árbol", "12-Step Program", "Zen", "craving"):
        make_entry(title=title, slug=re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-"))
    make_entry(title="Hidden", slug="hidden", status=Entry.Status.DRAFT)
    html = client.get("/terms/").content.decode()
    # Letters with terms are links; letters without are shown but not linked.
    assert 'href="#letter-R"' in html and 'href="#letter-other"' in html
    assert 'href="#letter-B"' not in html and ">B</span>" in html
    sections = dict(re.findall(r'<h2 id="letter-(\w+)">.*?</h2>\s*<ul[^>]*>(.*?)</ul>', html, re.S))
    assert "12-Step Program" in sections["other"]
    assert "Árbol" in sections["A"]
    assert sections["R"].index("Relapse<") < sections["R"].index("relapse prevention")
    assert "Hidden" not in html
    assert "6 terms" in html


def test_index_has_an_empty_state(client, db):
    assert "No terms have been published yet." in client.get("/terms/").content.decode()


def test_category_page_lists_its_published_terms(client, make_entry, make_category):
    category = make_category(name="Risks & Safety", slug="risks-safety")
    make_entry(title="Overdose", slug="overdose", category=category)
    make_entry(title="Draft one", slug="draft-one", category=category, status="draft")
    make_entry(title="Elsewhere", slug="elsewhere")
    html = client.get("/categories/risks-safety/").content.decode()
    assert "<h1>Risks &amp; Safety</h1>" in html
    assert 'href="/terms/overdose/"' in html
    assert "Draft one" not in html and "Elsewhere" not in html


def test_empty_category_says_so(client, make_category):
    make_category(slug="empty")
    assert "No terms in this category yet." in client.get("/categories/empty/").content.decode()


def test_home_shows_search_categories_most_viewed_and_recent(client, make_entry):
    make_entry(title="Popular", slug="popular", view_count=900)
    make_entry(title="Quiet", slug="quiet", view_count=3)
    html = client.get("/").content.decode()
    assert 'action="/search/"' in html and 'method="get"' in html
    assert "Categories" in html and "Most viewed" in html and "Recently updated" in html
    most_viewed = html[html.index("Most viewed") : html.index("Recently updated")]
    assert most_viewed.index("Popular") < most_viewed.index("Quiet")
    assert "900 views" in most_viewed


def test_home_query_count_does_not_grow_with_content(
    client, make_entry, django_assert_max_num_queries
):
    for _ in range(12):
        make_entry()
    # Categories, most viewed, trending this week (none viewed: no entry to read),
    # recently updated, and two for the cache key.
    with django_assert_max_num_queries(6):
        client.get("/")
    with django_assert_max_num_queries(2):  # from the cache
        client.get("/")


def test_index_and_category_query_counts_are_constant(
    client, make_entry, make_category, django_assert_max_num_queries
):
    category = make_category(slug="busy")
    for _ in range(15):
        make_entry(category=category)
    # The page's own query (plus the category's, or the letter counts), two for its
    # validators, one for the shared copy's versions (middleware.py).
    with django_assert_max_num_queries(5):
        client.get("/terms/")
    with django_assert_max_num_queries(5):
        client.get("/categories/busy/")


def test_a_large_index_has_a_page_per_letter(client, make_entry, monkeypatch):
    from articles import views

    monkeypatch.setattr(views, "INDEX_ONE_PAGE", 5)
    monkeypatch.setattr(views, "INDEX_PAGE_SIZE", 2)
    from django.utils.text import slugify

    for title in ("Alpha", "Ábaco", "Anchor", "Beta", "Bravo", "Zulu", "7 Cups"):
        make_entry(title=title, slug=slugify(title))
    html = client.get("/terms/").content.decode()
    assert "7 terms in the glossary." in html
    assert '<a href="?letter=B" title="2 terms">B</a>' in html  # the bar links to letters
    # The overview: each letter with its number of terms.
    assert (
        '<a href="?letter=%23">Numbers and symbols</a> <span class="letter-overview__count">1 term'
        in html
    )
    first = client.get("/terms/?letter=A").content.decode()
    assert re.findall(r'<li><a href="/terms/([^/]+)/">', first) == ["abaco", "alpha"]
    assert '<link rel="canonical" href="https://glossary.example.org/terms/?letter=A">' in first
    assert 'href="?letter=A&amp;page=2" rel="next"' in first
    second = client.get("/terms/?letter=A&page=2").content.decode()
    assert re.findall(r'<li><a href="/terms/([^/]+)/">', second) == ["anchor"]
    assert "?letter=A&amp;page=2" in second and 'rel="prev"' in second
    assert client.get("/terms/?letter=A&page=3").status_code == 404
    assert client.get("/terms/?letter=A&page=x").status_code == 404
    assert "letter-overview" in client.get("/terms/?letter=%3Cscript%3E").content.decode()


def test_sqlite_planner_statistics_are_kept(make_entry):
    """Rebuilds, imports and `migrate` give SQLite's planner current statistics: with them
    (bench/serve.py, 100,000 entries) it reads the most viewed entries in index order and
    related entries by id, rather than walking every public entry."""
    from django.db import connection

    from articles.models import Entry
    from articles.search.indexing import refresh_planner_statistics

    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL keeps its own statistics")
    for _ in range(5):
        make_entry()
    refresh_planner_statistics()
    with connection.cursor() as cursor:
        cursor.execute("SELECT idx, stat FROM sqlite_stat1 WHERE tbl = 'articles_article'")
        stats = dict(cursor.fetchall())
    assert stats["article_views_idx"].startswith("5 ")
    published = Entry.objects.published()
    most_viewed = published.select_related("category").order_by("-view_count", "title")[:8]
    assert "USING INDEX article_views_idx" in most_viewed.explain()
    recent = published.select_related("category").order_by("-updated_at", "title")[:8]
    assert "USING INDEX article_updated_idx" in recent.explain()
