"""Automatic cross-links between entries (articles/pages/linking.py) and reading aids."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles.models import Entry
from articles.pages import reading


def links(html):
    return re.findall(r'<a class="term-link" href="([^"]+)"[^>]*>([^<]+)</a>', html)


@pytest.fixture
def terms(make_entry):
    make_entry(title="Relapse", slug="relapse", aliases="Slip")
    make_entry(title="Relapse Prevention", slug="relapse-prevention")
    make_entry(title="Alcoholics Anonymous", slug="aa", aliases="AA")
    make_entry(title="HALT", slug="halt")


def body_of(client, slug):
    html = client.get(f"/terms/{slug}/").content.decode()
    return html[html.index('<div class="term__body') : html.index('<footer class="term__footer')]


def test_first_mention_links_longest_match_whole_words(client, terms, make_entry):
    make_entry(
        slug="reader",
        body=(
            "## Plans\n\nA relapse prevention plan helps after a Relapse. "
            "Another relapse is not linked twice. Relapsed and slippery are other words."
        ),
    )
    found = links(body_of(client, "reader"))
    assert found == [("/terms/relapse-prevention/", "relapse prevention"),
                     ("/terms/relapse/", "Relapse")]  # fmt: skip


def test_never_in_headings_links_code_or_self(client, terms, make_entry):
    make_entry(
        title="Sponsor",
        slug="sponsor",
        body=(
            "## Relapse and you\n\n[a link about Relapse](https://example.org) "
            "`Relapse` and\n\n    Relapse in code\n\nA sponsor helps. Then: relapse."
        ),
    )
    body = body_of(client, "sponsor")
    assert links(body) == [("/terms/relapse/", "relapse")]
    assert '<h2 id="relapse-and-you">Relapse and you</h2>' in body


def test_abbreviations_match_in_capitals_only(client, terms, make_entry):
    make_entry(slug="reader", body="Bring the car to a halt. Try HALT. Meetings of aa or AA.")
    assert links(body_of(client, "reader")) == [("/terms/halt/", "HALT"), ("/terms/aa/", "AA")]


def test_definition_is_linked_too_and_escaped(client, terms, make_entry):
    make_entry(slug="reader", definition="<b>Relapse</b> & slip")
    html = client.get("/terms/reader/").content.decode()
    link = '<a class="term-link" href="/terms/relapse/" data-preview="/terms/relapse/preview/">'
    assert f"&lt;b&gt;{link}Relapse</a>&lt;/b&gt; &amp; slip" in html


def test_links_follow_renames_new_entries_and_unpublishing(client, terms, make_entry):
    make_entry(slug="reader", body="Talk about recovery capital and the relapse.")
    assert links(body_of(client, "reader")) == [("/terms/relapse/", "relapse")]
    capital = make_entry(title="Recovery Capital", slug="recovery-capital")
    assert ("/terms/recovery-capital/", "recovery capital") in links(body_of(client, "reader"))
    relapse = Entry.objects.get(slug="relapse")
    relapse.slug = "relapse-explained"
    relapse.save()
    assert ("/terms/relapse-explained/", "relapse") in links(body_of(client, "reader"))
    capital.status = Entry.Status.DRAFT
    capital.save()
    assert links(body_of(client, "reader")) == [("/terms/relapse-explained/", "relapse")]
    relapse.delete()
    assert links(body_of(client, "reader")) == []


def test_scheduled_entries_are_linked_once_their_time_comes(client, make_entry):
    soon = make_entry(title="Urge Surfing", slug="urge-surfing")
    soon.published_at = timezone.now() + timezone.timedelta(hours=1)
    soon.save()
    make_entry(slug="reader", body="Try urge surfing.")
    assert links(body_of(client, "reader")) == []
    Entry.objects.filter(pk=soon.pk).update(published_at=timezone.now())
    # No save happened, but the time came: the next page shows the link.
    assert links(body_of(client, "reader")) == [("/terms/urge-surfing/", "urge surfing")]


def test_preview_gives_title_and_definition_of_public_entries(client, terms, make_entry):
    response = client.get("/terms/relapse/preview/")
    data = response.json()
    assert data["title"] == "Relapse" and data["url"] == "/terms/relapse/"
    make_entry(slug="hidden", status=Entry.Status.DRAFT)
    assert client.get("/terms/hidden/preview/").status_code == 404


def test_table_of_contents_from_three_sections_and_reading_time(client, make_entry):
    body = "\n\n".join(f"## Part {n}\n\n" + "word " * 150 for n in range(1, 4))
    make_entry(slug="long", body=body)
    html = client.get("/terms/long/").content.decode()
    assert '<nav class="toc" aria-labelledby="toc-heading">' in html
    assert '<a href="#part-1">Part 1</a>' in html and '<a href="#part-3">Part 3</a>' in html
    assert "3 min read" in html
    make_entry(slug="short", body="## Only\n\nOne section.")
    html = client.get("/terms/short/").content.decode()
    assert 'class="toc"' not in html and "1 min read" in html
    assert reading.reading_minutes("word " * 401) == 3


def test_punctuation_and_accents_dont_hide_a_mention(client, terms, make_entry):
    make_entry(slug="reader", body="A relapse-prevention plan. A Relápse is no failure.")
    assert links(body_of(client, "reader")) == [
        ("/terms/relapse-prevention/", "relapse-prevention"),
        ("/terms/relapse/", "Relápse"),
    ]


def test_an_entrys_own_name_does_not_link_the_names_inside_it(client, terms):
    prevention = Entry.objects.get(slug="relapse-prevention")
    prevention.body = "Relapse prevention starts early. After a relapse, start again."
    prevention.save()
    assert links(body_of(client, "relapse-prevention")) == [("/terms/relapse/", "relapse")]


def test_names_are_looked_up_in_two_queries_per_page(client, terms, make_entry):
    """Names are not held in memory: each page made asks the index for the names that
    begin with its words, then for the entries of those it spells out."""
    make_entry(slug="reader", body="Relapse, HALT and AA. " * 50)
    # The first page made after the names changed too.
    with CaptureQueriesContext(connection) as queries:
        client.get("/terms/reader/")
    lookups = [q for q in queries.captured_queries if "articles_searchname" in q["sql"]]
    assert len(lookups) == 2


def test_a_very_long_body_is_linked_to_its_end(client, terms, make_entry):
    words = " ".join(f"word{n}" for n in range(3000))  # more names to look up than a query takes
    make_entry(slug="reader", body=f"{words} and then a relapse.")
    assert links(body_of(client, "reader")) == [("/terms/relapse/", "relapse")]


def test_names_beginning_with_a_stop_word_are_found(client, terms, make_entry):
    make_entry(title="The Big Book", slug="big-book")
    make_entry(slug="reader", body="Many read the Big Book daily, and a relapse is not the end.")
    assert links(body_of(client, "reader")) == [
        ("/terms/big-book/", "the Big Book"),
        ("/terms/relapse/", "relapse"),
    ]


def test_a_longer_name_saved_later_is_found_at_once(client, terms, make_entry):
    make_entry(slug="reader", body="Some keep a daily inventory of gratitude and hope.")
    assert links(body_of(client, "reader")) == []
    make_entry(title="Daily Inventory of Gratitude and Hope", slug="inventory")
    assert links(body_of(client, "reader")) == [
        ("/terms/inventory/", "daily inventory of gratitude and hope")
    ]
    make_entry(title="A Day at a Time", slug="one-day")  # begins with a stop word
    make_entry(slug="reader-2", body="Take it a day at a time.")
    assert links(body_of(client, "reader-2")) == [("/terms/one-day/", "a day at a time")]


def test_names_of_any_length_sharing_a_first_word_are_told_apart(client, make_entry):
    make_entry(title="Recovery", slug="recovery")
    make_entry(title="Recovery Capital", slug="recovery-capital")
    long_name = "Recovery Oriented System of Care for People and Families in the Whole Community"
    make_entry(title=long_name, slug="roscpfwc")  # 14 words
    make_entry(
        slug="reader",
        body=f"Recovery capital grows. A {long_name.lower()} helps. So does recovery.",
    )
    assert links(body_of(client, "reader")) == [
        ("/terms/recovery-capital/", "Recovery capital"),
        ("/terms/roscpfwc/", long_name.lower()),
        ("/terms/recovery/", "recovery"),
    ]


def test_names_are_found_through_the_index_of_their_first_words(client, terms, make_entry):
    """The lookup spells models.FirstWord as the index does: the database can use it."""
    make_entry(slug="reader", body="Relapse, HALT and AA.")
    with CaptureQueriesContext(connection) as queries:
        client.get("/terms/reader/")
    lookup = next(q["sql"] for q in queries.captured_queries if "articles_searchname" in q["sql"])
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {lookup}")
        else:
            # Which join PostgreSQL picks for a table of a few rows depends on statistics
            # that earlier tests leave behind; what matters is that the lookup's spelling
            # of the first word is the index's. So: one word looked up as the lookup
            # spells it, with reading the table or other indexes ruled out.
            spelling = re.search(r"ON (split_part\(.+?\)) = k\.word", lookup).group(1)
            for plan_type in ("seqscan", "bitmapscan"):
                cursor.execute(f"SET LOCAL enable_{plan_type} = off")
            cursor.execute(
                f"EXPLAIN SELECT n.normalized FROM articles_searchname n WHERE {spelling} = %s",
                ["relapse"],
            )
        plan = " ".join(str(row) for row in cursor.fetchall())
    assert "searchname_first_word" in plan, plan
