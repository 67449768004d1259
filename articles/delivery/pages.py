"""One way to serve a reader page.

A reader view returns a `Page`: what the page depends on (its validators), how to make it,
how long browsers may reuse it and which entry a read of it counts a view of. The
`reader_page` decorator, applied where the view is routed (urls.py), turns it into the
response, always in the same order:

    validators → 304 if the reader's copy is current → a kept copy (the shared one for new
    readers, else the reader's own) → or render and keep → ETag, Last-Modified and
    Cache-Control.

It also marks the route as a reader page: SharedPageMiddleware serves new readers its
shared copy before the view runs, and counts the reads. A view may return any other
response instead (a redirect, a 404 or 410 page); that is sent as it is.
"""

import functools
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpResponse
from django.http.response import HttpResponseBase

from . import conditional, page_cache


@dataclass(frozen=True)
class Page:
    """A reader page, before it is made."""

    validators: conditional.Validators  # change exactly when what the page shows changes
    make: Callable[[], HttpResponse]  # renders it
    max_age: int = 0  # seconds browsers and shared caches may reuse it without asking
    # What a read of this page counts (counting.py): ("view", entry id) for a term page.
    # A page known only once made (a search's results) has make() set response.counted.
    counted: tuple | None = None


@dataclass
class Visit:
    """One request for a reader page as SharedPageMiddleware and serve() see it: the one
    object they exchange (request.reader_visit)."""

    shared: bool  # a new reader's request: may be answered with, and leave, the shared copy
    # Set by the middleware: the shared copy it holds for this address, made under other
    # versions of the glossary; serve() may find that it still shows the same.
    found: page_cache.SharedPage | None = None
    # Set by serve(): what a read of the page counts (Page.counted)...
    counted: tuple | None = None
    # ...and, for a page to keep as the shared copy, the validators it was made with and when.
    etag: str | None = None
    made_at: float | None = None


def reader_page(view, *, shared=True):
    """Route a reader view (it returns a Page or a response): see the module's docstring.
    `shared=False` for a page that needs no database (help): new readers get it from the
    view too, so that it works while the database is down."""

    @functools.wraps(view)
    def serve_view(request, *args, **kwargs):
        answer = view(request, *args, **kwargs)
        if isinstance(answer, HttpResponseBase):
            return answer
        return serve(request, answer)

    serve_view.reader_page = "shared" if shared else "own"
    return serve_view


def reader_page_kind(view):
    """ "shared" or "own" for a view routed with reader_page (shared copies for new readers
    or not), else None."""
    return getattr(view, "reader_page", None)


def serve(request, page):
    """The response to `page` (see the module's docstring)."""
    visit = getattr(request, "reader_visit", None) or Visit(shared=False)
    validators = page.validators
    response = conditional.not_modified(request, validators)
    if response is None:
        response = _copy_or_make(request, visit, page)
    visit.counted = getattr(response, "counted", None) or page.counted
    return conditional.add_cache_headers(request, response, validators, max_age=page.max_age)


def _copy_or_make(request, visit, page):
    if not page_cache.usable(request):  # signed-in: always made afresh
        return page.make()
    validators = page.validators
    if not visit.shared:
        copy = page_cache.own_copy(request, validators)
        return copy or page_cache.keep_own_copy(request, validators, page.make())
    found = visit.found
    if found is not None and found.still_good(validators):
        # Kept again by the middleware under the new versions, with its age.
        visit.etag, visit.made_at = found.etag, found.made_at
        return page_cache.response_of(found.content, found.headers, found.counted)
    response = page.make()
    if response.status_code == 200:
        visit.etag, visit.made_at = validators.etag, time.time()
    return response
