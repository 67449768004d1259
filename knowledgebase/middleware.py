"""Site-wide response rules: one address per page (LowercasePathMiddleware) and the
Permissions-Policy header."""

from django.conf import settings
from django.http import HttpResponsePermanentRedirect
from django.urls import Resolver404, resolve
from django.utils.encoding import escape_uri_path


class LowercasePathMiddleware:
    """A path that is not found in the case it was typed in, but is in lower case
    ("/Terms/peer-support/"), answers 301 to the lower-case address."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code != 404 or request.method not in ("GET", "HEAD"):
            return response
        path = request.path_info
        lower = path.lower()
        if lower == path:
            return response
        for candidate in (lower, lower if lower.endswith("/") else lower + "/"):
            try:
                resolve(candidate)
            except Resolver404:
                continue
            url = request.META.get("SCRIPT_NAME", "").rstrip("/") + escape_uri_path(candidate)
            query = request.META.get("QUERY_STRING", "")
            return HttpResponsePermanentRedirect(f"{url}?{query}" if query else url)
        return response


class PermissionsPolicyMiddleware:
    """Sends settings.PERMISSIONS_POLICY: browser features the site never uses are off."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = settings.PERMISSIONS_POLICY

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", self.policy)
        return response
