"""What readers typed is kept KB_READER_DATA_DAYS days: older searches' words and reports'
comments go (by themselves once a day, or with `manage.py purge_reader_data`); totals,
reasons and views per day stay. /privacy/ says so, with the number of days."""

import logging
import re
from datetime import date, datetime, timedelta
from io import StringIO

import pytest
from django.core.cache import cache, caches
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import OperationalError
from django.utils import timezone
from redis.exceptions import ConnectionError as RedisConnectionError

from articles.delivery import page_cache
from articles.insights import retention
from articles.models import DailyViews, FeedbackReport, SearchDay, SearchOpen, SearchTotal

TODAY = date(2025, 6, 30)


def on(day, hour=12):
    """A moment of `day` in the site's time zone."""
    return timezone.make_aware(datetime.combine(day, datetime.min.time()).replace(hour=hour))


@pytest.fixture
def entry(make_entry):
    return make_entry(slug="craving")


@pytest.fixture
def reader_data(entry):
    """Searches, opened results and reports on three days around the 180-day limit
    before TODAY, and one day's total already written."""
    old, limit, young = (TODAY - timedelta(days=n) for n in (181, 180, 3))
    for day in (old, limit, young):
        SearchDay.objects.create(day=day, query="craving", searches=4, no_results=0, opened=2)
        SearchDay.objects.create(day=day, query="crvaing", searches=1, no_results=1, opened=0)
        SearchOpen.objects.create(day=day, query="craving", entry=entry, opens=2, rank_total=2)
        DailyViews.objects.create(entry=entry, day=day, views=10)
        FeedbackReport.objects.create(
            entry=entry, reason="unclear", comment=f"Said on {day}", created_at=on(day)
        )
    FeedbackReport.objects.create(entry=entry, reason="other", created_at=on(old))  # no comment
    return {"old": old, "limit": limit, "young": young}


def test_purge_removes_old_searches_and_comments_and_keeps_young_ones(reader_data):
    old, limit, young = reader_data["old"], reader_data["limit"], reader_data["young"]
    purged = retention.purge(today=TODAY, days=180)
    assert (purged.searches, purged.opens, purged.comments) == (2, 1, 1)
    assert purged.before == limit
    assert set(SearchDay.objects.values_list("day", flat=True)) == {limit, young}
    assert set(SearchOpen.objects.values_list("day", flat=True)) == {limit, young}
    old_report = FeedbackReport.objects.get(created_at=on(old), reason="unclear")
    assert (old_report.comment, old_report.comment_removed) == ("", True)
    assert old_report.status == FeedbackReport.Status.NEW  # the report itself stays
    assert FeedbackReport.objects.get(created_at=on(limit)).comment == f"Said on {limit}"
    assert FeedbackReport.objects.get(created_at=on(young)).comment == f"Said on {young}"
    never_had_one = FeedbackReport.objects.get(reason="other")
    assert not never_had_one.comment_removed  # nothing was removed from it
    assert DailyViews.objects.count() == 3  # views hold nothing a reader typed


def test_purge_keeps_each_days_totals(reader_data):
    old = reader_data["old"]
    older = old - timedelta(days=1)
    SearchDay.objects.create(day=older, query="relapse", searches=3, no_results=1, opened=1)
    SearchTotal.objects.create(day=older, searches=7, no_results=2, opened=3)  # as written
    purged = retention.purge(today=TODAY, days=180)
    assert purged.totals_made == 1
    made = SearchTotal.objects.get(day=old)  # from the day's two searches
    assert (made.searches, made.no_results, made.opened) == (5, 1, 2)
    written = SearchTotal.objects.get(day=older)
    assert (written.searches, written.no_results, written.opened) == (7, 2, 3)
    assert SearchTotal.objects.count() == 2  # younger days keep their searches
    assert retention.purge(today=TODAY, days=180).totals_made == 0  # nothing left to do


