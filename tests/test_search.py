"""Search behaviour: visibility, index upkeep, pagination, hostile input, escaping."""

import json

import pytest
from django.core.management import call_command

from articles.models import Entry, SearchDocument, SearchName, SearchTypoKey
from articles.search import search, suggest
from articles.search.excerpts import excerpt
from tests.forms import edit_base


def test_pagination_and_pages_past_the_end(db, client, make_entry):
    for n in range(25):
        make_entry(title=f"Zebrafinch {n:02d}", slug=f"zebrafinch-{n}")
    first = client.get("/search/", {"q": "zebrafinch"}).content.decode()
    assert "25 results" in first and 'rel="next"' in first
    second = client.get("/search/", {"q": "zebrafinch", "page": "2"}).content.decode()
    assert second.count("<li>") >= 5 and 'start="21"' in second
    assert client.get("/search/", {"q": "zebrafinch", "page": "3"}).status_code == 404
    assert client.get("/search/", {"q": "zebrafinch", "page": "abc"}).status_code == 200


HOSTILE = [
    '"',
    '""',
    "'",
    "*",
    "-",
    ":",
    "^",
    "NEAR",
    "NEAR(a b)",
    "a NEAR/2 b",
    "AND",
    "OR",
    "NOT",
    "relapse AND",
    "OR relapse",
    "NOT relapse",
    "(relapse",
    "relapse)",
    "{title}: relapse",
    "title:relapse",
    '"unterminated',
    "relapse*",
    "*relapse",
    "-relapse",
    "+relapse",
    "'; DROP TABLE articles_article; --",
    "1' OR '1'='1",
    "%",
    "_",
    "\\",
    "%%",
    "a%b_c",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "😀",
    "🙂 relapse",
    "\x00",
    "relapse\x00",
    "\u202e",
    "ǅ",
    "ß",
    "İstanbul",
    "日本語",
    "x" * 10_000,
    "a " * 5000,
    "relapse " * 300,
    "&amp;",
    "::",
    "a:b:c",
    "!!!",
    "@#$%^&*()",
    "0",
    "-1",
    "1e9",
    "\t\n\r",
    "ts_query & | ! <->",
    "a <-> b",
    "foo:*",
    "bar:*A",
    "!(x)",
]


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_queries_never_fail(db, client, make_entry, query):
    make_entry(title="Relapse", slug="relapse")
    response = client.get("/search/", {"q": query})
    assert response.status_code == 200
    suggestion = client.get("/search/suggest/", {"q": query})
    assert suggestion.status_code == 200
    assert len(json.loads(suggestion.content)["query"]) <= 200


def test_repeated_q_and_odd_pages_never_fail(db, client, make_entry):
    make_entry(title="Relapse", slug="relapse")
    assert client.get("/search/?q=relapse&q=detox").status_code == 200
    for page in ("0", "-1", "abc", "1.5", "99999999999999999999", ""):
        assert client.get("/search/", {"q": "relapse", "page": page}).status_code in (200, 404)


def test_query_and_content_are_escaped_in_results(db, client, make_entry):
    make_entry(
        title="Evil <b>term</b>",
        slug="evil-term",
        definition='Zebrafinch <script>alert("x")</script> & <img src=x onerror=alert(1)>',
    )
    html = client.get("/search/", {"q": 'zebrafinch <script>alert("q")</script>'}).content.decode()
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;" in html
    assert "<mark>Zebrafinch</mark>" in html
    assert "Evil &lt;b&gt;term&lt;/b&gt;" in html


def test_drafts_and_scheduled_entries_are_never_found(db, make_entry):
    from django.utils import timezone

    make_entry(title="Zebrafinch draft", slug="zf-draft", status=Entry.Status.DRAFT)
    make_entry(
        title="Zebrafinch later",
        slug="zf-later",
        published_at=timezone.now() + timezone.timedelta(days=1),
    )
    assert search("zebrafinch").ids == []
    assert suggest("zebraf")[1] == []


def test_index_follows_saves_renames_unpublishing_and_deletes(db, make_entry):
    article = make_entry(title="Zebrafinch", slug="zebrafinch", body="## A\n\nquokka text")
    assert search("quokka").ids == [article.pk]
    article.title, article.aliases = "Lyrebird", "Songbird"
    article.save()
    assert search("zebrafinch").ids == []
    assert search("songbird").ids == [article.pk]
    assert suggest("lyre")[1][0]["title"] == "Lyrebird"
    article.key_points.create(text="Wombats dig burrows.")
    assert search("wombats").ids == [article.pk]
    article.key_points.all().delete()
    assert search("wombats").ids == []
    Entry.objects.filter(pk=article.pk).update(status=Entry.Status.DRAFT)  # bulk
    assert search("lyrebird").ids == []
    Entry.objects.filter(pk=article.pk).update(status=Entry.Status.PUBLISHED)
    assert search("lyrebird").ids == [article.pk]
    Entry.objects.filter(pk=article.pk).delete()
    assert search("lyrebird").ids == [] and not SearchDocument.objects.exists()


