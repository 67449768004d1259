"""Rendered pages for anonymous readers, kept in Django's cache (local memory, or Redis
when REDIS_URL is set).

The shared copy (SharedPageMiddleware): a reader who brings no session and no answers
(no cookie but the CSRF one, which reader pages don't use) gets the page that any such
reader gets, stored under its address and valid while the glossary's stored versions
(GlossaryState) are the ones it was made under. It is answered before sessions,
authentication and the view run, without a query. Any saved entry, part or category
moves those versions; then the page's validators are worked out (conditional.py),
which change exactly when something the page shows changes, and if they are the ones
the copy was made with, the copy is still good and is kept under the new versions: an
edit re-makes only the pages that show it.

Readers who bring state (a session, an answer given) get each page's own copy, keyed
by its address and validators.

Copies live 50 seconds at most from when they were made, so view counts and "most
viewed" lists (with the views' one-second buffer, counting.py) lag by under a minute.
Shared copies are kept longer (KB_STALE_PAGE_SECONDS, for addresses without a query
string), to be served while the database can't be read (outage.py, get_kept).
A read counts whether the page came from a copy or not (SharedPageMiddleware counts
it). Signed-in users (editors) always get a fresh page.
"""

import hashlib
import pickle
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, fields
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import caches
from django.http import HttpResponse
from django.utils import timezone
from django.utils.connection import ConnectionProxy

from . import conditional, outage

cache = ConnectionProxy(caches, "pages")  # as django.core.cache.cache is to "default"
TIMEOUT = 50  # with the views' buffer (counting.py), counts shown lag under a minute
KEPT_HEADERS = ("Content-Type", "Content-Language")
# What reading a copy kept by another release may raise: it is then no copy at all.
UNREADABLE = (pickle.UnpicklingError, ImportError, AttributeError, EOFError, TypeError, ValueError)


# Query parameters that change nothing a page shows: a search result's rank (counted by
# insights/search_counts.py). Copies are kept under the address without them.
IGNORED_PARAMETERS = frozenset({"rank"})


def address(request):
    """The address a page's copies are kept under: its path and query, without the
    parameters that change nothing it shows."""
    full_path = request.get_full_path()
    query = request.META.get("QUERY_STRING", "")
    if not any(name in query for name in IGNORED_PARAMETERS):  # most addresses: no parsing
        return full_path
    if not IGNORED_PARAMETERS & request.GET.keys():
        return full_path
    kept = [
        (name, value)
        for name, values in request.GET.lists()
        if name not in IGNORED_PARAMETERS
        for value in values
    ]
    path = request.path
    return f"{path}?{urlencode(kept)}" if kept else path


def _key(request, validators):
    text = f"{address(request)}|{validators.etag}"
    return "page:" + hashlib.sha256(text.encode()).hexdigest()


def usable(request):
    """Whether this request may get (and leave) a copy: signed-in users (editors) never do."""
    return request.method == "GET" and not request.user.is_authenticated


def response_of(content, headers, counted=None):
    response = HttpResponse(content)
    response.counted = counted  # what a read of it counts (pages.Page.counted)
    for name, value in headers:
        if name in KEPT_HEADERS:
            response[name] = value
    return response


def own_copy(request, validators):
    """This reader's copy of the page made with these validators, or None."""
    try:
        stored = cache.get(_key(request, validators))
    except UNREADABLE:  # kept by another release
        return None
    if stored is None:
        return None
    content, headers, _made_at, counted = stored
    return response_of(content, headers.items(), counted)


def keep_own_copy(request, validators, response):
    if response.status_code == 200:
        headers = {name: response[name] for name in KEPT_HEADERS if name in response}
        counted = getattr(response, "counted", None)
        stored = (response.content, headers, time.time(), counted)
        cache.set(_key(request, validators), stored, TIMEOUT)
    return response


@dataclass(frozen=True)
class SharedPage:
    """A page as every new reader gets it (headers and body) and what a read of it
    counts (pages.Page.counted). Valid under `versions`; made with validators `etag`, at
    `made_at` (seconds since the epoch: the same clock in every process)."""

    versions: tuple
    etag: str
    made_at: float
    headers: tuple
    content: bytes
    counted: tuple | None

    def age(self):
        return time.time() - self.made_at

    def stored(self):
        """As kept in the cache: a plain tuple, which any release can read (a pickled
        instance names this module and class, which a later release may not have)."""
        return tuple(getattr(self, field.name) for field in fields(self))

    def still_good(self, validators):
        """Whether this copy, made under other versions, shows what a page made now with
        `validators` would (and is young enough to be served: it shows view counts)."""
        return self.etag == validators.etag and self.age() <= TIMEOUT


