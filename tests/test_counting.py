import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.test import Client

from articles.models import Entry
from tests.conftest import HUMAN_UA

BOTS = [
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    "Mozilla/5.0 (compatible; SemrushBot/7~bl; +http://www.semrush.com/bot.html)",
    "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)",
    "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; +https://openai.com/gptbot)",
    "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko); compatible; ChatGPT-User/1.0; +https://openai.com/bot",
    "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; ClaudeBot/1.0; +claudebot@anthropic.com)",
    "Mozilla/5.0 (Linux; Android 5.0) AppleWebKit/537.36 (KHTML, like Gecko) Mobile Safari/537.36 (compatible; Bytespider; spider-feedback@bytedance.com)",
    "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
    "Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)",
    "DuckDuckBot/1.1; (+http://duckduckgo.com/duckduckbot.html)",
    "Mozilla/5.0 (compatible; Applebot/0.1; +http://www.apple.com/go/applebot)",
    "Twitterbot/1.0",
    "python-requests/2.32.3",
    "curl/8.5.0",
]


def views(article):
    return Entry.objects.values_list("view_count", flat=True).get(pk=article.pk)


def test_each_human_get_adds_exactly_one(human, make_entry):
    article = make_entry(view_count=44)
    for expected in (45, 46, 47):
        assert human.get(article.get_absolute_url()).status_code == 200
        assert views(article) == expected


@pytest.mark.parametrize("user_agent", BOTS)
def test_crawlers_do_not_count(client, make_entry, user_agent):
    article = make_entry(view_count=10)
    assert client.get(article.get_absolute_url(), HTTP_USER_AGENT=user_agent).status_code == 200
    assert views(article) == 10


def test_head_requests_do_not_count(human, make_entry):
    article = make_entry(view_count=10)
    assert human.head(article.get_absolute_url()).status_code == 200
    assert views(article) == 10


@pytest.mark.parametrize(
    "header", [{"HTTP_SEC_PURPOSE": "prefetch"}, {"HTTP_SEC_PURPOSE": "prefetch;prerender"},
               {"HTTP_PURPOSE": "prefetch"}, {"HTTP_X_MOZ": "prefetch"}, {"HTTP_X_PURPOSE": "preview"}],
)  # fmt: skip
def test_prefetches_do_not_count(human, make_entry, header):
    article = make_entry(view_count=10)
    assert human.get(article.get_absolute_url(), **header).status_code == 200
    assert views(article) == 10


def test_staff_views_do_not_count(human, make_entry, editor):
    article = make_entry(view_count=10)
    human.force_login(editor)
    human.get(article.get_absolute_url())
    assert views(article) == 10


def test_counting_does_not_touch_last_updated(human, make_entry):
    article = make_entry()
    before = Entry.objects.get(pk=article.pk).updated_at
    human.get(article.get_absolute_url())
    assert Entry.objects.get(pk=article.pk).updated_at == before


def test_missing_pages_count_nothing(human, make_entry):
    article = make_entry(view_count=5)
    human.get("/terms/not-there/")
    assert views(article) == 5


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_views_lose_nothing(make_entry):
    article = make_entry(view_count=0)
    url = article.get_absolute_url()
    threads, per_thread, errors = 8, 10, []

    def read_many():
        client = Client(HTTP_USER_AGENT=HUMAN_UA)
        try:
            for _ in range(per_thread):
                if client.get(url).status_code != 200:
                    errors.append("non-200")
        except Exception as exc:  # surfaced below: a lock error must fail the test
            errors.append(repr(exc))
        finally:
            connection.close()

    workers = [threading.Thread(target=read_many) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    assert views(article) == threads * per_thread


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_buffered_views_are_all_written_soon(settings, make_entry):
    """With the buffer on (as in production), a burst of concurrent reads is written
    within a second or so, every view of it, and crawlers still don't count."""
    from articles.delivery import counting

    settings.VIEW_FLUSH_SECONDS = 0.2
    article = make_entry(view_count=5)
    url = article.get_absolute_url()

    def read(_):
        try:
            return Client(HTTP_USER_AGENT=HUMAN_UA).get(url).status_code
        finally:
            connection.close()  # this thread's

    with ThreadPoolExecutor(8) as pool:
        assert set(pool.map(read, range(64))) == {200}
    Client(HTTP_USER_AGENT=BOTS[0]).get(url)
    deadline = time.monotonic() + 10
    while views(article) < 69 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert views(article) == 69
    counting.buffer.flush()
    assert views(article) == 69  # nothing held twice


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_failed_write_keeps_the_views(settings, make_entry, monkeypatch):
    from articles.delivery import view_buffer

    settings.VIEW_FLUSH_SECONDS = 3600  # written only when flushed here
    article = make_entry(view_count=0)
    buffer = view_buffer.ViewBuffer()
    for _ in range(3):
        buffer.add(article.pk)
    with monkeypatch.context() as patched:
        patched.setattr(view_buffer, "ADD_VIEWS", "UPDATE no_such_table SET x = %s WHERE id = %s")
        buffer.flush()
    assert views(article) == 0
    buffer.flush()
    assert views(article) == 3
