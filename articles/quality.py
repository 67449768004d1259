"""Content health: warnings (never blocking) about entries that are weak or going stale,
shown on the admin change form and as a filterable column."""

import re
from datetime import date, timedelta

from django.conf import settings
from django.urls import Resolver404, resolve

from . import reading
from .models import Article

MIN_KEY_POINTS = 3
MIN_SECTIONS = 3
MAX_GRADE = 9  # US school grade (Flesch-Kincaid)
_INTERNAL_LINK = re.compile(r'href="(/terms/[^"#?]*)')
_TAG = re.compile(r"<[^>]*>")


def reading_grade(article):
    """Flesch-Kincaid grade of the definition, TL;DR and body."""
    # Imported here: its hyphenation dictionary takes memory that only the processes
    # serving editors need.
    import textstat

    text = " ".join([article.definition, article.tldr, _TAG.sub(" ", article.body_html)])
    return textstat.flesch_kincaid_grade(text) if len(text.split()) >= 30 else 0


def broken_links(article):
    """Links in the body to /terms/… addresses that are not public entries."""
    broken = []
    for path in dict.fromkeys(_INTERNAL_LINK.findall(article.body_html)):
        try:
            match = resolve(path)
        except Resolver404:
            broken.append(path)
            continue
        slug = match.kwargs.get("slug")
        if match.url_name == "detail" and not Article.objects.published().filter(slug=slug):
            broken.append(path)
    return broken


def warnings(article):
    """Plain-language warnings for one saved entry (with its key points, sources and
    related entries)."""
    found = []
    if not article.tldr.strip():
        found.append("No TL;DR.")
    if (count := article.key_points.count()) < MIN_KEY_POINTS:
        found.append(f"Only {count} key point{'s' if count != 1 else ''} (at least 3 help).")
    if not article.sources.exists():
        found.append("No sources.")
    if not article.related.exists():
        found.append("No related entries.")
    if (sections := len(reading.sections(article.body_html))) < MIN_SECTIONS:
        plural = "s" if sections != 1 else ""
        found.append(f"The body has {sections} section{plural} (## headings); 3 or more help.")
    for path in broken_links(article):
        found.append(f"A link goes nowhere: {path}")
    if (grade := reading_grade(article)) > MAX_GRADE:
        found.append(f"Reading level is US grade {grade:.0f} (aim for {MAX_GRADE} or below).")
    return found


def refresh(article):
    """Recompute and store the entry's warnings (after the admin saved it and its parts)."""
    text = "\n".join(warnings(article))
    Article.objects.filter(pk=article.pk).update(content_warnings=text)
    article.content_warnings = text
    return text


def review_due_before():
    """Entries last reviewed before this date (or never) are due for review."""
    return date.today() - timedelta(days=30 * settings.REVIEW_PERIOD_MONTHS)
