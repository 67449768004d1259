"""Sitemaps (django.contrib.sitemaps): every public entry, every category, the index and
the home page, each with the date it last changed. Addresses come from settings.SITE_URL."""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps.views import sitemap
from django.db.models import Max, OuterRef, Subquery
from django.db.models.functions import Coalesce, Greatest
from django.template.response import TemplateResponse
from django.urls import reverse

from ..models import Category, Entry


class SiteSitemap(Sitemap):
    """Absolute URLs on the configured site, whatever Host the request named."""

    def get_domain(self, site=None):
        return urlsplit(settings.SITE_URL).netloc

    def get_protocol(self, protocol=None):
        return urlsplit(settings.SITE_URL).scheme


class EntrySitemap(SiteSitemap):
    def items(self):
        return Entry.objects.published().only("slug", "updated_at").order_by("pk")

    def lastmod(self, article):
        return article.updated_at

    def get_latest_lastmod(self):
        return self.items().aggregate(latest=Max("updated_at"))["latest"]


class CategorySitemap(SiteSitemap):
    def items(self):
        latest = (
            Entry.objects.published()
            .filter(category=OuterRef("pk"))
            .order_by("-updated_at")
            .values("updated_at")[:1]
        )
        return (
            Category.objects.filter(entries__in=Entry.objects.published())
            .distinct()
            .annotate(changed=Greatest("updated_at", Coalesce(Subquery(latest), "updated_at")))
            .order_by("order", "name")
        )

    def lastmod(self, category):
        return category.changed


class PageSitemap(SiteSitemap):
    """The home page and the A–Z index: they change whenever any entry does."""

    def items(self):
        return ["articles:home", "articles:index"]

    def location(self, name):
        return reverse(name)

    def lastmod(self, name):
        return Entry.objects.published().aggregate(changed=Max("updated_at"))["changed"]


SITEMAPS = {"pages": PageSitemap, "categories": CategorySitemap, "terms": EntrySitemap}


def sitemap_xml(request):
    """/sitemap.xml: one sitemap while every URL fits in one (50,000, the protocol's
    limit), then a sitemap index pointing at each section's pages."""
    sections = {name: sitemap_class() for name, sitemap_class in SITEMAPS.items()}
    if sum(section.paginator.count for section in sections.values()) <= Sitemap.limit:
        return sitemap(request, sections)
    items = []
    for name, section in sections.items():
        location = settings.SITE_URL + reverse("sitemap-section", kwargs={"section": name})
        lastmod = section.get_latest_lastmod()
        for page in section.paginator.page_range:
            url = location if page == 1 else f"{location}?p={page}"
            items.append({"location": url, "last_mod": lastmod})
    return TemplateResponse(
        request, "sitemap_index.xml", {"sitemaps": items}, content_type="application/xml"
    )


def sitemap_section(request, section):
    return sitemap(request, {name: cls() for name, cls in SITEMAPS.items()}, section=section)