def test_index_follows_admin_edits(db, client, editor, make_entry):
    article = make_entry(title="Zebrafinch", slug="zebrafinch")
    client.force_login(editor)
    data = {
        "title": "Quokka", "slug": "zebrafinch", "category": article.category_id,
        "aliases": "", "definition": "d", "tldr": "t", "body": "", "status": "published",
        "published_at_0": "2020-01-01", "published_at_1": "00:00:00",
        "key_points-TOTAL_FORMS": "0", "key_points-INITIAL_FORMS": "0",
        "quotes-TOTAL_FORMS": "0", "quotes-INITIAL_FORMS": "0",
        "old_slugs-TOTAL_FORMS": "0", "old_slugs-INITIAL_FORMS": "0",
        "sources-TOTAL_FORMS": "0", "sources-INITIAL_FORMS": "0",
        "edit_base": edit_base(article),
    }  # fmt: skip
    response = client.post(f"/admin/articles/entry/{article.pk}/change/", data)
    assert response.status_code == 302
    assert search("quokka").ids == [article.pk] and search("zebrafinch").ids == []
    client.post(f"/admin/articles/entry/{article.pk}/delete/", {"post": "yes"})
    assert search("quokka").ids == []


def test_rebuild_command_restores_a_lost_index(db, make_entry, capsys):
    article = make_entry(title="Zebrafinch", slug="zebrafinch", aliases="Songbird")
    SearchDocument.objects.all().delete()
    SearchName.objects.all().delete()
    SearchTypoKey.objects.all().delete()
    assert search("zebrafinch").ids == []
    call_command("rebuild_search_index", if_stale=True)
    assert search("zebrafinch").ids == [article.pk]
    assert search("songbird").ids == [article.pk]
    assert search("zebrafinsh").correction == "zebrafinch"
    call_command("rebuild_search_index", if_stale=True)
    assert "current" in capsys.readouterr().out


def test_rebuild_dry_run_changes_nothing(db, make_entry, capsys):
    make_entry(title="Zebrafinch", slug="zebrafinch")
    SearchDocument.objects.all().delete()
    call_command("rebuild_search_index", dry_run=True)
    assert "Would index 1 entries" in capsys.readouterr().out
    assert not SearchDocument.objects.exists()


@pytest.mark.parametrize(
    ("token", "word", "expected"),
    [("Withdrawal", "withdr", True), ("with", "withdr", False), ("relapsing", "relapse", True),
     ("Relapse", "relapsing", True), ("cravings", "craving", True), ("helps", "help", True),
     ("Café", "cafe", True), ("care", "cafe", False), ("he", "help", False)],
)  # fmt: skip
def test_excerpt_word_matching(token, word, expected):
    marked = excerpt(f"Before {token} after", [word], ("[", "]"))
    assert (marked == f"Before [{token}] after") is expected
    assert (marked is None) is not expected


def test_excerpt_is_a_marked_window_around_the_matches():
    text = " ".join(f"w{i}" for i in range(100)) + " naloxone reverses overdoses " + "tail " * 50
    result = excerpt(text, ["naloxone", "overdose"], ("[", "]"))
    assert result.startswith("…") and result.endswith("…")
    assert "[naloxone] reverses [overdoses]" in result
    assert len(result.split()) <= 30
    assert excerpt("nothing here", ["naloxone"], ("[", "]")) is None


def test_excerpt_marks_words_however_they_are_written():
    text = "Café staff, the CAFE’s “cafeteria” and a cafe—naïve; decaf; café_au_lait…)."
    result = excerpt(text, ["cafe", "naive"], ("[", "]"))
    assert result == (
        "[Café] staff, the [CAFE]’s “[cafeteria]” and a [cafe]—[naïve]; decaf; [café_au_lait]…)."
    )


def test_excerpt_window_is_the_densest_and_full_near_the_end():
    words = [f"w{i}" for i in range(200)]
    words[20] = words[150] = words[152] = words[199] = "relapse"
    result = excerpt(" ".join(words), ["relapse"], ("[", "]"), size=10)
    # The stretch with three matches, from three words before the first of them.
    assert result == "…w147 w148 w149 [relapse] w151 [relapse] w153 w154 w155 w156…"
    # A match at the very end still shows `size` words, ending with the text.
    result = excerpt(" ".join(words[:199] + ["naloxone"]), ["naloxone"], ("[", "]"), size=10)
    assert result == "…w190 w191 w192 w193 w194 w195 w196 w197 w198 [naloxone]"
