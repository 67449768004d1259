"""Plain-text files for machines: /robots.txt (what crawlers may read, where the sitemap
is) and /.well-known/security.txt (where to report a vulnerability, RFC 9116)."""

from datetime import timedelta

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from articles.pages.metadata import absolute_url


@require_safe
@cache_control(public=True, max_age=86400)
def robots_txt(request):
    context = {
        "sitemap_url": absolute_url(reverse("sitemap")),
        # A custom admin address is kept out of robots.txt: listing it would publish it.
        "admin_path": "/admin/" if settings.ADMIN_URL == "admin/" else None,
    }
    return render(request, "robots.txt", context, content_type="text/plain; charset=utf-8")


@require_safe
@cache_control(public=True, max_age=86400)
def security_txt(request):
    # RFC 9116 asks for an expiry date under a year away: always a fixed distance ahead.
    expires = (timezone.now() + timedelta(days=180)).replace(microsecond=0)
    lines = [
        f"Contact: {settings.SECURITY_CONTACT}",
        f"Expires: {expires.isoformat().replace('+00:00', 'Z')}",
        "Preferred-Languages: en",
        f"Canonical: {absolute_url(reverse('security-txt'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
