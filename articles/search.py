"""Finding entries for the search box.

A plain, ranked substring search: titles and aliases first, then definitions and
summaries. It works the same on SQLite and PostgreSQL.
"""

from django.db.models import Case, IntegerField, Q, Value, When

from .models import Article

MAX_QUERY_LENGTH = 200


def clean_query(raw):
    """Collapse whitespace, drop control characters, cap the length."""
    text = "".join(ch for ch in (raw or "") if ch.isprintable() or ch.isspace())
    return " ".join(text.split())[:MAX_QUERY_LENGTH]


def search(query):
    """Published entries matching every word of `query`, best matches first."""
    words = query.split()[:10]
    if not words:
        return Article.objects.none()
    matches = Q()
    for word in words:
        matches &= (
            Q(title__icontains=word)
            | Q(aliases__icontains=word)
            | Q(definition__icontains=word)
            | Q(tldr__icontains=word)
        )
    rank = Case(
        When(title__iexact=query, then=Value(0)),
        When(title__istartswith=query, then=Value(1)),
        When(Q(title__icontains=query) | Q(aliases__icontains=query), then=Value(2)),
        default=Value(3),
        output_field=IntegerField(),
    )
    return (
        Article.objects.published()
        .filter(matches)
        .select_related("category")
        .annotate(rank=rank)
        .order_by("rank", "-view_count", "title")
    )
