"""The editors' workflow: live preview, draft preview, scheduled publishing, bulk actions,
medical review and sources, quote kinds, content health, Markdown files."""

import json
import re
from datetime import date, timedelta

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from articles import quality
from articles.content_files import entry_data
from articles.models import Article, Category, ExpertQuote, KeyPoint, Source
from articles.rendering import render_markdown

HOSTILE_BODY = "## Hi\n\n**bold** <script>alert(1)</script> [x](javascript:alert(1))"


@pytest.fixture
def staff(client, editor):
    client.force_login(editor)
    return client


# Live preview


def test_preview_endpoint_renders_exactly_like_the_page(staff):
    response = staff.post("/admin/articles/article/render-markdown/", {"body": HOSTILE_BODY})
    assert response.status_code == 200
    html = response.json()["html"]
    assert html == render_markdown(HOSTILE_BODY)
    assert "<script" not in html and "javascript:" not in html and "<strong>bold</strong>" in html


def test_preview_endpoint_is_for_staff_with_a_csrf_token(client, editor):
    url = "/admin/articles/article/render-markdown/"
    response = client.post(url, {"body": "x"})
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(editor)
    assert strict.post(url, {"body": "x"}).status_code == 403
    staff = Client()
    staff.force_login(editor)
    assert staff.get(url).status_code == 405


