"""An entry's parts as its page shows them, read in one query on either database."""

import datetime

from django.utils import timezone

from articles.models import Entry, ExpertQuote, KeyPoint, Source
from articles.pages import entry_parts


def test_parts_come_in_order_typed_and_public_only(make_entry, django_assert_num_queries):
    entry = make_entry(title="Craving", key_points=["first", "second"])
    KeyPoint.objects.create(article=entry, text="zeroth", order=0)
    ExpertQuote.objects.create(article=entry, text="Later.", attribution="B", kind="lived", order=2)
    ExpertQuote.objects.create(article=entry, text="Sooner.", attribution="A", order=1)
    Source.objects.create(
        article=entry, title="A report", publisher="An agency", url="https://example.org/r",
        accessed=datetime.date(2026, 3, 4), order=1,
    )  # fmt: skip
    Source.objects.create(article=entry, title="A book", order=2)
    public = [make_entry(title=title) for title in ("urge surfing", "Relapse", "Abstinence")]
    draft = make_entry(title="Draft", status=Entry.Status.DRAFT)
    later = make_entry(title="Later", published_at=timezone.now() + timezone.timedelta(days=1))
    entry.related.add(*public, draft, later)
    make_entry(key_points=["someone else's"]).related.add(public[0])

    with django_assert_num_queries(1):
        parts = entry_parts.load(entry)

    assert [p.text for p in parts.key_points] == ["zeroth", "first", "second"]
    assert [(q.text, q.attribution) for q in parts.quotes] == [("Sooner.", "A"), ("Later.", "B")]
    assert parts.quotes[1].get_kind_display() == "Person with lived experience"
    report, book = parts.sources
    assert (report.title, report.publisher, report.url) == (
        "A report", "An agency", "https://example.org/r"
    )  # fmt: skip
    assert report.accessed == datetime.date(2026, 3, 4) and book.accessed is None
    # Public related entries only, by title whatever the case.
    assert [a.title for a in parts.related] == ["Abstinence", "Relapse", "urge surfing"]
    stored = Entry.objects.get(pk=public[1].pk)
    assert parts.related[1].updated_at == stored.updated_at  # an aware time, as the ORM's
    assert parts.related[1].get_absolute_url() == stored.get_absolute_url()


def test_an_entry_without_parts_has_empty_lists(make_entry):
    parts = entry_parts.load(make_entry())
    assert parts == entry_parts.EntryParts([], [], [], [])


def test_a_public_entry_comes_with_its_category_as_the_orm_reads_them(
    make_entry, django_assert_num_queries
):
    entry = make_entry(title="Craving", slug="craving", reviewed_at=datetime.date(2026, 1, 2))
    make_entry(slug="draft", status=Entry.Status.DRAFT)
    make_entry(slug="later", published_at=timezone.now() + timezone.timedelta(days=1))

    with django_assert_num_queries(1):
        found = entry_parts.published_entry("craving")
        category = found.category
    stored = Entry.objects.select_related("category").get(pk=entry.pk)
    for field in Entry._meta.concrete_fields:
        assert getattr(found, field.attname) == getattr(stored, field.attname), field.name
    assert found.published_at.tzinfo is not None and found.reviewed_at == datetime.date(2026, 1, 2)
    assert (category.pk, category.name, category.updated_at) == (
        stored.category.pk, stored.category.name, stored.category.updated_at
    )  # fmt: skip
    assert not found._state.adding  # saving it updates the row
    # Drafts, entries whose time hasn't come, and unknown addresses: none.
    assert [entry_parts.published_entry(s) for s in ("draft", "later", "nothing")] == [None] * 3
