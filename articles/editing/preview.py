"""The entry as the admin's change form would make it, from the form's unsaved values, for
its preview: an unsaved Entry and its EntryParts, which entry_context()
(pages/entry_page.py) and the page's own templates then turn into the page readers would see.

Values are read leniently (a preview is asked for while the editor is typing): a value
the form would refuse is left out or replaced by the saved one, never an error. The same
fields check what is kept, so that the preview links no address the page could not have.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.utils import timezone

from ..content.rendering import render_markdown
from ..models import Category, Entry, ExpertQuote, KeyPoint, Source
from ..pages.entry_parts import EntryParts, link_quotes

MAX_ROWS = 1000  # Django's own limit on a formset's forms
TEXT_FIELDS = (
    "title", "aliases", "definition", "tldr", "body", "stigmatizing_terms", "language_note",
    "reviewed_by", "kept_wording",
)  # fmt: skip
UNTITLED = "Untitled entry"


def _clean(field, value):
    try:
        return field.clean(value)
    except ValidationError:
        return None


def _prefix(model):
    """The formset prefix of an inline of `model` (the accessor of its entry's rows)."""
    return model._meta.get_field("article").remote_field.get_accessor_name()


def _number(value, default=0):
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _rows(data, model, fields):
    """The rows of one inline that the form would keep: not marked for deletion, not
    blank, in their order (ties in the form's order, as saved rows keep theirs)."""
    prefix = _prefix(model)
    total = min(max(_number(data.get(f"{prefix}-TOTAL_FORMS")), 0), MAX_ROWS)
    rows = []
    for position in range(total):
        values = {name: data.get(f"{prefix}-{position}-{name}", "") for name in fields}
        if data.get(f"{prefix}-{position}-DELETE") or not values[fields[0]].strip():
            continue
        attnames = {name: model._meta.get_field(name).attname for name in fields}
        row = model(**{attnames[name]: value.strip() for name, value in values.items()})
        row.order = _number(data.get(f"{prefix}-{position}-order"))
        rows.append((row.order, position, row))
    return [row for _, _, row in sorted(rows, key=lambda item: item[:2])]


def _sources(data):
    sources = _rows(data, Source, ("title", "publisher", "year", "url", "accessed"))
    for source in sources:
        source.year = _clean(forms.IntegerField(min_value=1800, max_value=2200), source.year)
        # Only an address the form accepts is linked, as it would be once saved.
        source.url = _clean(forms.URLField(assume_scheme="https", required=False), source.url)
        source.accessed = _clean(forms.DateField(required=False), source.accessed)
    return sources


def _quotes(data):
    quotes = _rows(data, ExpertQuote, ("text", "kind", "attribution", "from_entry"))
    for quote in quotes:
        entry = quote.from_entry_id
        from_here = quote.kind == ExpertQuote.Kind.KNOWLEDGE_BASE and entry.isdigit()
        quote.from_entry_id = int(entry) if from_here else None
    return link_quotes(quotes)


def _related(data, article):
    ids = {int(value) for value in data.getlist("related") if value.isdigit()}
    ids.discard(article.pk)
    # As entry_parts.load(): the public ones, by title.
    related = (
        Entry.objects.published()
        .filter(pk__in=ids)
        .only("title", "slug", "definition", "updated_at")
    )
    return sorted(related, key=lambda other: (other.title.lower(), other.pk))


def from_form(data, stored=None):
    """(article, parts) as the form `data` (a QueryDict) would save them over `stored`
    (the entry as read, changed in memory only; None for a new one). Nothing is written."""
    article = stored if stored is not None else Entry()
    for name in TEXT_FIELDS:
        setattr(article, name, data.get(name, "").strip())
    article.title = article.title or UNTITLED
    slug = data.get("slug", "").strip().lower()
    article.slug = slug if _clean(forms.CharField(validators=[validate_slug]), slug) else ""
    category = data.get("category", "")
    article.category = (
        Category.objects.filter(pk=category).first() if category.isdigit() else None
    ) or Category(name="No category yet", slug="")  # shown unlinked
    if data.get("status") in Entry.Status.values:
        article.status = data["status"]
    published_at = _clean(
        forms.SplitDateTimeField(required=False),
        [data.get("published_at_0", ""), data.get("published_at_1", "")],
    )
    article.published_at = published_at or article.published_at
    article.reviewed_at = _clean(forms.DateField(required=False), data.get("reviewed_at", ""))
    article.review_every_months = _clean(
        forms.IntegerField(required=False, min_value=1, max_value=120),
        data.get("review_every_months", ""),
    )
    article.updated_at = article.updated_at or timezone.now()
    # The one sanitiser, as on save (signals.render_body).
    article.body_html = render_markdown(article.body)
    parts = EntryParts(
        key_points=_rows(data, KeyPoint, ("text",)),
        quotes=_quotes(data),
        sources=_sources(data),
        related=_related(data, article),
    )
    return article, parts
