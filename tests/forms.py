"""Form data for the admin's entry change form, as a browser would post it."""

from django.contrib import admin

from articles.editing import merge
from articles.models import Entry


def edit_base(article):
    """The hidden field a change form made now carries: the version it starts from."""
    return merge.token(merge.snapshot(article, admin.site._registry[Entry].edit_spec))


def entry_form_data(article, **overrides):
    """The entry as it is, with no inline rows; `overrides` change fields or add rows."""
    data = {
        "edit_base": edit_base(article),
        "title": article.title,
        "slug": article.slug,
        "category": article.category_id,
        "aliases": article.aliases,
        "definition": article.definition,
        "tldr": article.tldr,
        "body": article.body,
        "status": article.status,
        "published_at_0": article.published_at.strftime("%Y-%m-%d"),
        "published_at_1": article.published_at.strftime("%H:%M:%S"),
    }
    for inline in ("key_points", "quotes", "sources", "old_slugs"):
        data |= {f"{inline}-TOTAL_FORMS": "0", f"{inline}-INITIAL_FORMS": "0"}
    data.update(overrides)
    return data
