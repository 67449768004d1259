"""The glossary's stored versions: what every shared page's validity and the
cross-links depend on."""

import time
from collections import namedtuple

from django.db import connection, models, transaction
from django.utils import timezone

from .entries import Entry, RemovedEntry, from_db_value, published_sql

Versions = namedtuple("Versions", "names content removed published")


class GlossaryState(models.Model):
    """One row: when the set of public names (titles, aliases, addresses, visibility) last
    changed, and when any content did. Cross-links (linking.py) depend on the first, not
    on every save, so that editing an entry's text leaves other pages' caches alone; the
    lists' validators read the second instead of scanning every entry."""

    names_changed_at = models.DateTimeField(default=timezone.now)
    # Any entry or category saved or deleted: the version of the lists (index, home).
    content_changed_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"names changed at {self.names_changed_at}"

    @classmethod
    def versions(cls):
        """(names changed, content changed, last public deletion, latest publication time
        that has come), in one query of one row and two indexed maxima. A public entry's
        deletion and a scheduled entry's time coming change both kinds of version."""
        state, removed, articles = (m._meta.db_table for m in (cls, RemovedEntry, Entry))
        visible = published_sql("a")
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT s.names_changed_at, s.content_changed_at, "
                f"(SELECT MAX(r.removed_at) FROM {removed} r), "
                f"(SELECT MAX(a.published_at) FROM {articles} a WHERE {visible.sql}) "
                f"FROM (SELECT 1) AS one LEFT JOIN {state} s ON s.id = 1",
                visible.params,
            )
            moment = cls._meta.get_field("content_changed_at")
            return Versions(*(from_db_value(moment, value) for value in cursor.fetchone()))

    # versions() as recently read by this process: (read at, monotonic clock; Versions).
    _recent = None
    RECENT_SECONDS = 0.5

    @classmethod
    def recent_versions(cls):
        """versions(), read at most every RECENT_SECONDS per process, for the pages served
        to readers from shared copies (page_cache.py): their reads then touch no database.
        A change made in this process is seen at once; one made elsewhere within
        RECENT_SECONDS."""
        recent = cls._recent
        if recent is not None and time.monotonic() - recent[0] < cls.RECENT_SECONDS:
            return recent[1]
        read_at = time.monotonic()
        versions = cls.versions()
        cls._recent = (read_at, versions)
        return versions

    @classmethod
    def _forget_recent(cls):
        cls._recent = None

    @classmethod
    def changed(cls, names=False):
        now = timezone.now()
        fields = {"content_changed_at": now} | ({"names_changed_at": now} if names else {})
        if not cls.objects.filter(pk=1).update(**fields):
            cls.objects.create(pk=1)
        # Now, and again once committed (other threads may read the old row meanwhile).
        cls._forget_recent()
        transaction.on_commit(cls._forget_recent)
