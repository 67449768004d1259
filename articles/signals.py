"""Keeps derived data in step with what editors write: rendered HTML and the search index.

Everything runs inside the transaction of the change itself (fixtures included), so a
page and its search entry can never disagree after a commit or a rollback.
"""

from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from .models import Article, KeyPoint
from .rendering import render_markdown
from .search.indexing import index_article, index_key_points


@receiver(pre_save, sender=Article)
def render_body(sender, instance, raw=False, **kwargs):
    # pre_save also fires for `loaddata` (raw=True), which skips Model.save(): fixtures
    # therefore arrive rendered too, in the same INSERT.
    instance.body_html = render_markdown(instance.body)


@receiver(post_save, sender=Article)
def index_saved_article(sender, instance, **kwargs):
    index_article(instance)


@receiver(post_save, sender=KeyPoint)
@receiver(post_delete, sender=KeyPoint)
def index_changed_key_point(sender, instance, **kwargs):
    index_key_points(instance.article_id)