def shared_versions():
    """What every shared page's validity depends on beyond its address: GlossaryState's
    versions (any content saved, names changed, a public entry deleted, a scheduled time
    come; read from the database at most twice a second), the release (templates,
    static files) and the site's date (a term page's review notice and citations)."""
    return (conditional.release_tag(), timezone.localdate().isoformat(), *outage.versions())


def _shared_key(full_path):
    return "shared:" + hashlib.sha256(full_path.encode()).hexdigest()


class RecentPages:
    """The shared pages this process served last, as objects: a hit costs no round trip
    to Redis and no unpickling. They are exactly as valid as the cache's copies (the same
    versions and age are checked)."""

    SIZE = 32  # about 1 MB of pages per process

    def __init__(self):
        self._lock = threading.Lock()
        self._pages = OrderedDict()  # key → SharedPage

    def get(self, key, *, kept=False):
        """The page if it may be served: made under TIMEOUT ago, or with `kept` (the
        database can't be read) under stale_seconds() ago."""
        limit = TIMEOUT + stale_seconds() if kept else TIMEOUT
        with self._lock:
            page = self._pages.get(key)
            if page is None or page.age() > limit:
                return None
            self._pages.move_to_end(key)
            return page

    def put(self, key, page):
        with self._lock:
            self._pages[key] = page
            self._pages.move_to_end(key)
            while len(self._pages) > self.SIZE:
                self._pages.popitem(last=False)

    def clear(self):
        with self._lock:
            self._pages.clear()

    def __len__(self):
        return len(self._pages)

    def holds_kept(self):
        """Whether any page held may be served while the database can't be read."""
        limit = TIMEOUT + stale_seconds()
        with self._lock:
            return any(page.age() <= limit for page in self._pages.values())


recent = RecentPages()


class PagesBeingMade:
    """Shared pages being made in this process, by address: the first thread to ask for a
    missing page makes it; the others wait for it (at most WAIT seconds, then make it
    themselves)."""

    WAIT = 2.0

    def __init__(self):
        self._lock = threading.Lock()
        self._pages = {}  # address → threading.Event, set once made (or given up)

    def claim(self, full_path):
        """(the page's event, whether this thread is to make it)."""
        with self._lock:
            if event := self._pages.get(full_path):
                return event, False
            event = self._pages[full_path] = threading.Event()
            return event, True

    def done(self, full_path, event):
        with self._lock:
            if self._pages.get(full_path) is event:
                del self._pages[full_path]
        event.set()


being_made = PagesBeingMade()


def _read_shared(key):
    """The SharedPage kept in the cache under `key`, or None (also for one kept by a
    release that stored it in another shape)."""
    try:
        stored = cache.get(key)
    except UNREADABLE:
        return None
    if not isinstance(stored, tuple) or len(stored) != len(fields(SharedPage)):
        return None
    return SharedPage(*stored)


def get_shared(full_path, versions):
    """The shared copy kept for this address, current (made under `versions`) or not; or
    None."""
    key = _shared_key(full_path)
    page = recent.get(key)
    if page is None or page.versions != versions:
        page = _read_shared(key) or page
        # (The cache keeps copies past TIMEOUT for outages: those stay out of memory.)
        if page is not None and page.versions == versions and page.age() <= TIMEOUT:
            recent.put(key, page)
    return page


def get_kept(full_path):
    """The shared copy kept for this address, whatever the versions, made under
    TIMEOUT + stale_seconds() ago (in this process's memory or the cache), or None: what
    readers get while the database can't be read."""
    key = _shared_key(full_path)
    page = recent.get(key, kept=True)
    if page is None:
        page = _read_shared(key)
        if page is not None and page.age() > TIMEOUT + stale_seconds():
            page = None
    return page


def holds_kept():
    """Whether there are pages to serve while the database can't be read: in this
    process's memory, or the home page's copy in the cache (kept by any server)."""
    return recent.holds_kept() or get_kept("/") is not None


def stale_seconds():
    return settings.STALE_PAGE_SECONDS


def _lifetime(full_path, page):
    # Addresses with a query string (searches, campaign tags) are unbounded in number:
    # only those without one are kept for outages.
    kept = 0 if "?" in full_path else stale_seconds()
    return TIMEOUT + kept - page.age()


def put_shared(full_path, versions, response, etag, made_at, counted):
    """Keep `response` (made with validators `etag` at `made_at`) as the shared copy of
    this address under `versions`."""
    headers = tuple(
        (name, value) for name, value in response.items() if name.lower() != "content-length"
    )
    page = SharedPage(versions, etag, made_at, headers, response.content, counted)
    key = _shared_key(full_path)
    lifetime = _lifetime(full_path, page)
    if page.age() <= TIMEOUT and lifetime > 0:
        cache.set(key, page.stored(), lifetime)
        recent.put(key, page)


def clear():
    """Forget every rendered page (tests; after changing templates by hand)."""
    cache.clear()
    recent.clear()
