"""Addresses of the site's pages, resolved once per process (and script prefix and URL
configuration): reverse() walks the URL patterns each time, and a term page links to
dozens of addresses."""

from functools import cache

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse


@cache
def _resolved(viewname, args, script_prefix, urlconf):
    return reverse(viewname, args=args, urlconf=urlconf)


def _current(viewname, args=()):
    return _resolved(viewname, args, get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)


def fixed(viewname):
    """reverse(viewname), for a page that takes no arguments."""
    return _current(viewname)


def by_slug(viewname, slug):
    """reverse(viewname, args=[slug]): the address is the same text around any slug
    (slugs need no quoting)."""
    before, after = _current(viewname, ("slug",)).rsplit("slug", 1)
    return f"{before}{slug}{after}"
