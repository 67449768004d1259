from django.conf import settings


def site(request):
    """The site's public name, for every template."""
    return {"site_name": settings.SITE_NAME}
