"""What the entry page's template needs about an entry: the public page and the admin's
preview of it are made from the same context."""

from django.utils import timezone

from . import citation, linking, metadata, reading


def entry_context(entry, parts, today=None):
    """The template context for `entry` and its parts (entry_parts.load()), as the page
    reads on `today` (the site's date by default): the review notice and the citations'
    access date depend on it."""
    today = today or timezone.localdate()
    key_points = [point.text for point in parts.key_points]
    definition_html, body_html = linking.link_entry(entry)
    return {
        "entry": entry,
        "parts": parts,
        "meta": metadata.for_entry(entry),
        "definition_html": definition_html,
        "body_html": body_html,
        "contents": reading.table_of_contents(entry.body_html),
        # To the second: the Nu checker refuses more than three digits of a second.
        "updated_datetime": timezone.localtime(entry.updated_at).replace(microsecond=0).isoformat(),
        "review_overdue": entry.review_overdue(today),
        "citations": citation.citations(entry, today),
        "reading_minutes": reading.reading_minutes(
            entry.definition, entry.tldr, *key_points, entry.body_html
        ),
    }
