"""Search relevance and result pages on the demo glossary (loaded once for this module)."""

import json

import pytest

from articles.models import Entry, SearchDocument
from articles.search import search, suggest


def titles(query, n=3):
    ids = search(query).ids[:n]
    by_id = Entry.objects.in_bulk(ids)
    return [by_id[i].title for i in ids]


FIRST = [
    # exact titles
    ("Naloxone", "Naloxone"),
    ("relapse", "Relapse"),
    ("HALT", "HALT"),
    # aliases and abbreviations
    ("narcan", "Naloxone"),
    ("NARCAN", "Naloxone"),
    ("AA", "Alcoholics Anonymous"),
    ("NA", "Narcotics Anonymous"),
    ("12 step", "Twelve-Step Program"),
    ("12-step", "Twelve-Step Program"),
    ("12 steps", "Twelve-Step Program"),
    ("PAWS", "Post-Acute Withdrawal Syndrome"),
    ("sober house", "Sober Living House"),
    ("recovery residence", "Sober Living House"),
    ("detox", "Detoxification"),
    ("MAT", "Medication-Assisted Treatment"),
    ("suboxone", "Buprenorphine"),
    ("SUD", "Substance Use Disorder"),
    ("alcoholism", "Alcohol Use Disorder"),
    ("co-occurring disorders", "Dual Diagnosis"),
    ("IOP", "Intensive Outpatient Program"),
    ("sobriety coin", "Sobriety Milestones"),
    ("CBT", "Cognitive Behavioral Therapy"),
    ("Al Anon", "Al-Anon"),
    # prefixes (the last word as it is being typed)
    ("bupren", "Buprenorphine"),
    ("mindful", "Mindfulness"),
    ("motivational inter", "Motivational Interviewing"),
    # stemming
    ("cravings", "Craving"),
    ("triggers", "Trigger"),
    # several words
    ("hungry angry lonely tired", "HALT"),
    ("relapse prevention", "Relapse Prevention"),
    ("harm reduction", "Harm Reduction"),
    ("fentanyl test strip", "Fentanyl Test Strips"),
    # typos
    ("nalaxone", "Naloxone"),
    ("withdrawl", "Withdrawal"),
    ("buprenorfine", "Buprenorphine"),
    ("sponser", "Sponsor"),
    ("mindfullness", "Mindfulness"),
    ("codependancy", "Codependency"),
    ("metadone", "Methadone"),
    # questions
    ("what is paws", "Post-Acute Withdrawal Syndrome"),
    ("What does MAT mean?", "Medication-Assisted Treatment"),
    ("what is a sponsor", "Sponsor"),
    # accents and case
    ("NALÓXONE", "Naloxone"),
]

TOP_THREE = [
    ("relapsing", "Relapse"),
    ("relapes", "Relapse"),
    ("pwas", "Post-Acute Withdrawal Syndrome"),
    ("withdr", "Withdrawal"),
    ("how do i stop a relapse", "Relapse"),
    ("naloxone overdose", "Overdose"),
    ("sleep problems", "Sleep Hygiene"),
]


@pytest.mark.parametrize(("query", "expected"), FIRST)
def test_query_finds_the_expected_entry_first(demo, db, query, expected):
    assert titles(query, 1) == [expected], titles(query, 5)


@pytest.mark.parametrize(("query", "expected"), TOP_THREE)
def test_query_finds_the_expected_entry_in_the_top_three(demo, db, query, expected):
    assert expected in titles(query, 3), titles(query, 5)


def test_exact_matches_are_not_drowned_by_typo_matches(demo, db):
    # "trigger" is a real word: no correction, and the Trigger entry leads.
    results = search("trigger")
    assert results.correction == ""
    assert titles("trigger", 1) == ["Trigger"]


def test_misspelt_query_says_what_it_searched_instead(demo, db, client):
    html = client.get("/search/", {"q": "withdrawl symptoms"}).content.decode()
    assert "withdrawal symptoms" in html
    assert 'href="/terms/withdrawal/?rank=' in html


def test_no_results_offers_the_index_and_popular_terms(demo, db, client):
    html = client.get("/search/", {"q": "qqqqzzzz"}).content.decode()
    assert "No entries match “qqqqzzzz”." in html
    assert 'href="/terms/"' in html
    assert "Popular terms" in html and 'href="/terms/' in html.split("Popular terms")[1]


def test_results_page_lists_ranked_linked_highlighted_entries(demo, db, client):
    response = client.get("/search/", {"q": "naloxone"})
    assert response.status_code == 200
    html = response.content.decode()
    assert '<ol id="search-results"' in html
    results = html.split('<ol id="search-results"')[1].split("</ol>")[0]
    assert 'href="/terms/naloxone/?rank=1"' in results.split("<li>")[1]  # ranked first
    assert "Risks &amp; Safety" in results
    assert "<mark>Naloxone</mark>" in results or "<mark>naloxone</mark>" in results
    assert "result" in html and '<meta name="robots" content="noindex">' in html


def test_empty_query_shows_the_form_and_popular_terms(demo, db, client):
    for params in ({}, {"q": ""}, {"q": "   "}):
        response = client.get("/search/", params)
        assert response.status_code == 200
        html = response.content.decode()
        assert 'name="q"' in html and "Popular terms" in html


def test_suggestions_are_json_with_title_url_and_category(demo, db, client):
    response = client.get("/search/suggest/", {"q": "pee"})
    assert response["Content-Type"] == "application/json"
    data = json.loads(response.content)
    assert data["query"] == "pee"
    assert data["results"][0] == {
        "title": "Peer Support",
        "url": "/terms/peer-support/",
        "category": "Lifestyle & Health",
        "match": "",
    }


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("pee", "Peer Support"), ("withdr", "Withdrawal"), ("narc", "Naloxone"),
     ("sober h", "Sober Living House"), ("Bupr", "Buprenorphine"),
     ("12 st", "Twelve-Step Program")],
)  # fmt: skip
def test_suggestions_match_the_last_word_as_a_prefix(demo, db, typed, expected):
    _, results = suggest(typed)
    assert expected in [r["title"] for r in results], results


def test_suggestions_name_the_alias_that_matched(demo, db):
    _, results = suggest("narc")
    assert {"title": "Naloxone", "match": "Narcan"}.items() <= next(
        r for r in results if r["title"] == "Naloxone"
    ).items()


def test_suggestions_are_at_most_eight(demo, db):
    assert len(suggest("s")[1]) <= 8
    assert len(suggest("re")[1]) <= 8


def test_loaddata_is_indexed(demo, db):
    assert SearchDocument.objects.count() == Entry.objects.count()
    assert titles("narcan", 1) == ["Naloxone"]


def test_search_page_query_count_is_bounded(demo, db, client, django_assert_max_num_queries):
    with django_assert_max_num_queries(20):
        client.get("/search/", {"q": "recovery"})
