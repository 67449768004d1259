from django.conf import settings

from .metadata import DEFAULT_DESCRIPTION


def site(request):
    """Site-wide names, numbers and addresses every template may show."""
    return {
        "site_name": settings.SITE_NAME,
        "default_description": DEFAULT_DESCRIPTION,
        "emergency_number": settings.EMERGENCY_NUMBER,
        "quick_exit_url": settings.QUICK_EXIT_URL,
    }
