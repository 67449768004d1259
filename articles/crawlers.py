"""/robots.txt: what crawlers may read, and where the sitemap is."""

from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from .metadata import absolute_url


@require_safe
@cache_control(public=True, max_age=86400)
def robots_txt(request):
    context = {"sitemap_url": absolute_url(reverse("sitemap"))}
    return render(request, "robots.txt", context, content_type="text/plain; charset=utf-8")
