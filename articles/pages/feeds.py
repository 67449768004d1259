"""/feed/: an Atom feed of the entries most recently added or updated."""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape

from ..models import Entry
from .metadata import DEFAULT_DESCRIPTION, absolute_url

FEED_SIZE = 50


class RecentEntriesFeed(Feed):
    feed_type = Atom1Feed
    description = DEFAULT_DESCRIPTION  # Atom's <subtitle>

    def title(self):
        return f"{settings.SITE_NAME}: new and updated entries"

    # Absolute links from settings, never from the request's Host header.
    def link(self):
        return absolute_url(reverse("articles:home"))

    def feed_url(self):
        return absolute_url(reverse("feed"))

    def feed_guid(self):
        return self.feed_url()

    def items(self):
        return (
            Entry.objects.published()
            .select_related("category")
            .order_by("-updated_at", "title")[:FEED_SIZE]
        )

    def item_title(self, article):
        return article.title

    def item_description(self, article):
        # Atom marks descriptions as HTML, and readers render them: the definition is
        # plain text, so it is escaped here (and once more by the XML writer).
        return escape(article.definition)

    def item_link(self, article):
        return absolute_url(article.get_absolute_url())

    def item_guid(self, article):
        # Stable across slug changes: the entry's id, not its address.
        return f"tag:{settings.SITE_URL.split('://', 1)[1]},2026:entry-{article.pk}"

    item_guid_is_permalink = False

    def item_pubdate(self, article):
        return article.published_at

    def item_updateddate(self, article):
        return article.updated_at

    def item_categories(self, article):
        return [article.category.name]
