"""Readers' searches and the results they open, counted by day and scrubbed query; views
by entry and day, adding up to the totals (issue 21: search insights, views over time)."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.db.models import Sum
from django.test import Client
from django.utils import timezone

from articles.delivery import counting, page_cache
from articles.insights import search_counts
from articles.insights.scrubbing import stored_query
from articles.models import DailyViews, Entry, SearchDay, SearchOpen, SearchTotal
from tests.conftest import HUMAN_UA
from tests.test_counting import BOTS


@pytest.fixture
def naloxone(make_entry):
    return make_entry(
        title="Naloxone", slug="naloxone", aliases="Narcan", definition="Reverses an overdose."
    )


def counted():
    return {row.query: row for row in SearchDay.objects.all()}


@pytest.mark.parametrize(
    "typed, stored",
    [
        ("What is Naloxone?", "what is naloxone"),
        ("  NARCAN  ", "narcan"),
        ("naloxone jane.doe@example.org", "naloxone [email]"),
        ("call me +1 (555) 010-4477 relapse", "call me [phone] relapse"),
        ("relapse 5550104477", "relapse [phone]"),
        ("my id 4417 1234 5678 9113", "my id [phone]"),
        ("born 12/05/1990 detox", "born [number] detox"),
        ("code 123456", "code [number]"),
        ("see https://example.org/x?token=abc", "see [link]"),
        ("988", "988"),
        ("24/7 help", "24/7 help"),
        ("12-step", "12-step"),
        ("“Relapse”", "relapse"),
        ("\x00\x1b", ""),
    ],
)
def test_stored_queries_are_normalised_and_scrubbed(typed, stored):
    assert stored_query(typed) == stored


def test_stored_queries_are_cut_at_100_characters():
    words = stored_query("withdrawal " * 20)
    assert len(words) <= 100 and words.startswith("withdrawal withdrawal")
    assert not words.endswith(" ")
    assert len(stored_query("x" * 300)) == 100


def test_a_readers_search_is_counted_with_what_it_found(human, naloxone):
    today = timezone.localdate()
    assert human.get("/search/", {"q": "Naloxone"}).status_code == 200
    assert human.get("/search/", {"q": "naloxone?"}).status_code == 200  # the same query
    assert human.get("/search/", {"q": "zzqx unfindable"}).status_code == 200
    rows = counted()
    assert set(rows) == {"naloxone", "zzqx unfindable"}
    assert (rows["naloxone"].day, rows["naloxone"].searches, rows["naloxone"].no_results) == (
        today,
        2,
        0,
    )
    assert (rows["zzqx unfindable"].searches, rows["zzqx unfindable"].no_results) == (1, 1)
    total = SearchTotal.objects.get(day=today)
    assert (total.searches, total.no_results, total.opened) == (3, 1, 0)


def test_a_search_served_from_the_shared_copy_still_counts(human, naloxone):
    human.get("/search/", {"q": "narcan"})
    assert page_cache.get_shared("/search/?q=narcan", page_cache.shared_versions())
    human.get("/search/", {"q": "narcan"})
    assert counted()["narcan"].searches == 2


def test_crawlers_editors_prefetches_and_later_pages_are_not_counted(
    client, human, editor, naloxone, make_entry
):
    for bot in BOTS[:4]:
        Client(HTTP_USER_AGENT=bot).get("/search/", {"q": "naloxone"})
    human.get("/search/", {"q": "naloxone"}, HTTP_SEC_PURPOSE="prefetch")
    staff = Client(HTTP_USER_AGENT=HUMAN_UA)
    staff.force_login(editor)
    staff.get("/search/", {"q": "naloxone"})
    human.head("/search/", {"q": "naloxone"})
    human.get("/search/", {"q": ""})
    for n in range(25):
        make_entry(title=f"Overdose {n}", slug=f"overdose-{n}")
    human.get("/search/", {"q": "overdose", "page": "2"})
    assert SearchDay.objects.count() == 0
    human.get("/search/", {"q": "overdose"})
    assert counted()["overdose"].searches == 1


def test_personal_details_in_a_query_are_stored_scrubbed(human, naloxone):
    human.get("/search/", {"q": "narcan for jo.smith@example.com call 555-010-4477"})
    (query,) = SearchDay.objects.values_list("query", flat=True)
    assert query == "narcan for [email] call [phone]"
    assert "example" not in query and "4477" not in query


def test_a_hostile_query_is_stored_as_text(db, human):
    human.get("/search/", {"q": "<script>alert(1)</script>" * 10})
    (query,) = SearchDay.objects.values_list("query", flat=True)
    assert len(query) <= 100


def test_results_link_their_rank_and_opening_one_is_counted(human, naloxone, make_entry):
    make_entry(title="Naloxone kits", slug="naloxone-kits", definition="Naloxone to carry.")
    html = human.get("/search/", {"q": "naloxone"}).content.decode()
    assert 'href="/terms/naloxone/?rank=1"' in html
    assert 'href="/terms/naloxone-kits/?rank=2"' in html
    came_from = "http://testserver/search/?q=Naloxone"
    response = human.get("/terms/naloxone-kits/?rank=2", HTTP_REFERER=came_from)
    assert response.status_code == 200
    human.get("/terms/naloxone-kits/?rank=2", HTTP_REFERER=came_from)
    opened = SearchOpen.objects.get()
    assert (opened.query, opened.entry.slug, opened.opens, opened.rank_total) == (
        "naloxone",
        "naloxone-kits",
        2,
        4,
    )
    assert counted()["naloxone"].opened == 2
    assert SearchTotal.objects.get().opened == 2
    assert Entry.objects.get(slug="naloxone-kits").view_count == 2  # and views, as ever


@pytest.mark.parametrize(
    "rank, referer",
    [
        ("2", ""),  # no Referer (a privacy setting, a bookmark)
        ("2", "https://elsewhere.example/search/?q=naloxone"),
        ("2", "http://testserver/terms/relapse/?q=naloxone"),
        ("2", "http://testserver/search/"),
        ("0", "http://testserver/search/?q=naloxone"),
        ("x", "http://testserver/search/?q=naloxone"),
        ("99999999999999999999", "http://testserver/search/?q=naloxone"),
        ("٣", "http://testserver/search/?q=naloxone"),
    ],
)
def test_only_a_rank_from_this_sites_search_counts_an_opening(human, naloxone, rank, referer):
    response = human.get(f"/terms/naloxone/?rank={rank}", HTTP_REFERER=referer)
    assert response.status_code == 200
    assert not SearchOpen.objects.exists() and not SearchDay.objects.exists()
    assert Entry.objects.get(pk=naloxone.pk).view_count == 1


def test_a_crawler_following_a_result_link_is_not_counted(naloxone):
    Client(HTTP_USER_AGENT=BOTS[0]).get(
        "/terms/naloxone/?rank=1", HTTP_REFERER="http://testserver/search/?q=naloxone"
    )
    assert not SearchOpen.objects.exists()


def test_a_ranked_address_shares_the_entry_pages_copy(human, naloxone):
    plain = human.get("/terms/naloxone/")
    ranked = human.get("/terms/naloxone/?rank=3")
    assert ranked.content == plain.content and ranked["ETag"] == plain["ETag"]
    versions = page_cache.shared_versions()
    assert page_cache.get_shared("/terms/naloxone/", versions) is not None
    assert page_cache.get_shared("/terms/naloxone/?rank=3", versions) is None
    other = human.get("/terms/naloxone/?rank=3&utm_source=news")
    assert other.status_code == 200
    assert page_cache.get_shared("/terms/naloxone/?utm_source=news", versions) is not None


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_buffered_searches_are_written_in_batches(settings, make_entry, monkeypatch):
    from articles.delivery import count_buffer, view_buffer

    settings.VIEW_FLUSH_SECONDS = 3600  # written only when flushed here (by fresh buffers:
    # the shared ones' writer threads would sleep that long)
    monkeypatch.setattr(counting, "buffer", view_buffer.ViewBuffer())
    monkeypatch.setattr(
        search_counts,
        "buffer",
        count_buffer.CountBuffer(
            search_counts.write_searches,
            noun="searches",
            unit="queries",
            max_setting="SEARCH_BUFFER_MAX",
            log=search_counts.logger,
        ),
    )
    make_entry(title="Craving", slug="craving")
    reader = Client(HTTP_USER_AGENT=HUMAN_UA)
    try:
        for _ in range(3):
            reader.get("/search/", {"q": "craving"})
        reader.get("/terms/craving/?rank=1", HTTP_REFERER="http://testserver/search/?q=craving")
        assert not SearchDay.objects.exists()
        assert search_counts.buffer.waiting() == 4
        assert search_counts.buffer.flush()
        counting.buffer.flush()
        row = SearchDay.objects.get()
        assert (row.query, row.searches, row.no_results, row.opened) == ("craving", 3, 0, 1)
        assert search_counts.buffer.waiting() == 0
    finally:
        search_counts.buffer.flush()
        counting.buffer.flush()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_daily_views_add_up_to_the_total_under_concurrent_load(settings, make_entry):
    """Readers on many threads, views buffered and written every 0.1 s: each entry's days
    add up to exactly what its total gained, and to every read."""
    settings.VIEW_FLUSH_SECONDS = 0.1
    entries = [make_entry(view_count=100) for _ in range(3)]
    urls = [entry.get_absolute_url() for entry in entries]

    def read(n):
        try:
            return Client(HTTP_USER_AGENT=HUMAN_UA).get(urls[n % 3]).status_code
        finally:
            connection.close()

    with ThreadPoolExecutor(8) as pool:
        assert set(pool.map(read, range(90))) == {200}
    deadline = time.monotonic() + 10
    while counting.buffer.waiting() and time.monotonic() < deadline:
        time.sleep(0.05)
    counting.buffer.flush()
    for entry in entries:
        total = Entry.objects.get(pk=entry.pk).view_count
        days = DailyViews.objects.filter(entry=entry).aggregate(n=Sum("views"))["n"]
        assert (total, days) == (130, 30)
        assert DailyViews.objects.get(entry=entry).day == timezone.localdate()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_views_written_at_once_add_to_the_day_too(make_entry):
    entry = make_entry()
    threads = [
        threading.Thread(
            target=lambda: (
                Client(HTTP_USER_AGENT=HUMAN_UA).get(entry.get_absolute_url()),
                connection.close(),
            )
        )
        for _ in range(6)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Entry.objects.get(pk=entry.pk).view_count == 6
    assert DailyViews.objects.get(entry=entry).views == 6


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_views_held_across_midnight_go_to_their_own_days(settings, make_entry):
    import datetime

    import time_machine

    from articles.delivery import view_buffer

    settings.VIEW_FLUSH_SECONDS = 3600
    entry = make_entry()
    buffer = view_buffer.ViewBuffer()
    zone = timezone.get_default_timezone()
    day = timezone.localdate() - datetime.timedelta(days=3)
    midnight = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time(), zone)
    with time_machine.travel(midnight - datetime.timedelta(seconds=2), tick=False):
        buffer.add(entry.pk)
        buffer.add(entry.pk)
    with time_machine.travel(midnight + datetime.timedelta(seconds=1), tick=False):
        buffer.add(entry.pk)
    assert buffer.flush()
    days = dict(DailyViews.objects.filter(entry=entry).values_list("day", "views"))
    assert days == {day: 2, day + datetime.timedelta(days=1): 1}
    assert Entry.objects.get(pk=entry.pk).view_count == 3


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_deleted_entrys_held_views_and_opens_go_with_it(settings, make_entry):
    from articles.delivery import view_buffer

    entry = make_entry()
    buffer = view_buffer.ViewBuffer()
    buffer.add(entry.pk)
    search_counts.write_searches({("open", timezone.localdate(), "x", entry.pk, 1): 1})
    entry.delete()
    assert buffer.flush()
    search_counts.write_searches({("open", timezone.localdate(), "y", entry.pk, 1): 1})
    assert not DailyViews.objects.exists()
    assert not SearchOpen.objects.filter(query="y").exists()


def test_health_details_report_the_searches_waiting(settings, client, db, monkeypatch):
    from articles.delivery import count_buffer

    settings.VIEW_FLUSH_SECONDS = 3600
    held = count_buffer.CountBuffer(
        search_counts.write_searches,
        noun="searches",
        unit="queries",
        max_setting="SEARCH_BUFFER_MAX",
        log=search_counts.logger,
    )
    monkeypatch.setattr(search_counts, "buffer", held)
    for typed in ("naloxone", "Naloxone"):  # one query as stored, counted twice
        counted = search_counts.search_counted(typed, 3)
        search_counts.count_search(*counted[1:])
    report = client.get("/healthz/details").json()["searches"]
    assert (report["state"], report["searches_waiting"], report["queries_waiting"]) == ("ok", 2, 1)