def test_staff_preview_of_a_draft_is_private_uncounted_and_noindex(staff, client, make_article):
    draft = make_article(slug="draft-entry", title="Draft Entry", status=Article.Status.DRAFT)
    response = staff.get(f"/admin/articles/article/{draft.pk}/preview/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Draft Entry" in html and "this entry is a draft" in html
    assert '<meta name="robots" content="noindex">' in html
    assert {"private", "no-store"} <= set(response["Cache-Control"].replace(" ", "").split(","))
    draft.refresh_from_db()
    assert draft.view_count == 0
    anonymous = Client()
    assert anonymous.get(f"/admin/articles/article/{draft.pk}/preview/").status_code == 302
    assert anonymous.get("/terms/draft-entry/").status_code == 404
    change = staff.get(f"/admin/articles/article/{draft.pk}/change/").content.decode()
    assert f'/admin/articles/article/{draft.pk}/preview/"' in change


# Scheduled publishing


def test_a_scheduled_entry_appears_everywhere_at_its_time(client, make_article, make_category):
    category = make_category(slug="care")
    start = timezone.now()
    soon = make_article(
        title="Urge Surfing", slug="urge-surfing", category=category,
        published_at=start + timedelta(hours=1),
    )  # fmt: skip
    other = make_article(title="Craving", slug="craving", category=category,
                         body="## A\n\nTry urge surfing.")  # fmt: skip
    other.related.add(soon)

    def everywhere():
        return {
            "page": client.get("/terms/urge-surfing/").status_code == 200,
            "index": b"urge-surfing" in client.get("/terms/").content,
            "category": b"urge-surfing" in client.get("/categories/care/").content,
            "home": b"urge-surfing" in client.get("/").content,
            "search": b"urge-surfing" in client.get("/search/?q=urge+surfing").content,
            "suggest": b"urge-surfing" in client.get("/search/suggest/?q=urge").content,
            "sitemap": b"urge-surfing" in client.get("/sitemap.xml").content,
            "feed": b"urge-surfing" in client.get("/feed/").content,
            "link": b'class="term-link" href="/terms/urge-surfing/"'
            in client.get("/terms/craving/").content,
            "related": b'href="/terms/urge-surfing/" data-preview'
            in client.get("/terms/craving/").content,
        }

    assert not any(everywhere().values()), everywhere()
    with time_machine.travel(start + timedelta(hours=2)):
        shown = everywhere()
    assert all(shown.values()), shown


def test_bulk_publish_and_unpublish(staff, make_article):
    drafts = [make_article(status=Article.Status.DRAFT) for _ in range(3)]
    ids = [str(a.pk) for a in drafts]
    url = "/admin/articles/article/"
    response = staff.post(url, {"action": "publish", "_selected_action": ids}, follow=True)
    assert b"Published 3 entries" in response.content
    assert all(a.is_public for a in Article.objects.filter(pk__in=ids))
    staff.post(url, {"action": "unpublish", "_selected_action": ids[:2]})
    assert Article.objects.filter(pk__in=ids, status="draft").count() == 2


# Medical review, sources, quote kinds


def test_review_sources_and_quote_kinds_show_on_the_page(client, make_article):
    article = make_article(
        slug="naloxone",
        reviewed_by="Jordan Ellis, PharmD",
        reviewed_at=date(2026, 8, 2),
        quotes=[("Carry it.", "Community pharmacist")],
    )
    ExpertQuote.objects.create(
        article=article, text="It saved me.", attribution="Person in recovery",
        kind=ExpertQuote.Kind.LIVED_EXPERIENCE, order=2,
    )  # fmt: skip
    Source.objects.create(article=article, title="Naloxone DrugFacts", publisher="NIDA",
                          url="https://nida.nih.gov/x", accessed=date(2026, 7, 30))  # fmt: skip
    html = client.get("/terms/naloxone/").content.decode()
    assert "Reviewed by Jordan Ellis, PharmD on" in html and "August 2, 2026" in html
    assert "(Clinician)" in html and "(Person with lived experience)" in html
    sources = html[html.index('id="sources-heading"') :]
    link = '<a href="https://nida.nih.gov/x" rel="nofollow noopener">Naloxone DrugFacts</a>'
    assert re.search(rf"<ol>\s*<li>{link}. NIDA. Accessed July 30, 2026.</li>", sources)
    data = json.loads(re.search(r'ld\+json">(.*?)</script>', html, re.S).group(1))
    page = next(node for node in data["@graph"] if node["@type"] == "MedicalWebPage")
    assert page["lastReviewed"] == "2026-08-02"
    assert page["reviewedBy"] == {"@type": "Person", "name": "Jordan Ellis, PharmD"}


def test_review_due_listing(staff, make_article):
    make_article(title="Never Reviewed")
    make_article(title="Long Ago", reviewed_at=date.today() - timedelta(days=500))
    make_article(title="Recently", reviewed_at=date.today() - timedelta(days=30))
    due = staff.get("/admin/articles/article/?review=due").content.decode()
    assert "Never Reviewed" in due and "Long Ago" in due and "Recently" not in due
    current = staff.get("/admin/articles/article/?review=current").content.decode()
    assert "Recently" in current and "Long Ago" not in current


# Content health


def test_each_content_health_warning(make_article):
    weak = make_article(
        slug="weak",
        tldr="",
        body="## Only one\n\nSee [this](/terms/missing-entry/).",
        key_points=["one"],
    )
    found = "\n".join(quality.warnings(weak))
    for expected in ("No TL;DR", "Only 1 key point", "No sources", "No related entries",
                     "1 section", "A link goes nowhere: /terms/missing-entry/"):  # fmt: skip
        assert expected in found, expected

    hard = make_article(
        slug="hard",
        definition=" ".join(["Pharmacotherapeutic interventions notwithstanding "
                             "multidimensional psychopharmacological considerations."] * 8),
    )  # fmt: skip
    assert "Reading level is US grade" in "\n".join(quality.warnings(hard))

    good = make_article(
        slug="good",
        tldr="A short summary.",
        body="## One\n\nShort words. Read them.\n\n## Two\n\nIt is fine.\n\n## Three\n\nGood.",
        key_points=["a", "b", "c"],
    )
    good.related.add(weak)
    Source.objects.create(article=good, title="A source")
    assert quality.warnings(good) == []


def test_warnings_show_on_the_change_form_and_filter_the_list(staff, make_article):
    article = make_article(title="Thin Entry", slug="thin", key_points=["one"])
    url = f"/admin/articles/article/{article.pk}/change/"
    from tests.forms import article_form_data

    assert staff.post(url, article_form_data(article)).status_code == 302
    article.refresh_from_db()
    assert "No sources." in article.content_warnings
    assert b"No sources." in staff.get(url).content
    listing = staff.get("/admin/articles/article/?health=warnings").content.decode()
    assert "Thin Entry" in listing and "warnings" in listing
    assert "Thin Entry" not in staff.get("/admin/articles/article/?health=ok").content.decode()


# Markdown files


@pytest.fixture
def rich_glossary(make_article, make_category):
    category = make_category(name="Care", slug="care", description="Looking after yourself.")
    first = make_article(
        title="Relapse", slug="relapse", category=category, aliases="Slip\nLapse",
        body="## Part\n\nText *here*.", key_points=["One", "Two"],
        quotes=[("Keep going.", "Peer specialist")], reviewed_by="Dr. A",
        reviewed_at=date(2026, 1, 2), stigmatizing_terms="relapser", language_note="Be kind.",
    )  # fmt: skip
    second = make_article(title="Craving", slug="craving", category=category,
                          status=Article.Status.DRAFT)  # fmt: skip
    first.related.add(second)
    Source.objects.create(article=first, title="A study", publisher="NIDA",
                          url="https://example.org/s", accessed=date(2026, 1, 1))  # fmt: skip
    return [first, second]


def _snapshot():
    return {a.slug: entry_data(a) for a in Article.objects.order_by("slug")}


def test_export_then_import_into_an_empty_database_is_lossless(rich_glossary, tmp_path):
    before = _snapshot()
    categories = list(Category.objects.values("name", "slug", "description", "order"))
    call_command("export_content", str(tmp_path), verbosity=0)
    assert (tmp_path / "relapse.md").read_text().startswith("---\ntitle: Relapse\n")
    Article.objects.all().delete()
    Category.objects.all().delete()
    call_command("import_content", str(tmp_path), verbosity=0)
    assert _snapshot() == before
    assert list(Category.objects.values("name", "slug", "description", "order")) == categories
    # Again: nothing changes.
    stamp = Article.objects.get(slug="relapse").updated_at
    call_command("import_content", str(tmp_path), verbosity=0)
    assert Article.objects.get(slug="relapse").updated_at == stamp


def test_import_dry_run_changes_nothing(rich_glossary, tmp_path, capsys):
    call_command("export_content", str(tmp_path), verbosity=0)
    path = tmp_path / "relapse.md"
    path.write_text(path.read_text().replace("title: Relapse", "title: Relapse Explained"))
    call_command("import_content", str(tmp_path), "--dry-run")
    assert "Would update: relapse" in capsys.readouterr().out
    assert Article.objects.get(slug="relapse").title == "Relapse"


def test_import_errors_name_file_and_line_and_change_nothing(rich_glossary, tmp_path):
    call_command("export_content", str(tmp_path), verbosity=0)
    good = tmp_path / "relapse.md"
    good.write_text(good.read_text().replace("title: Relapse", "title: Relapse Changed"))
    bad = tmp_path / "craving.md"
    text = bad.read_text().replace("status: draft", "status: someday")
    bad.write_text(text.replace("related:\n- relapse", "related:\n- nowhere"))
    (tmp_path / "broken.md").write_text("---\ntitle: [unclosed\n---\nBody\n")
    before = _snapshot()
    counts = (KeyPoint.objects.count(), Source.objects.count())
    with pytest.raises(CommandError, match="problem"):
        call_command("import_content", str(tmp_path), verbosity=0)
    assert _snapshot() == before
    assert (KeyPoint.objects.count(), Source.objects.count()) == counts


def test_import_reports_problems_as_file_line_message(rich_glossary, tmp_path, capsys):
    call_command("export_content", str(tmp_path), verbosity=0)
    bad = tmp_path / "craving.md"
    bad.write_text(bad.read_text().replace("status: draft", "status: someday"))
    with pytest.raises(CommandError):
        call_command("import_content", str(tmp_path))
    err = capsys.readouterr().err
    line = bad.read_text().splitlines().index("status: someday") + 1
    assert f"{bad}:{line}: “status” must be draft or published" in err
