"""Keeps derived data in step with what editors write: rendered HTML, the search index,
the history of addresses (old slugs redirect, deleted entries answer 410) and the
last-modified dates of pages.

Everything runs inside the transaction of the change itself (fixtures included), so a
page and its search entry can never disagree after a commit or a rollback.
"""

from django.db.models import F
from django.db.models.expressions import CombinedExpression
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

from ..models import (
    Category,
    Entry,
    ExpertQuote,
    GlossaryState,
    KeyPoint,
    RemovedEntry,
    SlugRedirect,
    Source,
    WordToAvoid,
)
from ..search.indexing import index_article, index_key_points, refresh_planner_statistics
from . import language, quality
from .index import initial, sort_key
from .rendering import render_markdown

# What cross-links depend on: an entry's address, names and visibility.
NAME_FIELDS = ("slug", "title", "aliases", "status", "published_at")


@receiver(pre_save, sender=Entry)
def render_body(sender, instance, raw=False, **kwargs):
    # pre_save also fires for `loaddata` (raw=True), which skips Model.save(): fixtures
    # therefore arrive rendered too, in the same INSERT.
    instance.body_html = render_markdown(instance.body)
    instance.initial = initial(instance.title)
    instance.sort_title = sort_key(instance.title)[:200]
    previous = (
        Entry.objects.filter(pk=instance.pk).values_list(*NAME_FIELDS).first()
        if instance.pk
        else None
    )
    instance._previous_slug = previous[0] if previous else None
    instance._names_changed = previous != tuple(getattr(instance, f) for f in NAME_FIELDS)
    # Counted in the database, not from the value this instance read: two saves made at
    # once from the same version (a revert's raw save included) still count twice.
    if previous is not None and "version" in (kwargs.get("update_fields") or ["version"]):
        instance.version = F("version") + 1
    instance._raw = raw  # a restored row's relations come back as they were


@receiver(post_save, sender=Entry)
def read_new_version(sender, instance, **kwargs):
    if isinstance(instance.version, CombinedExpression):
        instance.version = Entry.objects.values_list("version", flat=True).get(pk=instance.pk)


@receiver(post_save, sender=Entry)
def note_changed_content(sender, instance, **kwargs):
    GlossaryState.changed(names=getattr(instance, "_names_changed", True))


@receiver(post_delete, sender=Entry)
@receiver(post_save, sender=Category)
@receiver(post_delete, sender=Category)
def note_changed_lists(sender, instance, **kwargs):
    GlossaryState.changed(names=sender is Entry)


@receiver(post_save, sender=Entry)
def index_stigmatizing_terms(sender, instance, **kwargs):
    language.sync(instance)


@receiver(post_save, sender=Entry)
def keep_address_history(sender, instance, **kwargs):
    # The current slug is live again: it is no longer an old address or a removed entry.
    SlugRedirect.objects.filter(old_slug=instance.slug).delete()
    RemovedEntry.objects.filter(slug=instance.slug).delete()
    previous = getattr(instance, "_previous_slug", None)
    if previous and previous != instance.slug:
        SlugRedirect.objects.update_or_create(old_slug=previous, defaults={"article": instance})


@receiver(pre_delete, sender=Entry)
def remember_removed_article(sender, instance, **kwargs):
    """A deleted public entry leaves a 410 at its address and at its old addresses."""
    if not instance.is_public:
        return
    slugs = [instance.slug, *instance.old_slugs.values_list("old_slug", flat=True)]
    for slug in slugs:
        RemovedEntry.objects.update_or_create(
            slug=slug,
            defaults={
                "title": instance.title,
                "category_id": instance.category_id,
                "removed_at": timezone.now(),
            },
        )


@receiver(post_save, sender=Entry)
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
        Entry.objects.filter(pk=instance.article_id).update(
            updated_at=timezone.now(), version=F("version") + 1
        )
    GlossaryState.changed()  # term pages kept by their address are made again


@receiver(m2m_changed, sender=Entry.related.through)
def note_changed_related(sender, instance, action, pk_set=None, **kwargs):
    if action in ("post_add", "post_remove", "post_clear"):
        GlossaryState.changed()
        # Both sides of the (symmetrical) relation changed.
        if not getattr(instance, "_raw", False):
            changed = {instance.pk, *(pk_set or ())}
            Entry.objects.filter(pk__in=changed).update(version=F("version") + 1)


@receiver(post_migrate)
def refresh_statistics(sender, using="default", **kwargs):
    """Each deploy's `migrate` gives the query planner current statistics, however the
    glossary grew since."""
    if sender.name == "articles":
        refresh_planner_statistics(using)


# Content health (quality.py): warnings that depend on other entries are re-checked when
# those entries change.


def _public_slug(slug, status, published_at):
    public = status == Entry.Status.PUBLISHED and published_at <= timezone.now()
    return slug if public else None


@receiver(pre_save, sender=Entry)
def remember_public_address(sender, instance, raw=False, **kwargs):
    previous = (
        Entry.objects.filter(pk=instance.pk).values_list("slug", "status", "published_at")
        if instance.pk
        else Entry.objects.none()
    ).first()
    instance._public_slug_before = _public_slug(*previous) if previous else None
    # A row restored as it was (fixtures, a backup) brings its own warnings: no search of
    # other entries for it. An entry recovered from history does not: it comes back to
    # an address that answered 410 Gone, about which entries linking there were warned.
    instance._recheck_links = (
        not raw or previous is not None or RemovedEntry.objects.filter(slug=instance.slug).exists()
    )


@receiver(post_save, sender=Entry)
def recheck_links_to_address(sender, instance, **kwargs):
    before = getattr(instance, "_public_slug_before", None)
    after = _public_slug(instance.slug, instance.status, instance.published_at)
    if before != after and getattr(instance, "_recheck_links", True):
        quality.note(appeared={after} - {None}, vanished={before} - {None})


@receiver(pre_delete, sender=Entry)
def remember_related_of_deleted(sender, instance, **kwargs):
    instance._related_before = set(instance.related.values_list("pk", flat=True))


@receiver(post_delete, sender=Entry)
def recheck_dependents_of_deleted(sender, instance, **kwargs):
    gone = _public_slug(instance.slug, instance.status, instance.published_at)
    quality.note(vanished={gone} - {None}, related=getattr(instance, "_related_before", set()))


@receiver(m2m_changed, sender=Entry.related.through)
def recheck_related(sender, instance, action, pk_set=None, **kwargs):
    # The relation is symmetrical: the entries on the other side changed too.
    if action == "pre_clear":
        instance._related_before = set(instance.related.values_list("pk", flat=True))
    elif action in ("post_add", "post_remove"):
        quality.note(related={instance.pk, *pk_set})
    elif action == "post_clear":
        quality.note(related={instance.pk, *getattr(instance, "_related_before", ())})


# The stigma check's words (wording.py): entries using a word added, changed or removed,
# or warned about it, are checked again.


@receiver(pre_save, sender=WordToAvoid)
def remember_word(sender, instance, raw=False, **kwargs):
    before = WordToAvoid.objects.filter(pk=instance.pk).values_list("word", flat=True)
    instance._word_before = before.first() if instance.pk and not raw else None


@receiver(post_save, sender=WordToAvoid)
@receiver(post_delete, sender=WordToAvoid)
def recheck_wording(sender, instance, raw=False, **kwargs):
    if not raw:  # a backup restored brings its entries' warnings with it
        quality.note(words={instance.word, getattr(instance, "_word_before", None)} - {None})
