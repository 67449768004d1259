"""The demo content: it loads, and every entry is complete and consistent."""

import json
import re
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.utils import timezone

from articles.models import Category, Entry

REQUIRED = {
    "Peer Support": [], "Relapse": [], "Relapse Prevention": [], "Craving": [], "Trigger": [],
    "Sponsor": [], "Alcoholics Anonymous": ["AA"], "Narcotics Anonymous": ["NA"],
    "SMART Recovery": [], "Twelve-Step Program": ["12-step", "12 steps"],
    "Sober Living House": ["sober house", "recovery residence"], "Recovery Coach": [],
    "Withdrawal": [], "Detoxification": ["detox"], "Medication-Assisted Treatment": ["MAT"],
    "Naloxone": ["Narcan"], "Harm Reduction": [], "Tolerance": [], "Physical Dependence": [],
    "Substance Use Disorder": ["SUD", "addiction"], "Alcohol Use Disorder": ["AUD", "alcoholism"],
    "Post-Acute Withdrawal Syndrome": ["PAWS"], "HALT": ["Hungry, Angry, Lonely, Tired"],
    "Mindfulness": [], "Cognitive Behavioral Therapy": ["CBT"], "Motivational Interviewing": [],
    "Dual Diagnosis": ["co-occurring disorders"], "Codependency": [], "Enabling": [],
    "Intervention": [], "Sobriety": [], "Sober Curious": [], "Urge Surfing": [],
    "Accountability Partner": [], "Al-Anon": [], "Inpatient Rehab": ["residential treatment"],
    "Intensive Outpatient Program": ["IOP", "outpatient treatment"],
    "Buprenorphine": ["Suboxone"], "Methadone": [], "Overdose": [], "Self-Care": [],
    "Gratitude Practice": [],
    "Sobriety Milestones": ["sober birthday", "recovery chip", "sobriety coin"],
    "Stigma": [], "Sleep Hygiene": [],
}  # fmt: skip

# Public health bodies the demo entries may cite (their www. and other sub-domains too).
SOURCE_HOSTS = (
    "nida.nih.gov", "niaaa.nih.gov", "samhsa.gov", "cdc.gov", "medlineplus.gov", "who.int",
    "asam.org", "nice.org.uk", "nhs.uk",
)  # fmt: skip


@pytest.fixture
def demo(db):
    call_command("load_demo_content", verbosity=0)
    return Entry.objects.prefetch_related("key_points", "quotes", "related").select_related(
        "category"
    )


def test_demo_content_loads_into_an_empty_database(demo):
    assert demo.published().count() >= 45
    assert Category.objects.count() >= 5
    assert all(c.entries.exists() for c in Category.objects.all())


def test_every_required_title_exists_with_its_aliases(demo):
    by_title = {a.title: a for a in demo}
    for title, aliases in REQUIRED.items():
        assert title in by_title, title
        have = {alias.casefold() for alias in by_title[title].alias_list}
        assert {alias.casefold() for alias in aliases} <= have, title
        assert by_title[title].slug == re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


def test_every_entry_is_complete(demo):
    for article in demo:
        assert article.status == Entry.Status.PUBLISHED
        for field in ("title", "definition", "tldr", "body", "body_html"):
            assert getattr(article, field).strip(), (article.slug, field)
        assert 3 <= len(article.key_points.all()) <= 5, article.slug
        assert article.quotes.all(), article.slug
        assert all(q.text.strip() and q.attribution.strip() for q in article.quotes.all())
        assert len(re.findall(r"^## \S", article.body, re.M)) >= 3, article.slug
        assert article.body_html.count("<h2 id=") >= 3, article.slug
        assert 2 <= len(article.related.all()) <= 6, article.slug
        assert all(other.status == "published" for other in article.related.all())


def test_names_and_aliases_never_collide_across_entries(demo):
    owner = {}
    for article in demo:
        for name in [article.title, *article.alias_list]:
            key = name.casefold()
            assert owner.setdefault(key, article.slug) == article.slug, (name, owner[key])


def test_view_counts_and_update_dates_differ(demo):
    assert len({a.view_count for a in demo}) == len(demo)
    assert len({a.updated_at.date() for a in demo}) == len(demo)