def test_purge_works_in_batches(reader_data, entry, monkeypatch):
    monkeypatch.setattr(retention, "BATCH", 2)
    old = reader_data["old"]
    for n in range(5):
        SearchDay.objects.create(day=old, query=f"word {n}", searches=1)
        FeedbackReport.objects.create(entry=entry, reason="other", comment="x", created_at=on(old))
    purged = retention.purge(today=TODAY, days=180)
    assert (purged.searches, purged.comments) == (7, 6)
    assert not SearchDay.objects.filter(day=old).exists()
    assert not FeedbackReport.objects.filter(created_at__lt=on(old, 23)).exclude(comment="")


def run(*args):
    out = StringIO()
    call_command("purge_reader_data", *args, stdout=out)
    return out.getvalue()


def snapshot():
    return [
        sorted(model.objects.values_list(*fields))
        for model, fields in (
            (SearchDay, ("day", "query", "searches")),
            (SearchOpen, ("day", "query", "opens")),
            (SearchTotal, ("day", "searches")),
            (DailyViews, ("day", "views")),
            (FeedbackReport, ("pk", "comment", "comment_removed")),
        )
    ]


@pytest.fixture
def days_ago(entry):
    """Make a search, an opened result and a commented report `n` days before today."""

    def make(n):
        day = timezone.localdate() - timedelta(days=n)
        SearchDay.objects.create(day=day, query=f"query {n}", searches=2, no_results=1)
        SearchOpen.objects.create(day=day, query=f"query {n}", entry=entry, opens=1)
        FeedbackReport.objects.create(entry=entry, reason="other", comment="Hm", created_at=on(day))

    return make


def test_dry_run_says_what_would_go_and_changes_nothing(days_ago, settings):
    settings.READER_DATA_DAYS = 30
    days_ago(31)
    days_ago(2)
    before = snapshot()
    out = run("--dry-run")
    assert snapshot() == before
    before_day = timezone.localdate() - timedelta(days=30)
    assert f"Keeping 30 days: what readers typed before {before_day} would go." in out
    assert "Would remove 1 search " in out and "and 1 opened result." in out
    assert "Would blank the comments of 1 report" in out
    assert "Would make the search totals of 1 day from their searches first." in out
    assert "Nothing changed (--dry-run)." in out


def test_command_removes_what_is_too_old_and_says_what_it_kept(days_ago, entry, settings):
    settings.READER_DATA_DAYS = 30
    days_ago(31)
    days_ago(2)
    DailyViews.objects.create(entry=entry, day=timezone.localdate(), views=3)
    out = run()
    assert "Removed 1 search " in out and "Blanked the comments of 1 report" in out
    assert "Kept: search totals of 1 day, 2 reports, views per entry on 1 day." in out
    assert SearchDay.objects.count() == SearchOpen.objects.count() == 1
    assert FeedbackReport.objects.filter(comment_removed=True).count() == 1
    again = run()
    assert "Removed 0 searches" in again and "Blanked the comments of 0 reports" in again


def test_days_option_overrides_the_setting(days_ago, settings):
    settings.READER_DATA_DAYS = 180
    days_ago(11)
    days_ago(9)
    assert "Keeping 10 days" in run("--days", "10")
    assert SearchDay.objects.count() == 1


@pytest.mark.parametrize("value", ["0", "-1", "abc", "1.5", ""])
def test_days_must_be_a_whole_number_of_one_or_more(days_ago, value):
    days_ago(400)
    with pytest.raises(CommandError) as raised:
        run("--days", value)
    assert str(raised.value) == f"--days must be a whole number of days, 1 or more, not {value!r}."
    assert SearchDay.objects.count() == 1  # nothing removed


@pytest.fixture
def schedule(monkeypatch):
    """A process that has not purged yet."""
    monkeypatch.setattr(retention, "schedule", retention._Schedule())
    return retention.schedule


def test_purge_if_due_runs_once_a_day(entry, schedule, settings):
    settings.READER_DATA_DAYS = 10

    def search_on(day):
        SearchDay.objects.create(day=day, query=f"on {day}", searches=1)

    search_on(TODAY - timedelta(days=11))
    assert retention.purge_if_due(today=TODAY).searches == 1
    search_on(TODAY - timedelta(days=12))
    assert retention.purge_if_due(today=TODAY) is None  # done today in this process
    retention.schedule = retention._Schedule()  # another process, the same day
    assert retention.purge_if_due(today=TODAY) is None
    assert SearchDay.objects.count() == 1
    tomorrow = TODAY + timedelta(days=1)
    assert retention.purge_if_due(today=tomorrow).searches == 1
    assert not SearchDay.objects.exists()


