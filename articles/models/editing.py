"""Who has an entry's change form open now ("Also editing now")."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from .entries import Entry


class EditorPresence(models.Model):
    """An editor with an entry's change form open, as its page last told the server
    ("Also editing now: …" on the form; articles/editing/presence.py). A row not refreshed for
    a minute is someone who left."""

    article = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    since = models.DateTimeField(default=timezone.now)
    seen_at = models.DateTimeField(default=timezone.now)
    # The page that last said so: a page left late doesn't sign out a newer one.
    page = models.CharField(max_length=32, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["article", "user"], name="editorpresence_unique")
        ]

    def __str__(self):
        return f"{self.user} editing {self.article}"
