"""Every reader page is served one way (delivery/pages.py): validators, a 304 for a
current copy, kept copies, Cache-Control, counted reads; signed-in editors always get a
fresh, private page."""

import json

import pytest
from django.urls import get_resolver

from articles.delivery import page_cache, pages
from articles.delivery.middleware import reader_page_requested
from articles.models import Entry, GlossaryState

READER_PAGES = {
    "home": "/",
    "index": "/terms/",
    "category": "/categories/care/",
    "entry": "/terms/craving/",
    "link preview": "/terms/craving/preview/",
    "help": "/help/",
    "privacy": "/privacy/",
    "search": "/search/?q=craving",
    "no results": "/search/?q=zzzqqq",
    "suggestions": "/search/suggest/?q=cra",
}


@pytest.fixture
def glossary(make_entry, make_category):
    care = make_category(name="Care", slug="care")
    craving = make_entry(title="Craving", slug="craving", category=care, key_points=["a"])
    relapse = make_entry(title="Relapse", slug="relapse", category=care, view_count=50)
    craving.related.add(relapse)
    return {"craving": craving, "relapse": relapse}


@pytest.mark.parametrize("path", READER_PAGES.values(), ids=READER_PAGES.keys())
def test_every_reader_page_has_validators_and_answers_304(human, glossary, path):
    first = human.get(path)
    assert first.status_code == 200
    assert first["ETag"].startswith('W/"') and first["Last-Modified"]
    assert "public" in first["Cache-Control"]
    again = human.get(path, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    assert again.content == b""
    # The 304 carries the page's caching rules (RFC 9111), not other ones.
    assert again["Cache-Control"] == first["Cache-Control"]
    assert again["ETag"] == first["ETag"]


@pytest.mark.parametrize("path", READER_PAGES.values(), ids=READER_PAGES.keys())
def test_signed_in_editors_get_private_fresh_pages(client, glossary, editor, path):
    client.force_login(editor)
    response = client.get(path)
    assert response.status_code == 200
    assert "private" in response["Cache-Control"] and "no-cache" in response["Cache-Control"]
    assert "public" not in response["Cache-Control"]


def test_search_pages_say_how_long_they_may_be_reused(human, glossary):
    response = human.get("/search/?q=relapse")
    assert "public" in response["Cache-Control"] and "max-age=300" in response["Cache-Control"]


def test_entry_pages_are_revalidated_on_every_read(human, glossary):
    """So that every read reaches the server and counts."""
    response = human.get("/terms/craving/")
    assert "no-cache" in response["Cache-Control"]


def test_home_answers_304_until_the_most_viewed_change(human, glossary):
    first = human.get("/")
    etag = first["ETag"]
    assert human.get("/", HTTP_IF_NONE_MATCH=etag).status_code == 304
    # Reads (not saves) reorder the list of most viewed: the page has changed.
    Entry.objects.filter(pk=glossary["craving"].pk).update(view_count=1000)
    page_cache.clear()  # the kept copy's minute is over
    assert human.get("/", HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_a_changed_entry_changes_its_validators(human, glossary):
    etag = human.get("/terms/craving/")["ETag"]
    craving = glossary["craving"]
    craving.definition = "A strong urge, changed."
    craving.save()
    response = human.get("/terms/craving/", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert "changed" in response.content.decode()


def test_new_readers_get_the_shared_copy_of_every_shared_reader_page(human, glossary):
    for path in ("/", "/terms/", "/categories/care/", "/terms/craving/", "/search/?q=craving"):
        assert human.get(path).templates, path  # made
        second = human.get(path)
        assert second.status_code == 200 and not second.templates, path  # kept copy


def test_reads_of_an_entry_count_once_each_whichever_way_served(human, client, glossary):
    craving = glossary["craving"]
    human.get("/terms/craving/")  # made
    human.get("/terms/craving/")  # the shared copy
    etag = human.get("/terms/craving/")["ETag"]
    human.get("/terms/craving/", HTTP_IF_NONE_MATCH=etag)  # 304
    human.cookies["sessionid"] = "not-a-session"  # a reader with state: their own copy
    human.get("/terms/craving/")
    human.get("/terms/craving/")
    from articles.delivery import counting

    counting.buffer.flush()
    craving.refresh_from_db()
    assert craving.view_count == 6


def test_lists_do_not_count_reads(human, glossary):
    from articles.delivery import counting

    before = GlossaryState.versions()
    for path in ("/", "/terms/", "/categories/care/", "/search/?q=craving"):
        human.get(path)
    counting.buffer.flush()
    assert {a.view_count for a in Entry.objects.all()} == {0, 50}
    assert GlossaryState.versions() == before


def test_reader_pages_are_declared_where_they_are_routed(rf):
    """Exactly the views wrapped with reader_page in urls.py are reader pages; posting
    feedback, the admin, feeds and health checks are not."""
    declared = {
        pattern.name
        for pattern in get_resolver().url_patterns[-1].url_patterns
        if pages.reader_page_kind(pattern.callback)
    }
    assert declared == {
        "home", "index", "detail", "preview", "category", "help", "privacy", "search",
        "suggest",
    }  # fmt: skip
    assert reader_page_requested(rf.get("/terms/craving/")) == "shared"
    assert reader_page_requested(rf.get("/help/")) == "own"  # works without the database
    assert reader_page_requested(rf.post("/terms/craving/feedback/")) is None
    assert reader_page_requested(rf.get("/feed/")) is None
    assert reader_page_requested(rf.get("/healthz")) is None
    assert reader_page_requested(rf.get("/no/such/page/")) is None


def test_json_reader_pages_keep_their_type(human, glossary):
    for path in ("/terms/craving/preview/", "/search/suggest/?q=cra"):
        for _ in range(2):  # made, then the kept copy
            response = human.get(path)
            assert response["Content-Type"] == "application/json"
            json.loads(response.content)
