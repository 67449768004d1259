"""Keeps derived data in step with what editors write: rendered HTML, the search index,
the history of addresses (old slugs redirect, deleted entries answer 410) and the
last-modified dates of pages.

Everything runs inside the transaction of the change itself (fixtures included), so a
page and its search entry can never disagree after a commit or a rollback.
"""

from django.db.models.signals import (
    m2m_changed,
    post_delete,
    post_migrate,
    post_save,
    pre_delete,
    pre_save,
)
from django.dispatch import receiver
from django.utils import timezone

from . import language
from .index import initial, sort_key
from .models import (
    Article,
    Category,
    ExpertQuote,
    GlossaryState,
    KeyPoint,
    RemovedArticle,
    SlugRedirect,
    Source,
)
from .rendering import render_markdown
from .search.indexing import index_article, index_key_points, refresh_planner_statistics

# What cross-links depend on: an entry's address, names and visibility.
NAME_FIELDS = ("slug", "title", "aliases", "status", "published_at")


@receiver(pre_save, sender=Article)
def render_body(sender, instance, raw=False, **kwargs):
    # pre_save also fires for `loaddata` (raw=True), which skips Model.save(): fixtures
    # therefore arrive rendered too, in the same INSERT.
    instance.body_html = render_markdown(instance.body)
    instance.initial = initial(instance.title)
    instance.sort_title = sort_key(instance.title)[:200]
    previous = (
        Article.objects.filter(pk=instance.pk).values_list(*NAME_FIELDS).first()
        if instance.pk
        else None
    )
    instance._previous_slug = previous[0] if previous else None
    instance._names_changed = previous != tuple(getattr(instance, f) for f in NAME_FIELDS)


@receiver(post_save, sender=Article)
def note_changed_content(sender, instance, **kwargs):
    GlossaryState.changed(names=getattr(instance, "_names_changed", True))


@receiver(post_delete, sender=Article)
@receiver(post_save, sender=Category)
@receiver(post_delete, sender=Category)
def note_changed_lists(sender, instance, **kwargs):
    GlossaryState.changed(names=sender is Article)


@receiver(post_save, sender=Article)
def index_stigmatizing_terms(sender, instance, **kwargs):
    language.sync(instance)


@receiver(post_save, sender=Article)
def keep_address_history(sender, instance, **kwargs):
    # The current slug is live again: it is no longer an old address or a removed entry.
    SlugRedirect.objects.filter(old_slug=instance.slug).delete()
    RemovedArticle.objects.filter(slug=instance.slug).delete()
    previous = getattr(instance, "_previous_slug", None)
    if previous and previous != instance.slug:
        SlugRedirect.objects.update_or_create(old_slug=previous, defaults={"article": instance})


@receiver(pre_delete, sender=Article)
def remember_removed_article(sender, instance, **kwargs):
    """A deleted public entry leaves a 410 at its address and at its old addresses."""
    if not instance.is_public:
        return
    slugs = [instance.slug, *instance.old_slugs.values_list("old_slug", flat=True)]
    for slug in slugs:
        RemovedArticle.objects.update_or_create(
            slug=slug,
            defaults={
                "title": instance.title,
                "category_id": instance.category_id,
                "removed_at": timezone.now(),
            },
        )


@receiver(post_save, sender=Article)
def index_saved_article(sender, instance, **kwargs):
    index_article(instance)


@receiver(post_save, sender=KeyPoint)
@receiver(post_delete, sender=KeyPoint)
def index_changed_key_point(sender, instance, **kwargs):
    index_key_points(instance.article_id)


@receiver(post_save, sender=KeyPoint)
@receiver(post_delete, sender=KeyPoint)
@receiver(post_save, sender=ExpertQuote)
@receiver(post_delete, sender=ExpertQuote)
@receiver(post_save, sender=Source)
@receiver(post_delete, sender=Source)
def touch_article(sender, instance, raw=False, **kwargs):
    """A changed key point, quote or source changes its entry's page: move the entry's
    last-modified date (not for fixtures, which carry their own dates)."""
    if not raw:
        Article.objects.filter(pk=instance.article_id).update(updated_at=timezone.now())
    GlossaryState.changed()  # term pages kept by their address are made again


@receiver(m2m_changed, sender=Article.related.through)
def note_changed_related(sender, action, **kwargs):
    if action in ("post_add", "post_remove", "post_clear"):
        GlossaryState.changed()


@receiver(post_migrate)
def refresh_statistics(sender, using="default", **kwargs):
    """Each deploy's `migrate` gives the query planner current statistics, however the
    glossary grew since."""
    if sender.name == "articles":
        refresh_planner_statistics(using)
