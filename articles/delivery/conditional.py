"""Cheap re-reads: validators (ETag, Last-Modified) for reader pages, the 304 answer to a
matching conditional request, and Cache-Control.

A validator covers what a page shows except its view count (which may lag), plus a
release tag, so a deploy that changes templates or static files changes every ETag.
"""

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache

from django.conf import settings
from django.db.models import Count, Max
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date

from ..models import Entry, GlossaryState, RemovedEntry, published_q

EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
# Lists may be cached briefly; a term page is revalidated on every read so that each
# read reaches the server and is counted (a 304 costs almost nothing).
LIST_MAX_AGE = 300


@cache
def release_tag():
    """A digest of the templates, the static manifest and the code that makes pages (and
    the shape in which page_cache keeps them): changes with each deploy."""
    digest = hashlib.sha256(f"{settings.SITE_NAME}|{settings.SITE_URL}".encode())
    base = settings.BASE_DIR
    files = [
        *sorted(path for path in (base / "templates").rglob("*") if path.is_file()),
        settings.STATIC_ROOT / "staticfiles.json",
        # Source only: compiled files come and go, and differ between processes.
        *sorted((base / "articles").rglob("*.py")),
        *sorted((base / "knowledgebase").rglob("*.py")),
    ]
    for path in files:
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


@dataclass(frozen=True)
class Validators:
    etag: str
    last_modified: datetime

    @classmethod
    def of(cls, *parts, last_modified):
        text = "|".join(str(part) for part in (release_tag(), *parts))
        # Weak: the same content may come with a different view count.
        etag = f'W/"{hashlib.sha256(text.encode()).hexdigest()[:32]}"'
        return cls(etag=etag, last_modified=last_modified or EPOCH)

    def plus(self, *parts):
        """These validators, for a page that also shows `parts`."""
        return Validators.of(self.etag, *parts, last_modified=self.last_modified)


def for_entry(entry, related, *page_state):
    """An entry's page shows the entry, its category, its (public) `related` entries and
    links to the entries it mentions; `page_state` adds what else the page depends on."""
    related = sorted((r.pk, r.updated_at) for r in related)
    changed = [entry.updated_at, entry.category.updated_at, *(at for _, at in related)]
    return Validators.of(entry.pk, changed, related, *page_state, last_modified=max(changed))


def for_list(category=None):
    """The A–Z index and home (or one category's page): any change to the entries they
    may list. The index reads three stored or indexed values, whatever the glossary's
    size; a category page looks at its own entries."""
    if category is None:
        versions = GlossaryState.versions()
        changed = [versions.content, versions.removed, versions.published]
        last_modified = max((moment for moment in changed if moment), default=None)
        return Validators.of(
            "index", *[str(moment) for moment in changed], last_modified=last_modified
        )
    articles = Entry.objects.filter(category=category)
    removed = RemovedEntry.objects.filter(category=category)
    # Drafts count as changes too (an entry unpublished or published moves its
    # updated_at); an entry whose scheduled time has come changes the published count.
    public = published_q()
    stats = articles.aggregate(
        updated=Max("updated_at"),
        published=Max("published_at", filter=public),
        count=Count("pk", filter=public),
        newest=Max("pk", filter=public),
    )
    stats |= removed.aggregate(removed=Max("removed_at"))
    changed = [stats["updated"], stats["published"], stats["removed"], category.updated_at]
    last_modified = max((moment for moment in changed if moment), default=None)
    return Validators.of(
        category.pk,
        stats["count"],
        stats["newest"],
        *[moment.isoformat() if moment else "" for moment in changed],
        last_modified=last_modified,
    )


def not_modified(request, validators):
    """A 304 (or 412) response when the client's copy is current, else None."""
    return get_conditional_response(
        request,
        etag=validators.etag,
        last_modified=int(validators.last_modified.timestamp()),
    )


def add_cache_headers(request, response, validators, *, max_age=0):
    """Validators and Cache-Control for a reader page: browsers and shared caches may
    reuse it for `max_age` seconds, then ask again (0: ask every time). Pages of
    signed-in users (editors see drafts' links and fresh counts) are never stored by
    shared caches."""
    response["ETag"] = validators.etag
    response["Last-Modified"] = http_date(validators.last_modified.timestamp())
    if request.user.is_authenticated:
        patch_cache_control(response, private=True, no_cache=True)
    elif max_age:
        patch_cache_control(response, public=True, max_age=max_age)
    else:
        patch_cache_control(response, public=True, no_cache=True)
    return response
