"""Rendered pages for anonymous readers, kept in Django's cache (local memory, or Redis
when REDIS_URL is set).

A page's key is made from its validators (conditional.py), which change whenever
anything the page shows changes: saving an entry, its parts, its category or a related
entry gives exactly the pages that show it a new key, and other pages stay cached. Entries
live a minute at most, so view counts and "most viewed" lists lag by a minute at most.
Views are counted before the cache is asked (views.py), so cached reads count too.
Signed-in users (editors) always get a fresh page.
"""

import hashlib

from django.core.cache import cache
from django.http import HttpResponse
from django.middleware.csrf import get_token

TIMEOUT = 60
# Forms on cached pages carry this instead of a CSRF token; each response gets the
# reader's own token (see with_csrf_token).
CSRF_PLACEHOLDER = "csrf-token-placeholder-3f9a"
KEPT_HEADERS = ("Content-Type", "Content-Language")


def _key(request, validators):
    text = f"{request.get_full_path()}|{validators.etag}"
    return "page:" + hashlib.sha256(text.encode()).hexdigest()


def usable(request):
    return request.method == "GET" and not request.user.is_authenticated


def get(request, validators):
    """The cached response for this page and version, or None."""
    if not usable(request):
        return None
    stored = cache.get(_key(request, validators))
    if stored is None:
        return None
    content, headers = stored
    response = HttpResponse(content)
    for name, value in headers.items():
        response[name] = value
    return response


def put(request, validators, response):
    if usable(request) and response.status_code == 200:
        headers = {name: response[name] for name in KEPT_HEADERS if name in response}
        cache.set(_key(request, validators), (response.content, headers), TIMEOUT)
    return response


def with_csrf_token(request, response):
    """Put this reader's CSRF token where the page has the placeholder (and so set the
    CSRF cookie)."""
    placeholder = CSRF_PLACEHOLDER.encode()
    if placeholder in response.content:
        response.content = response.content.replace(placeholder, get_token(request).encode())
    return response
