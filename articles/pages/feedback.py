""" "Was this helpful?": one answer per reader and entry, counted atomically.

A reader's answers are remembered in a signed cookie, and (for readers who clear their
cookies) their address is remembered in the cache for a day.

The form carries no CSRF token, so that a term page is the same for every reader who has
not answered (it can be served from a shared copy, and sets no cookie). Answers from other
sites are refused by what browsers say about where a request comes from (from_this_site,
the Fetch Metadata check that Go's CrossOriginProtection and OWASP describe)."""

import hashlib
import hmac
from urllib.parse import urlsplit

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.db.models import F

from ..models import Entry

COOKIE = "kb_answered"
COOKIE_AGE = 365 * 24 * 3600
REMEMBERED = 200  # entries per cookie, newest kept
ADDRESS_MEMORY = 24 * 3600


def _origin(url):
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def from_this_site(request):
    """Whether a browser sent this request from one of the site's own pages. Browsers
    send Sec-Fetch-Site (all current ones) or at least Origin with a form's POST; a
    request with neither is not from a browser, so it cannot be a forged one."""
    site = request.META.get("HTTP_SEC_FETCH_SITE")
    if site is not None:
        return site in ("same-origin", "none")  # "none": typed or bookmarked by the user
    origin = request.META.get("HTTP_ORIGIN")
    if origin is None:
        return True
    allowed = {
        _origin(f"{request.scheme}://{request.get_host()}"),
        _origin(settings.SITE_URL),
        *(_origin(trusted) for trusted in settings.CSRF_TRUSTED_ORIGINS),
    }
    return origin.lower() in allowed


def answered(request):
    """Ids of the entries this browser has answered for."""
    try:
        value = request.get_signed_cookie(COOKIE, default="", salt=COOKIE)
    except signing.BadSignature:
        return []
    return [int(part) for part in value.split(",") if part.isdigit()]


def address_key(prefix, request, *parts):
    """A cache key for this reader's address (and `parts`): a keyed hash (HMAC with the
    secret key), which can't be turned back into the address by trying every address."""
    text = "|".join([request.META.get("REMOTE_ADDR", ""), *map(str, parts)])
    digest = hmac.new(settings.SECRET_KEY.encode(), text.encode(), hashlib.sha256).hexdigest()
    return f"{prefix}:{digest}"


def _address_key(request, article):
    return address_key("feedback", request, article.pk)


def record(request, response, article, helpful):
    """Count the answer unless this reader already gave one; remember it either way.
    Returns whether it was counted."""
    seen = answered(request)
    counted = article.pk not in seen and cache.add(
        _address_key(request, article), 1, ADDRESS_MEMORY
    )
    if counted:
        field = "helpful_yes" if helpful else "helpful_no"
        Entry.objects.filter(pk=article.pk).update(**{field: F(field) + 1})
    seen = [pk for pk in seen if pk != article.pk][-(REMEMBERED - 1) :] + [article.pk]
    response.set_signed_cookie(
        COOKIE,
        ",".join(map(str, seen)),
        salt=COOKIE,
        max_age=COOKIE_AGE,
        httponly=True,
        samesite="Lax",
        secure=request.is_secure(),
    )
    return counted
