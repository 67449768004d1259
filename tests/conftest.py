import itertools
import os
import shutil

import pytest
from django.contrib.auth.models import Group, User
from django.contrib.contenttypes.models import ContentType
from django.core.cache import caches
from django.core.management import call_command
from django.utils import timezone

from articles import outage, page_cache
from articles.models import (
    Article,
    Category,
    ExpertQuote,
    GlossaryState,
    KeyPoint,
    RemovedArticle,
)

_counter = itertools.count(1)

# Playwright's sync API runs an event loop in the test thread; Django must allow ORM calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Keep the browser on loopback: no background requests to outside hosts.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1 , EXCLUDE localhost",
    "--proxy-server=http://127.0.0.1:9",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail(f"Chromium is required for browser tests ({CHROMIUM} not found)")
        pytest.skip("Chromium not installed (make test installs it where apt-get is available)")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [*browser_type_launch_args.get("args", []), *CHROMIUM_ARGS],
    }


HUMAN_UA = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36"
)


@pytest.fixture
def make_category(db):
    def make(**overrides):
        n = next(_counter)
        fields = {"name": f"Category {n}", "slug": f"category-{n}", "order": n}
        fields.update(overrides)
        return Category.objects.create(**fields)

    return make


@pytest.fixture
def make_article(db, make_category):
    """Create a published entry; `key_points` and `quotes` add children."""

    def make(key_points=(), quotes=(), **overrides):
        n = next(_counter)
        fields = {
            "title": f"Term {n}",
            "slug": f"term-{n}",
            "definition": f"Definition of term {n}.",
            "tldr": f"Summary of term {n}.",
            "body": f"## Section\n\nBody of term {n}.",
            "status": Article.Status.PUBLISHED,
            "published_at": timezone.now() - timezone.timedelta(days=1),
        }
        fields.update(overrides)
        if "category" not in fields:
            fields["category"] = make_category()
        article = Article.objects.create(**fields)
        for order, text in enumerate(key_points, 1):
            KeyPoint.objects.create(article=article, text=text, order=order)
        for order, (text, attribution) in enumerate(quotes, 1):
            ExpertQuote.objects.create(
                article=article, text=text, attribution=attribution, order=order
            )
        return article

    return make


@pytest.fixture
def editor(db):
    user = User.objects.create_user("editor", password="a-long-test-password", is_staff=True)
    user.groups.add(Group.objects.get(name="Editors"))
    return user


@pytest.fixture
def human(client):
    """A test client that looks like a reader's browser."""
    client.defaults["HTTP_USER_AGENT"] = HUMAN_UA
    return client


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo glossary, loaded once for the tests of a module (which must not change it)."""
    with django_db_blocker.unblock():
        call_command("load_demo_content", verbosity=0)
        yield
        Article.objects.all().delete()
        Category.objects.all().delete()
        RemovedArticle.objects.all().delete()


@pytest.fixture(autouse=True)
def _views_written_at_once(settings):
    """Each view is written as it is counted (test_counting.py tests the buffer)."""
    settings.VIEW_FLUSH_SECONDS = 0


@pytest.fixture(autouse=True)
def _versions_read_each_time(monkeypatch):
    """Shared pages check the glossary's versions on every request (test_page_cache.py
    tests the half-second memory of them)."""
    monkeypatch.setattr(GlossaryState, "RECENT_SECONDS", 0)


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with empty caches (pages, feedback memory, throttles)."""
    for cache in caches.all():
        cache.clear()
    page_cache.recent.clear()
    # A transactional test's flush makes content types anew, with new ids: ids remembered
    # from before would break the next test's admin log and revisions.
    ContentType.objects.clear_cache()


@pytest.fixture(autouse=True)
def _no_database_outage(monkeypatch):
    """Each test starts with the database taken to be up (a database error in one test
    would otherwise have the next one's reader pages served as during an outage)."""
    monkeypatch.setattr(outage, "current", outage.Outage())
