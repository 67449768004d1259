import itertools
import os
import shutil

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, User
from django.contrib.contenttypes.models import ContentType
from django.core.cache import caches
from django.core.management import call_command
from django.utils import timezone
from pytest_django.fixtures import validate_django_db

from articles.delivery import counting, outage, page_cache
from articles.insights import search_counts
from articles.models import (
    Category,
    Entry,
    ExpertQuote,
    GlossaryState,
    KeyPoint,
    RemovedEntry,
    SearchTypoKey,
)

_counter = itertools.count(1)


# Transactional tests (django_db(transaction=True), transactional_db, live_server) commit
# their data, and the database is flushed after each. Without serialized_rollback the
# flush runs post_migrate again: content types and permissions come back with new ids and
# the migrations' rows (the Editors group) don't come back at all, so the next test that
# restores the database fails on duplicate content types, and others miss the group. With
# it, each starts from the database the migrations made (restored) and leaves it empty,
# which only tests that restore it or use no database follow: pytest-django runs the `db`
# tests first, then the transactional ones, then the rest, and pytest-randomly shuffles
# the order within each group.
def _flushes_the_database(item):
    marker = item.get_closest_marker("django_db")
    transaction, reset_sequences = validate_django_db(marker)[:2] if marker else (False, False)
    fixtures = set(getattr(item, "fixturenames", ()))
    return transaction or reset_sequences or bool({"transactional_db", "live_server"} & fixtures)


def _restores_the_database(item):
    marker = item.get_closest_marker("django_db")
    return bool(marker and validate_django_db(marker)[3]) or (
        "django_db_serialized_rollback" in getattr(item, "fixturenames", ())
    )


def pytest_collection_modifyitems(config, items):
    careless = [
        i.nodeid for i in items if _flushes_the_database(i) and not _restores_the_database(i)
    ]
    if careless:
        raise pytest.UsageError(
            "transactional tests must restore the database, with "
            "django_db(transaction=True, serialized_rollback=True) (see tests/conftest.py): "
            + ", ".join(careless)
        )


def _shuffled_with_seed(config):
    """The seed of this run's order, when pytest-randomly shuffles it, else None."""
    if config.pluginmanager.hasplugin("randomly") and config.getoption("randomly_reorganize"):
        return config.getoption("randomly_seed")
    return None


def pytest_report_collectionfinish(config):
    # pytest-randomly names its seed in the header, which -q leaves out.
    seed = _shuffled_with_seed(config)
    if seed is not None and config.option.verbose < 0:
        return f"Tests in random order: repeat it with -p randomly --randomly-seed={seed}"
    return []


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    seed = _shuffled_with_seed(config)
    if seed is not None and exitstatus == pytest.ExitCode.TESTS_FAILED:
        terminalreporter.write_line(
            f"Tests ran in random order: repeat it with -p randomly --randomly-seed={seed}"
        )


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


@pytest.fixture
def chief_page(live_server, browser):
    """A browser page signed in to the admin as a superuser (transactional tests can't
    rely on the Editors group migration's rows)."""
    from django.test import Client

    client = Client()
    client.force_login(User.objects.create_superuser("chief", password="a-long-password-1"))
    context = browser.new_context()
    session = client.cookies["sessionid"].value
    context.add_cookies([{"name": "sessionid", "value": session, "url": live_server.url}])
    yield context.new_page()
    context.close()


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
def make_entry(db, make_category):
    """Create a published entry; `key_points` and `quotes` add children."""

    def make(key_points=(), quotes=(), **overrides):
        n = next(_counter)
        fields = {
            "title": f"Term {n}",
            "slug": f"term-{n}",
            "definition": f"Definition of term {n}.",
            "tldr": f"Summary of term {n}.",
            "body": f"## Section\n\nBody of term {n}.",
            "status": Entry.Status.PUBLISHED,
            "published_at": timezone.now() - timezone.timedelta(days=1),
        }
        fields.update(overrides)
        if "category" not in fields:
            fields["category"] = make_category()
        article = Entry.objects.create(**fields)
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


def _content_row_counts():
    return {
        model._meta.label: model._base_manager.count()
        for model in apps.get_app_config("articles").get_models()
    }


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo glossary, loaded once for the tests of a module (which must not change it).
    It is committed, so it is removed afterwards, every row of it: the tests of other
    modules, in whatever order they come, find the database as it was."""
    with django_db_blocker.unblock():
        # Content types as they are now (a transactional test may have flushed them).
        ContentType.objects.clear_cache()
        before = _content_row_counts()
        call_command("load_demo_content", verbosity=0)
        yield
        Entry.objects.all().delete()
        Category.objects.all().delete()
        RemovedEntry.objects.all().delete()
        # What loading made beside the content: the glossary's state row and the spelling
        # vocabulary (kept when entries go, so it would suggest demo words to later tests).
        GlossaryState.objects.all().delete()
        SearchTypoKey.objects.all().delete()
        left = {k: n for k, n in _content_row_counts().items() if n != before[k]}
        assert not left, f"the demo content left rows behind: {left}"


@pytest.fixture(autouse=True)
def _views_written_at_once(settings):
    """Each view is written as it is counted (test_counting.py tests the buffer); what a
    test left in the shared buffers is forgotten, not written during a later test."""
    settings.VIEW_FLUSH_SECONDS = 0
    yield
    counting.buffer.clear()
    search_counts.buffer.clear()


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
