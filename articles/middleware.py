"""Site-wide response rules: one address per page (LowercasePathMiddleware), the
Permissions-Policy header, reader pages for new readers straight from the cache
(SharedPageMiddleware), and kept copies or a calm 503 while the database can't be used
(DatabaseOutageMiddleware, outage.py)."""

import re

from django.conf import settings
from django.http import HttpResponse, HttpResponsePermanentRedirect
from django.urls import Resolver404, resolve
from django.utils.cache import get_conditional_response
from django.utils.encoding import escape_uri_path
from django.utils.http import parse_http_date_safe

from . import outage, page_cache
from .counting import count_view, is_reader_view


class LowercasePathMiddleware:
    """A path that is not found in the case it was typed in, but is in lower case
    ("/Terms/peer-support/"), answers 301 to the lower-case address."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code != 404 or request.method not in ("GET", "HEAD"):
            return response
        path = request.path_info
        lower = path.lower()
        if lower == path:
            return response
        for candidate in (lower, lower if lower.endswith("/") else lower + "/"):
            try:
                resolve(candidate)
            except Resolver404:
                continue
            url = request.META.get("SCRIPT_NAME", "").rstrip("/") + escape_uri_path(candidate)
            query = request.META.get("QUERY_STRING", "")
            return HttpResponsePermanentRedirect(f"{url}?{query}" if query else url)
        return response


class PermissionsPolicyMiddleware:
    """Sends settings.PERMISSIONS_POLICY: browser features the site never uses are off."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = settings.PERMISSIONS_POLICY

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", self.policy)
        return response


class SharedPageMiddleware:
    """Reader pages cost almost what a static file does for the readers who make most
    requests: no session, no signed-in user, no answers given (no cookie but the CSRF
    one). For them the home page, the index, category, term and search pages come from
    page_cache's shared copy under their address while the glossary's versions are
    unchanged; a term page's read is counted first (in memory: no query at all). Every other
    request, and a missing or outdated copy, goes the usual way through the view, whose
    page is then kept for the next reader.

    It sits inside the security, CSP and Permissions-Policy middleware (their headers
    apply here too) and outside sessions, CSRF and authentication: reader pages hold no
    per-reader token (see feedback.py).

    When the versions can't be read (outage.py), the page's kept copy is served, however
    old (up to KB_STALE_PAGE_SECONDS), or the 503 page if there is none.
    """

    PATHS = re.compile(r"/(?:terms/(?:[-a-z0-9_]+/)?|categories/[-a-z0-9_]+/|search/)?")

    def __init__(self, get_response):
        self.get_response = get_response
        self.allowed_cookies = {settings.CSRF_COOKIE_NAME}

    def __call__(self, request):
        if not (
            request.method == "GET"
            and self.PATHS.fullmatch(request.path_info)
            and request.COOKIES.keys() <= self.allowed_cookies
        ):
            return self.get_response(request)
        full_path = request.get_full_path()
        # Read before the page is made: a change committed meanwhile moves the versions,
        # so the page kept below can never outlive it.
        try:
            versions = page_cache.shared_versions()
        except outage.ERRORS:
            return kept_or_unavailable(request)
        page = page_cache.get_shared(full_path, versions)
        if self._current(page, versions):
            return self._serve(request, page)
        making, mine = page_cache.making.claim(full_path)
        if not mine:
            # Another thread of this process is making this page: wait for its copy
            # rather than make it again (after a start or a change, a busy page's first
            # readers would otherwise all make it at once).
            making.wait(page_cache.Making.WAIT)
            page = page_cache.get_shared(full_path, versions)
            if self._current(page, versions):
                return self._serve(request, page)
        try:
            # The view may find the outdated copy still good (page_cache.get).
            request.outdated_shared_page = page
            response = self.get_response(request)
            if response.status_code == 200 and hasattr(response, "shared_content"):
                page_cache.put_shared(full_path, versions, response)
            return response
        finally:
            if mine:
                page_cache.making.done(full_path, making)

    @staticmethod
    def _current(page, versions):
        return page is not None and page.versions == versions and page.age() <= page_cache.TIMEOUT

    @staticmethod
    def _serve(request, page, *, kept=False):
        try:
            if page.counted_article_id is not None and is_reader_view(request):
                count_view(page.counted_article_id)
        except outage.ERRORS as error:
            # During an outage: a signed-in reader's account can't be read, or the view
            # was to be written at once (KB_VIEW_FLUSH_SECONDS=0). Not counted, then.
            outage.current.began(error)
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
    reading = request.method in ("GET", "HEAD")
    if reading and SharedPageMiddleware.PATHS.fullmatch(request.path_info):
        page = page_cache.get_kept(request.get_full_path())
        if page is not None:
            outage.current.copies_served += 1
            return SharedPageMiddleware._serve(request, page, kept=True)
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
