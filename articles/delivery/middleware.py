"""Reader pages for new readers straight from the cache (SharedPageMiddleware), with
each read of an entry counted, and kept copies or a calm 503 while the database can't be
used (DatabaseOutageMiddleware, outage.py)."""

import functools

from django.conf import settings
from django.http import HttpResponse
from django.urls import Resolver404, get_urlconf, resolve
from django.utils.cache import get_conditional_response
from django.utils.http import parse_http_date_safe

from ..insights import search_counts
from . import outage, page_cache
from .counting import count_view, is_reader_view
from .pages import Visit, reader_page_kind


@functools.lru_cache(maxsize=4096)
def _reader_page_kind(path, urlconf):
    try:
        return reader_page_kind(resolve(path, urlconf).func)
    except Resolver404:
        return None


def reader_page_requested(request):
    """For a read of a page routed as a reader page (pages.reader_page): "shared" or "own"
    (whether new readers get the shared copy); else None."""
    if request.method not in ("GET", "HEAD"):
        return None
    return _reader_page_kind(request.path_info, get_urlconf())


class SharedPageMiddleware:
    """Reader pages cost almost what a static file does for the readers who make most
    requests: no session, no signed-in user, no answers given (no cookie but the CSRF
    one). For them a reader page (pages.reader_page) comes from page_cache's shared copy
    under its address while the glossary's versions are unchanged, without a query. Every
    other request, and a missing or outdated copy, goes the usual way through the view
    (pages.serve), whose page is then kept for the next reader. Either way, a read of an
    entry's page is counted here (in memory: no query).

    It sits inside the security, CSP and Permissions-Policy middleware (their headers
    apply here too) and outside sessions, CSRF and authentication: reader pages hold no
    per-reader token (see feedback.py).

    When the versions can't be read (outage.py), the page's kept copy is served, however
    old (up to KB_STALE_PAGE_SECONDS), or the 503 page if there is none.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.allowed_cookies = {settings.CSRF_COOKIE_NAME}

    def __call__(self, request):
        kind = reader_page_requested(request)
        if kind is None:
            return self.get_response(request)
        visit = request.reader_visit = Visit(
            shared=kind == "shared"
            and request.method == "GET"
            and request.COOKIES.keys() <= self.allowed_cookies
        )
        if visit.shared:
            response = self._shared(request, visit)
        else:
            response = self.get_response(request)
        if visit.counted is not None:
            count_read(request, visit.counted)
        return response

    def _shared(self, request, visit):
        full_path = page_cache.address(request)
        # Read before the page is made: a change committed meanwhile moves the versions,
        # so the page kept below can never outlive it.
        try:
            versions = page_cache.shared_versions()
        except outage.ERRORS:
            return kept_or_unavailable(request)
        page = page_cache.get_shared(full_path, versions)
        if self._current(page, versions):
            return serve_copy(request, page)
        being_made, mine = page_cache.being_made.claim(full_path)
        if not mine:
            # Another thread of this process is making this page: wait for its copy
            # rather than make it again (after a start or a change, a busy page's first
            # readers would otherwise all make it at once).
            being_made.wait(page_cache.PagesBeingMade.WAIT)
            page = page_cache.get_shared(full_path, versions)
            if self._current(page, versions):
                return serve_copy(request, page)
        try:
            visit.found = page
            response = self.get_response(request)
            if response.status_code == 200 and visit.etag is not None:
                page_cache.put_shared(
                    full_path, versions, response, visit.etag, visit.made_at, visit.counted
                )
            return response
        finally:
            if mine:
                page_cache.being_made.done(full_path, being_made)

    @staticmethod
    def _current(page, versions):
        return page is not None and page.versions == versions and page.age() <= page_cache.TIMEOUT


def count_read(request, counted):
    """Count a reader's read of a page (counting.py says whose reads count): a view of an
    entry (and the opening of a search result, if it was one), or a search."""
    if not isinstance(counted, tuple):  # a copy kept by an earlier release
        return
    try:
        if is_reader_view(request):
            if counted[0] == "view":
                count_view(counted[1])
                search_counts.count_open(request, counted[1])
            elif counted[0] == "searched":
                search_counts.count_search(*counted[1:])
    except outage.ERRORS as error:
        # During an outage: a signed-in reader's account can't be read, or the view was to
        # be written at once (KB_VIEW_FLUSH_SECONDS=0). Not counted, then.
        outage.current.began(error)


def serve_copy(request, page, *, kept=False):
    """A kept SharedPage as the response (a 304 if the reader's copy is current); a read
    of it counts as a read of its entry."""
    if visit := getattr(request, "reader_visit", None):
        visit.counted = page.counted
    headers = dict(page.headers)
    last_modified = parse_http_date_safe(headers.get("Last-Modified", ""))
    response = get_conditional_response(
        request, etag=headers.get("ETag"), last_modified=last_modified
    )
    if response is None:
        response = HttpResponse(page.content)
        for name, value in page.headers:
            response[name] = value
        response["Content-Length"] = str(len(page.content))
    else:  # 304: the reader's copy is current
        for name, value in page.headers:
            if not name.lower().startswith("content-"):
                response[name] = value
    if kept:  # perhaps outdated: say how old (RFC 9111's Age)
        response["Age"] = str(int(page.age()))
    return response


def kept_or_unavailable(request):
    """While the database can't be used: a reader page's kept copy, else the 503 page."""
    if reader_page_requested(request) == "shared":
        page = page_cache.get_kept(page_cache.address(request))
        if page is not None:
            outage.current.copies_served += 1
            return serve_copy(request, page, kept=True)
    return outage.unavailable(request)


class DatabaseOutageMiddleware:
    """A view that finds the database unusable answers like SharedPageMiddleware does
    when it can't read the versions (any reader, any page): the kept copy or the 503
    page, without a traceback in the log (outage.py logs the outage once)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, outage.ERRORS):
            return None
        outage.current.began(exception)
        return kept_or_unavailable(request)
