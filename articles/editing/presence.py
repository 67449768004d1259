"""Who else has an entry's change form open: "Also editing now: B (since 10:42)".

The form's page says so when it opens and every 30 seconds while it is shown (a small
POST, no websockets; static/js/admin-editing.js), and says goodbye when it is left. A
page that stopped saying so (closed without a goodbye, a lost connection) drops out after
ACTIVE.
"""

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from ..models import EditorPresence

ACTIVE = timedelta(seconds=75)  # two missed heartbeats and a little
FORGOTTEN = timedelta(hours=1)


def name_of(user):
    return user.get_full_name() or user.get_username()


def arrive(article, user, page):
    """Note that `user` has the form open on `page`; returns the others editing."""
    now = timezone.now()
    try:
        with transaction.atomic():
            row, created = EditorPresence.objects.get_or_create(
                article=article, user=user, defaults={"since": now, "seen_at": now, "page": page}
            )
    except IntegrityError:  # the same editor's other tab arrived at the same moment
        row, created = EditorPresence.objects.get(article=article, user=user), False
    if not created:
        since = row.since if row.seen_at >= now - ACTIVE else now
        EditorPresence.objects.filter(pk=row.pk).update(since=since, seen_at=now, page=page)
    EditorPresence.objects.filter(seen_at__lt=now - FORGOTTEN).delete()
    return others(article, user)


def others(article, user):
    """The other editors with this entry's form open, longest first."""
    return list(
        EditorPresence.objects.filter(article=article, seen_at__gte=timezone.now() - ACTIVE)
        .exclude(user=user)
        .select_related("user")
        .order_by("since")
    )


def leave(article, user, page):
    """The page was left. A newer page of the same editor (reloaded, saved and
    continued) has its own name and stays."""
    EditorPresence.objects.filter(article=article, user=user, page=page).delete()


def described(rows):
    """ "B (since 10:42), C (since 10:45)", in the server's time zone."""
    return ", ".join(
        f"{name_of(row.user)} (since {timezone.localtime(row.since):%H:%M})" for row in rows
    )
