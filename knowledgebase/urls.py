from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from articles.pages.feeds import RecentEntriesFeed
from articles.pages.sitemaps import sitemap_section, sitemap_xml
from knowledgebase import crawlers, health

admin.site.site_header = "Glossary administration"
admin.site.site_title = "Glossary admin"
# The app list is one click away (Home); beside every page it took a quarter of a laptop's
# width from the entry form and list.
admin.site.enable_nav_sidebar = False

urlpatterns = [
    path(settings.ADMIN_URL, admin.site.urls),
    path("robots.txt", crawlers.robots_txt, name="robots"),
    path("healthz", health.healthz, name="healthz"),
    path("healthz/live", health.live, name="healthz-live"),
    path("healthz/details", health.details, name="healthz-details"),
    path(".well-known/security.txt", crawlers.security_txt, name="security-txt"),
    path("sitemap.xml", sitemap_xml, name="sitemap"),
    path("sitemap-<slug:section>.xml", sitemap_section, name="sitemap-section"),
    path("feed/", RecentEntriesFeed(), name="feed"),
    path("", include("articles.urls")),
]
