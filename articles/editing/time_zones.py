"""Times in the admin name their time zone (DJANGO_TIME_ZONE): an editor elsewhere, or a
site moved to another zone, must not misread when an entry goes public or was saved."""

from django.utils import timezone
from django.utils.formats import date_format


def shown(moment):
    """A time as the admin shows it, in the site's zone, to the second, the zone named
    (DATETIME_FORMAT, knowledgebase/formats/): "5 Mar 2026, 09:00:00 UTC"."""
    return date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def described():
    """The site's time zone as an editor reads it: "UTC", or "Europe/Berlin (CET,
    UTC+01:00 now)" (the abbreviation and offset change with daylight saving time)."""
    name = timezone.get_current_timezone_name()
    now = timezone.localtime()
    if name in {"UTC", "Etc/UTC"}:
        return "UTC"
    offset = now.strftime("%z")
    offset = f"UTC{offset[:3]}:{offset[3:]}"
    # Some zones have no abbreviation, only an offset ("-03"): not said twice.
    abbreviation = now.strftime("%Z")
    named = f"{abbreviation}, " if abbreviation[:1].isalpha() else ""
    return f"{name} ({named}{offset} now)"
