"""What a term page tells a reader about its own trustworthiness: when it was reviewed and
by whom, when it will be again (and, calmly, when that date has passed), how to cite it,
and where an insight quoted from this knowledge base comes from."""

import json
import re
from datetime import date

import pytest
from django.test import override_settings
from django.utils import timezone

from articles.models import Entry, ExpertQuote
from articles.models.entries import add_months
from articles.pages import citation


def _structured(html):
    data = json.loads(re.search(r'ld\+json">(.*?)</script>', html, re.S).group(1))
    return next(node for node in data["@graph"] if node["@type"] == "MedicalWebPage")


def _text(html):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 9, 14), 12, date(2027, 9, 14)),
        (date(2026, 1, 31), 1, date(2026, 2, 28)),  # a shorter month: its last day
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2026, 11, 30), 3, date(2027, 2, 28)),
        (date(2026, 3, 31), -1, date(2026, 2, 28)),
    ],
)
def test_add_months(day, months, expected):
    assert add_months(day, months) == expected


def test_review_line_with_next_review_due(client, make_entry):
    make_entry(slug="checked", reviewed_by="a clinical reviewer, addiction medicine",
               reviewed_at=date(2026, 9, 14))  # fmt: skip
    with override_settings(REVIEW_PERIOD_MONTHS=12):
        html = client.get("/terms/checked/").content.decode()
    text = _text(html)
    assert "Reviewed by a clinical reviewer, addiction medicine on September 14, 2026" in text
    assert "Page last reviewed: September 14, 2026 · Next review due: September 14, 2027" in text
    assert '<time datetime="2026-09-14">' in html and '<time datetime="2027-09-14">' in html
    page = _structured(html)
    assert page["lastReviewed"] == "2026-09-14"
    assert page["reviewedBy"]["jobTitle"] == "Clinical reviewer, addiction medicine"


def test_an_entrys_own_period_overrides_the_sites(client, make_entry):
    make_entry(slug="fast-moving", reviewed_at=date(2026, 9, 14), review_every_months=6)
    text = _text(client.get("/terms/fast-moving/").content.decode())
    assert "Next review due: March 14, 2027" in text


def test_a_page_past_its_review_date_says_so_calmly(client, make_entry):
    today = timezone.localdate()
    make_entry(slug="stale", reviewed_at=add_months(today, -13), review_every_months=12)
    make_entry(slug="due-today", reviewed_at=add_months(today, -12), review_every_months=12)
    stale = _text(client.get("/terms/stale/").content.decode())
    assert "This page was due for its next review on" in stale
    assert "may not include the newest guidance" in stale
    # On the due date itself the review is due, not yet past.
    assert "due for its next review" not in _text(client.get("/terms/due-today/").content.decode())


def test_an_entry_never_reviewed_says_so(client, make_entry):
    make_entry(slug="unreviewed")
    html = client.get("/terms/unreviewed/").content.decode()
    assert "This page has not been medically reviewed yet." in html
    assert "lastReviewed" not in html