def test_reference_entry_is_kept_as_given(demo):
    entry = demo.get(slug="peer-support")
    assert entry.category.name == "Lifestyle & Health"
    assert entry.category.slug == "lifestyle-health"
    assert entry.view_count == 44
    assert entry.definition.startswith("Mutual aid between individuals sharing similar recovery")
    assert [k.text for k in entry.key_points.all()][0] == (
        "Peer support is mutual, not one-sided: both giver and receiver grow in sobriety."
    )
    quote = entry.quotes.get()
    assert quote.attribution == "Discussion of how substance abuse impacts physical health"
    headings = re.findall(r"^## (.+)$", entry.body, re.M)
    assert headings == [
        "How peer support works in real life",
        "Starting your own peer network",
        "What to expect and how to protect the relationship",
    ]


def test_loader_never_loads_over_existing_content(make_entry):
    make_entry(title="Mine", slug="mine")
    call_command("load_demo_content", verbosity=0)
    assert list(Entry.objects.values_list("slug", flat=True)) == ["mine"]


def test_dry_run_writes_nothing(db, capsys):
    call_command("load_demo_content", dry_run=True)
    assert "Would load" in capsys.readouterr().out
    assert not Entry.objects.exists()


def test_every_demo_page_renders(demo, client):
    for article in demo:
        response = client.get(article.get_absolute_url())
        assert response.status_code == 200, article.slug
    for category in Category.objects.all():
        assert client.get(category.get_absolute_url()).status_code == 200
    index = client.get("/terms/").content.decode()
    assert all(f'href="{a.get_absolute_url()}"' in index for a in demo)


def test_every_term_page_shows_its_sources_review_and_citations(demo, client):
    for article in demo.published():
        html = client.get(article.get_absolute_url()).content.decode()
        sources = html[
            html.index('id="sources-heading"') : html.index(
                "</section>", html.index('id="sources-heading"')
            )
        ]
        assert sources.count("<li>") >= 2, article.slug
        assert "Page last reviewed: <time" in html and "Next review due: <time" in html
        assert html.count('class="cite__text"') == 3, article.slug
        data = json.loads(re.search(r'ld\+json">(.*?)</script>', html, re.S).group(1))
        page = next(node for node in data["@graph"] if node["@type"] == "MedicalWebPage")
        assert page["lastReviewed"] == article.reviewed_at.isoformat(), article.slug
        assert page["reviewedBy"]["jobTitle"], article.slug


def test_the_reference_quote_comes_from_the_knowledge_base(demo, client):
    quote = demo.get(slug="peer-support").quotes.get()
    assert quote.kind == "knowledge_base" and quote.from_entry is None
    assert quote.text == (
        "As alcoholism progresses from early to late stages, alcohol increasingly hinders "
        "rather than helps sexual function."
    )
    html = client.get("/terms/peer-support/").content.decode()
    assert (
        "<figcaption>— Discussion of how substance abuse impacts physical health "
        '<span class="quote__from">From the Recovery Glossary Knowledge Base</span></figcaption>'
    ) in html


def test_demo_content_shows_review_sources_voices_and_language_notes(demo):
    from articles.models import ExpertQuote, Source

    reviewed = Entry.objects.exclude(reviewed_by="").filter(reviewed_at__isnull=False)
    assert reviewed.count() >= 3 and Source.objects.count() >= 5
    kinds = set(ExpertQuote.objects.values_list("kind", flat=True))
    assert {"clinician", "peer", "lived"} <= kinds
    noted = Entry.objects.exclude(stigmatizing_terms="").exclude(language_note="")
    assert set(noted.values_list("slug", flat=True)) >= {
        "substance-use-disorder", "alcohol-use-disorder", "sobriety"
    }  # fmt: skip


def cites_a_public_health_body(url):
    address = urlsplit(url)
    host = address.hostname or ""
    return address.scheme == "https" and any(
        host == allowed or host.endswith("." + allowed) for allowed in SOURCE_HOSTS
    )


def test_every_entry_cites_two_dated_public_health_sources(demo):
    this_year = timezone.localdate().year
    for article in demo.published().prefetch_related("sources"):
        sources = article.sources.all()
        assert len(sources) >= 2, article.slug
        for source in sources:
            assert source.title.strip() and source.publisher.strip(), (article.slug, source.url)
            assert source.year and 1990 <= source.year <= this_year, (article.slug, source.url)
            assert cites_a_public_health_body(source.url), (article.slug, source.url)


def test_every_entry_was_reviewed_by_a_role_not_a_named_person(demo):
    today = timezone.localdate()
    for article in demo.published():
        role = article.reviewed_by
        assert role.startswith(("a ", "an ")), (article.slug, role)
        assert not re.search(r"\bDr\b|\b(?:MD|DO|PharmD|PhD|RN|NP|LCSW)\b", role), role
        assert article.reviewed_at and article.reviewed_at <= today, article.slug
