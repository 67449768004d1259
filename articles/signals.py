"""Keeps derived fields in step with what editors write."""

from django.db.models.signals import pre_save
from django.dispatch import receiver

from .models import Article
from .rendering import render_markdown


@receiver(pre_save, sender=Article)
def render_body(sender, instance, raw=False, **kwargs):
    # pre_save also fires for `loaddata` (raw=True), which skips Model.save(): fixtures
    # therefore arrive rendered too, in the same INSERT.
    instance.body_html = render_markdown(instance.body)
