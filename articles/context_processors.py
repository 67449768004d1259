from django.conf import settings

from .metadata import DEFAULT_DESCRIPTION


def site(request):
    """The site's public name and default description, for every template."""
    return {"site_name": settings.SITE_NAME, "default_description": DEFAULT_DESCRIPTION}
