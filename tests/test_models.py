import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse, set_script_prefix
from django.utils import timezone

from articles.models import Entry
from articles.pages import addresses


def test_title_is_unique_ignoring_case(make_entry):
    make_entry(title="Relapse", slug="relapse")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_entry(title="RELAPSE", slug="relapse-2")


def test_title_clash_is_a_form_error_not_a_crash(make_entry):
    first = make_entry(title="Relapse", slug="relapse")
    clash = Entry(
        title="relapse", slug="relapse-again", category=first.category, definition="d", tldr="t"
    )
    with pytest.raises(ValidationError, match="already exists"):
        clash.full_clean()


def test_slug_is_unique(make_entry):
    make_entry(slug="craving")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_entry(slug="craving")


def test_view_count_cannot_go_negative(make_entry):
    article = make_entry()
    with pytest.raises(IntegrityError), transaction.atomic():
        Entry.objects.filter(pk=article.pk).update(view_count=-1)


def test_category_names_and_slugs_are_unique(make_category):
    make_category(name="Risks", slug="risks")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_category(name="Risks", slug="risks-2")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_category(name="Other", slug="risks")


def test_category_in_use_cannot_be_deleted(make_entry):
    from django.db.models import ProtectedError

    article = make_entry()
    with pytest.raises(ProtectedError):
        article.category.delete()


def test_published_excludes_drafts_and_future_entries(make_entry):
    visible = make_entry()
    make_entry(status=Entry.Status.DRAFT)
    make_entry(published_at=timezone.now() + timezone.timedelta(hours=1))
    assert list(Entry.objects.published()) == [visible]


def test_body_is_rendered_on_save(make_entry):
    article = make_entry(body="## Hello\n\nSome *text*.")
    assert '<h2 id="hello">Hello</h2>' in article.body_html
    article.body = "Changed **now**."
    article.save()
    article.refresh_from_db()
    assert article.body_html == "<p>Changed <strong>now</strong>.</p>"


def test_related_entries_are_symmetrical(make_entry):
    a, b = make_entry(), make_entry()
    a.related.add(b)
    assert list(b.related.all()) == [a]


def test_alias_list_ignores_blank_lines(make_entry):
    article = make_entry(aliases="AA\n\n  Alcoholics Anon \n")
    assert article.alias_list == ["AA", "Alcoholics Anon"]


def test_urls_come_from_slugs(make_entry):
    article = make_entry(slug="naloxone")
    assert article.get_absolute_url() == "/terms/naloxone/"
    assert article.category.get_absolute_url() == f"/categories/{article.category.slug}/"


@pytest.mark.parametrize("prefix", ["/", "/glossary/"])
def test_addresses_are_what_reverse_gives(prefix, make_entry):
    entry = make_entry(slug="slug-in-a-slug_2")
    set_script_prefix(prefix)
    try:
        assert entry.get_absolute_url() == reverse("articles:detail", args=[entry.slug])
        assert entry.get_absolute_url().startswith(prefix)
        assert entry.get_preview_url() == reverse("articles:preview", args=[entry.slug])
        category = entry.category
        assert category.get_absolute_url() == reverse("articles:category", args=[category.slug])
        for name in ("articles:home", "articles:index", "articles:search", "feed"):
            assert addresses.fixed(name) == reverse(name)
    finally:
        set_script_prefix("/")