def test_purge_if_due_is_cheap_when_done_today(
    db, schedule, django_assert_num_queries, monkeypatch
):
    retention.purge_if_due(today=TODAY)
    monkeypatch.setattr(retention, "cache", None)  # not touched
    with django_assert_num_queries(0):
        assert retention.purge_if_due(today=TODAY) is None


def test_purge_if_due_survives_a_database_error(entry, schedule, monkeypatch, caplog):
    SearchDay.objects.create(day=TODAY - timedelta(days=400), query="old", searches=1)

    def database_down(**kwargs):
        raise OperationalError("could not connect to server")

    real_purge = retention.purge
    monkeypatch.setattr(retention, "purge", database_down)
    caplog.set_level(logging.WARNING)
    assert retention.purge_if_due(today=TODAY) is None
    assert "Reader data not purged (OperationalError: could not connect" in caplog.text
    assert not any(record.exc_info for record in caplog.records)  # one line, no traceback
    assert cache.get(f"reader-data-purge:{TODAY}") is None  # any process may try again
    assert retention.purge_if_due(today=TODAY) is None  # not again at once
    monkeypatch.setattr(retention, "purge", real_purge)
    schedule.retry_at = 0  # RETRY_SECONDS later
    assert retention.purge_if_due(today=TODAY).searches == 1


def test_purge_if_due_survives_a_cache_error(schedule, monkeypatch, caplog):
    class CacheDown:
        def add(self, *args, **kwargs):
            raise RedisConnectionError("Connection refused")

    monkeypatch.setattr(retention, "cache", CacheDown())
    assert retention.purge_if_due(today=TODAY) is None
    assert "Reader data not purged (ConnectionError: Connection refused)" in caplog.text


def footer(html):
    return html[html.index('<footer class="site-footer">') :]


def test_privacy_page_says_how_long_with_the_configured_days(human, db, settings):
    settings.READER_DATA_DAYS = 45
    response = human.get("/privacy/")
    assert response.status_code == 200
    text = re.sub(r"\s+", " ", response.content.decode())
    assert "kept for 45 days, then removed" in text
    assert "<title>Privacy · Recovery Glossary</title>" in text
    assert '<link rel="canonical" href="https://glossary.example.org/privacy/">' in text
    assert "kb_answered" in text
    # Restarted with another value: once the copies made before are gone (50 s at most),
    # the page says it, under another ETag.
    settings.READER_DATA_DAYS = 1
    caches["pages"].clear()
    page_cache.recent.clear()
    again = human.get("/privacy/")
    assert "kept for 1 day, then removed" in again.content.decode()
    assert again["ETag"] != response["ETag"]


def test_privacy_page_is_linked_from_the_footer(human, db):
    assert 'href="/privacy/">Privacy</a>' in footer(human.get("/").content.decode())


def test_privacy_page_is_served_from_the_shared_copy_without_cookies(human, db):
    first = human.get("/privacy/")
    second = human.get("/privacy/")
    assert first.templates and not second.templates  # made once, then the shared copy
    assert second.status_code == 200 and second.content == first.content
    assert not first.cookies and not second.cookies


def test_what_the_privacy_page_says_about_cookies_is_true(human, entry):
    for path in ("/", "/terms/", "/terms/craving/", "/search/?q=craving", "/help/", "/privacy/"):
        assert not human.get(path).cookies, path  # reading and searching set no cookie
    answer = human.post("/terms/craving/feedback/", {"helpful": "no"})
    cookie = answer.cookies["kb_answered"]
    assert list(answer.cookies) == ["kb_answered"]
    assert cookie["max-age"] == 365 * 24 * 3600 and cookie["httponly"]
    assert cookie.value.startswith(f"{entry.pk}:")  # entry numbers, signed