def test_the_page_changes_when_the_review_falls_due(client, make_entry, monkeypatch):
    """Shared and browser copies are keyed on the page's validators, and the day is one."""
    today = timezone.localdate()
    make_entry(slug="ageing", reviewed_at=add_months(today, -12), review_every_months=12)
    first = client.get("/terms/ageing/")
    assert b"due for its next review" not in first.content
    tomorrow = today + timezone.timedelta(days=1)
    monkeypatch.setattr(timezone, "localdate", lambda *args: tomorrow)
    again = client.get("/terms/ageing/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 200 and b"due for its next review" in again.content


def test_review_due_filter_uses_each_entrys_period(make_entry):
    today = timezone.localdate()
    make_entry(title="Never")
    make_entry(title="Site period, long ago", reviewed_at=add_months(today, -13))
    make_entry(title="Site period, recent", reviewed_at=add_months(today, -2))
    make_entry(title="Own period, due", reviewed_at=add_months(today, -4), review_every_months=3)
    make_entry(title="Own period, not due", reviewed_at=add_months(today, -4),
               review_every_months=24)  # fmt: skip
    with override_settings(REVIEW_PERIOD_MONTHS=12):
        due = set(Entry.objects.review_due().values_list("title", flat=True))
    assert due == {"Never", "Site period, long ago", "Own period, due"}


def test_citations_in_three_styles(client, make_entry):
    make_entry(
        title="Peer Support", slug="peer-support",
        published_at=timezone.make_aware(timezone.datetime(2025, 3, 4, 9)),
    )  # fmt: skip
    # updated_at is set on save: give it a known value directly.
    Entry.objects.filter(slug="peer-support").update(
        updated_at=timezone.make_aware(timezone.datetime(2026, 10, 19, 8, 30))
    )
    entry = Entry.objects.get(slug="peer-support")
    with override_settings(SITE_NAME="Recovery Glossary"):
        apa, mla, ama = citation.citations(entry, today=date(2026, 12, 7))
    url = "https://glossary.example.org/terms/peer-support/"
    assert apa.text == (
        f"Peer Support. (2026, October 19). In Recovery Glossary. "
        f"Retrieved December 7, 2026, from {url}"
    )
    assert "In <i>Recovery Glossary</i>." in apa.html
    assert (
        mla.text == f"“Peer Support.” Recovery Glossary, 19 Oct. 2026, {url}. Accessed 7 Dec. 2026."
    )
    assert ama.text == (
        f"Peer Support. Recovery Glossary. Published March 4, 2025. Updated October 19, 2026. "
        f"Accessed December 7, 2026. {url}"
    )
    html = client.get("/terms/peer-support/").content.decode()
    section = html[html.index('id="cite-heading"') :]
    for style in ("APA", "MLA", "AMA"):
        assert f'aria-label="Copy {style} citation" hidden' in section  # shown by cite.js
    assert "js/cite" in html


def test_citations_escape_what_editors_typed(make_entry):
    entry = make_entry(title="<b>Bold</b> & Co")
    for cited in citation.citations(entry):
        assert "<b>" not in cited.html and "&lt;b&gt;Bold&lt;/b&gt; &amp; Co" in cited.html


def test_a_quote_from_the_knowledge_base(client, make_entry):
    quoted = make_entry(title="Alcohol and the Body", slug="alcohol-and-the-body")
    entry = make_entry(slug="quoting")
    ExpertQuote.objects.create(
        article=entry, kind=ExpertQuote.Kind.KNOWLEDGE_BASE, order=1,
        text="Words as given.", attribution="Discussion of how alcohol affects the body",
    )  # fmt: skip
    ExpertQuote.objects.create(
        article=entry, kind=ExpertQuote.Kind.KNOWLEDGE_BASE, order=2, from_entry=quoted,
        text="Linked words.", attribution="Alcohol and the Body",
    )  # fmt: skip
    with override_settings(SITE_NAME="Sober Words"):
        html = client.get("/terms/quoting/").content.decode()
    text = _text(html)
    assert "— Discussion of how alcohol affects the body From the Sober Words Knowledge Base" in (
        text
    )
    assert '— <a href="/terms/alcohol-and-the-body/">Alcohol and the Body</a>' in html
    assert "(Organisation)" not in html and "(From this knowledge base)" not in html
    # The quoted entry unpublished: its title stays, unlinked.
    quoted.status = Entry.Status.DRAFT
    quoted.save()
    html = client.get("/terms/quoting/").content.decode()
    assert (
        "— Alcohol and the Body" in _text(html)
        and 'href="/terms/alcohol-and-the-body/"' not in html
    )


def test_only_a_knowledge_base_quote_comes_from_an_entry(make_entry):
    from django.core.exceptions import ValidationError

    entry, other = make_entry(), make_entry()
    quote = ExpertQuote(article=entry, kind=ExpertQuote.Kind.CLINICIAN, from_entry=other,
                        text="x", attribution="y")  # fmt: skip
    with pytest.raises(ValidationError, match="Only a quote from this knowledge base"):
        quote.full_clean()
