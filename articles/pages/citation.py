"""'Cite this page': an entry's citation in the styles readers are asked for (APA 7th,
MLA 9th, AMA 11th), with the site's name, the page's dates and its canonical address.

Each citation comes as plain text (what a reader copies into a plain field) and as HTML
with the italics the style asks for; both are made from the same pieces, escaped.
"""

from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString

from .metadata import absolute_url

# MLA abbreviates months of more than four letters.
_MLA_MONTHS = (
    "Jan.", "Feb.", "Mar.", "Apr.", "May", "June", "July", "Aug.", "Sept.", "Oct.", "Nov.",
    "Dec.",
)  # fmt: skip


@dataclass(frozen=True)
class Citation:
    style: str  # "APA"
    edition: str  # "7th edition"
    text: str
    html: SafeString


def _local_date(moment):
    return timezone.localdate(moment) if hasattr(moment, "tzinfo") else moment


def _long(day):
    return f"{day:%B} {day.day}, {day.year}"  # December 7, 2026


def _mla(day):
    return f"{day.day} {_MLA_MONTHS[day.month - 1]} {day.year}"  # 7 Dec. 2026


def _cite(style, edition, template, **values):
    """`template` is a format string whose {site} is italic in HTML."""
    text = template.format(**values)
    html = format_html(template, **{**values, "site": format_html("<i>{}</i>", values["site"])})
    return Citation(style, edition, text, html)


def citations(entry, today=None):
    """The entry's citations, accessed `today` (the site's date by default)."""
    today = today or timezone.localdate()
    updated = _local_date(entry.updated_at)
    url = absolute_url(entry.get_absolute_url())
    title = entry.title.rstrip(".")
    site = settings.SITE_NAME
    published = _local_date(entry.published_at)
    # AMA names the website in roman type, and gives "Updated" only when it differs.
    changed = f" Updated {_long(updated)}." if updated > published else ""
    ama = f"{title}. {site}. Published {_long(published)}.{changed} Accessed {_long(today)}. {url}"
    return [
        # An entry in an online reference work that changes over time: the date of its
        # last update, and the date it was retrieved.
        _cite(
            "APA", "7th edition",
            "{title}. ({year}, {month_day}). In {site}. Retrieved {accessed}, from {url}",
            title=title, year=updated.year, month_day=f"{updated:%B} {updated.day}",
            site=site, accessed=_long(today), url=url,
        ),
        _cite(
            "MLA", "9th edition",
            "“{title}.” {site}, {updated}, {url}. Accessed {accessed}.",
            title=title, site=site, updated=_mla(updated), url=url, accessed=_mla(today),
        ),
        Citation("AMA", "11th edition", ama, format_html("{}", ama)),
    ]  # fmt: skip
