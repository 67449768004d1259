"""The editors' workflow: live preview, draft preview, scheduled publishing, bulk actions,
medical review and sources, quote kinds, Markdown files (content health itself:
test_content_health.py)."""

import json
import re
from datetime import date, timedelta

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from articles.content import quality
from articles.content.files import entry_data
from articles.content.rendering import render_markdown
from articles.models import Category, Entry, ExpertQuote, KeyPoint, Source
from tests.forms import entry_form_data

HOSTILE_BODY = "## Hi\n\n**bold** <script>alert(1)</script> [x](javascript:alert(1))"


@pytest.fixture
def staff(client, editor):
    client.force_login(editor)
    return client


# Live preview


def _article_element(html):
    return html[html.index('<article class="term">') : html.index("</article>")]


def _form_with_parts(article):
    """The change form of `article` as its page would post it, rows and all."""
    rows = {}
    for prefix, parts, fields in (
        ("key_points", article.key_points.all(), ("text", "order")),
        ("quotes", article.quotes.all(), ("text", "kind", "attribution", "order")),
        ("sources", article.sources.all(), ("title", "publisher", "url", "accessed", "order")),
    ):
        rows[f"{prefix}-TOTAL_FORMS"] = str(len(parts))
        for i, part in enumerate(parts):
            rows |= {f"{prefix}-{i}-{field}": str(getattr(part, field) or "") for field in fields}
    rows["related"] = [str(pk) for pk in article.related.values_list("pk", flat=True)]
    rows["reviewed_by"] = article.reviewed_by
    rows["reviewed_at"] = str(article.reviewed_at or "")
    return entry_form_data(article, **rows)


def test_form_preview_is_the_page_readers_see(staff, make_entry):
    """Unchanged, the form's preview is the saved entry's page, cross-links and all."""
    make_entry(title="Sponsor", slug="sponsor")
    article = make_entry(
        title="Craving", slug="craving", key_points=["Cravings pass."],
        quotes=[("Ride the wave.", "Peer specialist")], reviewed_by="Dr. A",
        reviewed_at=date(2026, 1, 2),
        body="## One\n\n- a list\n- with a sponsor\n\n## Two\n\nText.\n\n## Three\n\nEnd.",
    )  # fmt: skip
    article.related.add(make_entry(title="Urge Surfing", slug="urge-surfing"))
    Source.objects.create(article=article, title="A study", url="https://example.org/s",
                          accessed=date(2026, 1, 1), order=1)  # fmt: skip
    url = f"/admin/articles/entry/{article.pk}/form-preview/"
    response = staff.post(url, _form_with_parts(article))
    assert response.status_code == 200
    preview = _article_element(response.content.decode())
    page = _article_element(
        staff.get(f"/admin/articles/entry/{article.pk}/preview/").content.decode()
    )
    assert preview == page
    assert 'class="term-link" href="/terms/sponsor/"' in preview and 'class="toc"' in preview
    # A change shows before it is saved; nothing is written.
    changed = _form_with_parts(article) | {"title": "Cravings", "key_points-0-DELETE": "on"}
    html = staff.post(url, changed).content.decode()
    assert "<h1>Cravings</h1>" in html and "Cravings pass." not in html
    assert Entry.objects.get(pk=article.pk).title == "Craving"


def test_form_preview_sanitises_exactly_like_the_page(staff, make_category):
    data = {
        "title": "New", "category": make_category().pk, "body": HOSTILE_BODY,
        "sources-TOTAL_FORMS": "1", "sources-0-title": "Bad",
        "sources-0-url": "javascript:alert(1)",
    }  # fmt: skip
    response = staff.post("/admin/articles/entry/form-preview/", data)
    assert response.status_code == 200
    html = response.content.decode()
    assert render_markdown(HOSTILE_BODY) in html
    assert "<script" not in html and "javascript:" not in html and "<strong>bold</strong>" in html


def test_form_preview_of_nonsense_is_a_page_not_an_error(staff):
    nonsense = {
        "category": "x", "status": "gone", "published_at_0": "31/31/31", "reviewed_at": "soon",
        "related": ["x", "99999"], "key_points-TOTAL_FORMS": "many", "quotes-TOTAL_FORMS": "-4",
        "sources-TOTAL_FORMS": "10000000", "sources-0-title": "T", "sources-0-accessed": "x",
    }  # fmt: skip
    for url in (
        "/admin/articles/entry/form-preview/",
        "/admin/articles/entry/999/form-preview/",
    ):
        response = staff.post(url, nonsense)
        assert response.status_code == 200 and "Untitled entry" in response.content.decode()


def test_form_preview_is_for_staff_with_a_csrf_token_never_cached_framed_by_admin_only(
    client, editor, make_entry
):
    url = "/admin/articles/entry/form-preview/"
    response = client.post(url, {"body": "x"})
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(editor)
    assert strict.post(url, {"body": "x"}).status_code == 403
    staff = Client()
    staff.force_login(editor)
    frame = staff.get(url)  # the empty frame the form's script fills
    assert frame.status_code == 200 and b"<script" not in frame.content
    assert {"private", "no-store"} <= set(frame["Cache-Control"].replace(" ", "").split(","))
    assert frame["X-Frame-Options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in frame["Content-Security-Policy"]
    assert staff.put(url).status_code == 405
    # Only the entry form may frame it; readers' pages still may not be framed at all.
    article = make_entry(slug="framed")
    form = staff.get(f"/admin/articles/entry/{article.pk}/change/")
    assert "frame-src 'self'" in form["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in form["Content-Security-Policy"]
    page = Client().get("/terms/framed/")
    assert page["X-Frame-Options"] == "DENY" and "frame-src" not in page["Content-Security-Policy"]


def test_form_preview_needs_the_right_to_edit(make_entry):
    from django.contrib.auth.models import User

    visitor = Client()
    visitor.force_login(User.objects.create_user("staff-only", is_staff=True))
    article = make_entry()
    for url in ("/admin/articles/entry/form-preview/",
                f"/admin/articles/entry/{article.pk}/form-preview/"):  # fmt: skip
        assert visitor.post(url, {"body": "x"}).status_code in {302, 403}


def test_staff_preview_of_a_draft_is_private_uncounted_and_noindex(staff, client, make_entry):
    draft = make_entry(slug="draft-entry", title="Draft Entry", status=Entry.Status.DRAFT)
    response = staff.get(f"/admin/articles/entry/{draft.pk}/preview/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Draft Entry" in html and "this entry is a draft" in html
    assert '<meta name="robots" content="noindex">' in html
    assert {"private", "no-store"} <= set(response["Cache-Control"].replace(" ", "").split(","))
    draft.refresh_from_db()
    assert draft.view_count == 0
    anonymous = Client()
    assert anonymous.get(f"/admin/articles/entry/{draft.pk}/preview/").status_code == 302
    assert anonymous.get("/terms/draft-entry/").status_code == 404
    change = staff.get(f"/admin/articles/entry/{draft.pk}/change/").content.decode()
    assert f'/admin/articles/entry/{draft.pk}/preview/"' in change


# Scheduled publishing


def test_a_scheduled_entry_appears_everywhere_at_its_time(client, make_entry, make_category):
    category = make_category(slug="care")
    start = timezone.now()
    soon = make_entry(
        title="Urge Surfing", slug="urge-surfing", category=category,
        published_at=start + timedelta(hours=1),
    )  # fmt: skip
    other = make_entry(title="Craving", slug="craving", category=category,
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


def test_bulk_publish_and_unpublish(staff, make_entry):
    drafts = [make_entry(status=Entry.Status.DRAFT) for _ in range(3)]
    ids = [str(a.pk) for a in drafts]
    url = "/admin/articles/entry/"
    response = staff.post(url, {"action": "publish", "_selected_action": ids}, follow=True)
    assert b"Published 3 entries" in response.content
    assert all(a.is_public for a in Entry.objects.filter(pk__in=ids))
    staff.post(url, {"action": "unpublish", "_selected_action": ids[:2]})
    assert Entry.objects.filter(pk__in=ids, status="draft").count() == 2


# Medical review, sources, quote kinds


def test_review_sources_and_quote_kinds_show_on_the_page(client, make_entry):
    article = make_entry(
        slug="naloxone",
        reviewed_by="a clinical pharmacist",
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
    assert "Reviewed by a clinical pharmacist on" in html and "August 2, 2026" in html
    assert "(Clinician)" in html and "(Person with lived experience)" in html
    sources = html[html.index('id="sources-heading"') :]
    link = '<a href="https://nida.nih.gov/x" rel="nofollow noopener">Naloxone DrugFacts</a>'
    assert re.search(rf"<ol>\s*<li>{link}. NIDA. Accessed July 30, 2026.</li>", sources)
    data = json.loads(re.search(r'ld\+json">(.*?)</script>', html, re.S).group(1))
    page = next(node for node in data["@graph"] if node["@type"] == "MedicalWebPage")
    assert page["lastReviewed"] == "2026-08-02"
    assert page["reviewedBy"]["@type"] == "Person"
    assert page["reviewedBy"]["jobTitle"] == "Clinical pharmacist"
    assert "name" not in page["reviewedBy"]  # a role: no person is named


def test_review_due_listing(staff, make_entry):
    make_entry(title="Never Reviewed")
    make_entry(title="Long Ago", reviewed_at=date.today() - timedelta(days=500))
    make_entry(title="Recently", reviewed_at=date.today() - timedelta(days=30))
    due = staff.get("/admin/articles/entry/?review=due").content.decode()
    assert "Never Reviewed" in due and "Long Ago" in due and "Recently" not in due
    current = staff.get("/admin/articles/entry/?review=current").content.decode()
    assert "Recently" in current and "Long Ago" not in current


# Markdown files


@pytest.fixture
def rich_glossary(make_entry, make_category):
    category = make_category(name="Care", slug="care", description="Looking after yourself.")
    first = make_entry(
        title="Relapse", slug="relapse", category=category, aliases="Slip\nLapse",
        body="## Part\n\nText *here*.", key_points=["One", "Two"],
        quotes=[("Keep going.", "Peer specialist")], reviewed_by="Dr. A",
        reviewed_at=date(2026, 1, 2), stigmatizing_terms="relapser", language_note="Be kind.",
    )  # fmt: skip
    second = make_entry(title="Craving", slug="craving", category=category,
                          status=Entry.Status.DRAFT)  # fmt: skip
    first.related.add(second)
    Source.objects.create(article=first, title="A study", publisher="NIDA", year=2024,
                          url="https://example.org/s", accessed=date(2026, 1, 1))  # fmt: skip
    first.review_every_months = 6
    first.save()
    ExpertQuote.objects.create(
        article=first, text="Urges pass.", attribution="Craving", order=2,
        kind=ExpertQuote.Kind.KNOWLEDGE_BASE, from_entry=second,
    )  # fmt: skip
    return [first, second]


def _snapshot():
    """Every entry's content (its version is bookkeeping, counted anew by an import)."""
    snapshot = {}
    for article in Entry.objects.order_by("slug"):
        data, body = entry_data(article)
        del data["version"]
        snapshot[article.slug] = (data, body)
    return snapshot


def test_export_then_import_into_an_empty_database_is_lossless(rich_glossary, tmp_path):
    before = _snapshot()
    categories = list(Category.objects.values("name", "slug", "description", "order"))
    call_command("export_content", str(tmp_path), verbosity=0)
    assert (tmp_path / "relapse.md").read_text().startswith("---\ntitle: Relapse\n")
    Entry.objects.all().delete()
    Category.objects.all().delete()
    call_command("import_content", str(tmp_path), verbosity=0)
    assert _snapshot() == before
    assert list(Category.objects.values("name", "slug", "description", "order")) == categories
    # Again: nothing changes.
    stamp = Entry.objects.get(slug="relapse").updated_at
    call_command("import_content", str(tmp_path), verbosity=0)
    assert Entry.objects.get(slug="relapse").updated_at == stamp


def test_import_dry_run_changes_nothing(rich_glossary, tmp_path, capsys):
    call_command("export_content", str(tmp_path), verbosity=0)
    path = tmp_path / "relapse.md"
    path.write_text(path.read_text().replace("title: Relapse", "title: Relapse Explained"))
    call_command("import_content", str(tmp_path), "--dry-run")
    assert "Would update: relapse" in capsys.readouterr().out
    assert Entry.objects.get(slug="relapse").title == "Relapse"


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


def test_import_refuses_bad_review_periods_source_years_and_quote_origins(
    rich_glossary, tmp_path, capsys
):
    call_command("export_content", str(tmp_path), verbosity=0)
    path = tmp_path / "relapse.md"
    text = path.read_text()
    assert "review_every_months: 6" in text and "year: 2024" in text
    assert "from_entry: craving" in text
    text = text.replace("review_every_months: 6", "review_every_months: 0")
    text = text.replace("year: 2024", "year: twenty")
    path.write_text(text.replace("from_entry: craving", "from_entry: nowhere"))
    with pytest.raises(CommandError):
        call_command("import_content", str(tmp_path), verbosity=0)
    err = capsys.readouterr().err
    assert "“review_every_months” must be a whole number from 1 to 120" in err
    assert "source 1: “year” must be a year, e.g. 2024" in err
    assert "no entry “nowhere” for a quote to come from" in err
    assert Entry.objects.get(slug="relapse").review_every_months == 6


def test_import_reports_problems_as_file_line_message(rich_glossary, tmp_path, capsys):
    call_command("export_content", str(tmp_path), verbosity=0)
    bad = tmp_path / "craving.md"
    bad.write_text(bad.read_text().replace("status: draft", "status: someday"))
    with pytest.raises(CommandError):
        call_command("import_content", str(tmp_path))
    err = capsys.readouterr().err
    line = bad.read_text().splitlines().index("status: someday") + 1
    assert f"{bad}:{line}: “status” must be draft or published" in err


def test_import_refuses_to_overwrite_an_entry_saved_since_the_export(rich_glossary, tmp_path):
    call_command("export_content", str(tmp_path), verbosity=0)
    relapse = Entry.objects.get(slug="relapse")
    relapse.tldr = "Saved in the admin after the export."
    relapse.save()
    path = tmp_path / "relapse.md"
    path.write_text(path.read_text().replace("tldr: Summary", "tldr: From the file. Summary"))

    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_content", str(tmp_path), verbosity=0)
    relapse.refresh_from_db()
    assert relapse.tldr == "Saved in the admin after the export."

    call_command("import_content", str(tmp_path), "--force", verbosity=0)
    relapse.refresh_from_db()
    assert relapse.tldr.startswith("From the file.")


def test_import_names_the_entry_and_its_version_when_refusing(rich_glossary, tmp_path, capsys):
    call_command("export_content", str(tmp_path), verbosity=0)
    Entry.objects.get(slug="relapse").save()
    path = tmp_path / "relapse.md"
    path.write_text(path.read_text().replace("tldr: Summary", "tldr: Changed. Summary"))
    with pytest.raises(CommandError):
        call_command("import_content", str(tmp_path))
    err = capsys.readouterr().err
    assert "relapse.md:" in err and "“relapse” was changed since version" in err
    assert "--force" in err


def test_files_stay_current_after_their_import(rich_glossary, tmp_path):
    call_command("export_content", str(tmp_path), verbosity=0)
    path = tmp_path / "relapse.md"
    for n in (1, 2):  # edit, import, edit again, import again: never refused
        path.write_text(path.read_text().replace("tldr: ", f"tldr: Edit {n}. ", 1))
        call_command("import_content", str(tmp_path), verbosity=0)
    relapse = Entry.objects.get(slug="relapse")
    assert relapse.tldr.startswith("Edit 2. Edit 1.")
    assert f"\nversion: {relapse.version}\n" in path.read_text()


def test_a_file_without_a_version_does_not_overwrite_an_entry(rich_glossary, tmp_path):
    call_command("export_content", str(tmp_path), verbosity=0)
    path = tmp_path / "relapse.md"
    text = re.sub(r"\nversion: \d+", "", path.read_text())
    path.write_text(text.replace("tldr: ", "tldr: Hand-written. ", 1))
    with pytest.raises(CommandError):
        call_command("import_content", str(tmp_path), verbosity=0)
    assert not Entry.objects.get(slug="relapse").tldr.startswith("Hand-written.")


def _stored(slug):
    return Entry.objects.get(slug=slug).content_warnings.splitlines()


def test_an_import_stores_the_warnings_of_what_it_writes_and_of_entries_it_concerns(
    rich_glossary, make_entry, tmp_path
):
    call_command("export_content", str(tmp_path), verbosity=0)
    Entry.objects.all().delete()
    waiting = make_entry(slug="waiting", body="## A\n\nSee [relapse](/terms/relapse/).")
    quality.refresh(waiting)
    assert "A link goes nowhere: /terms/relapse/" in _stored("waiting")
    call_command("import_content", str(tmp_path), verbosity=0)
    for article in Entry.objects.exclude(slug="waiting"):
        assert article.content_warnings.splitlines() == quality.warnings(article), article.slug
    assert "No sources." in _stored("craving") and quality.NO_RELATED not in _stored("craving")
    assert "A link goes nowhere: /terms/relapse/" not in _stored("waiting")


def _new_file(tmp_path, like, **changes):
    """A new entry's file made from an exported one, with `changes` to its front matter."""
    text = (tmp_path / f"{like}.md").read_text()
    for key, value in changes.items():
        text = re.sub(rf"^{key}: .*$", f"{key}: {value}", text, count=1, flags=re.M)
    path = tmp_path / f"{changes.get('slug', like)}.md"
    path.write_text(re.sub(r"\nversion: \d+", "", text))
    return path, text


@pytest.mark.parametrize(
    ("slug", "says"),
    [
        (
            "relapser",
            "/terms/relapser/ is a person-first language redirect to “Relapse” (one "
            "of its stigmatizing words)",
        ),  # fmt: skip
        ("old-relapse", "/terms/old-relapse/ is an old address of “Relapse” and redirects there"),
    ],
)
def test_an_import_refuses_a_slug_taken_naming_file_and_line(
    rich_glossary, tmp_path, capsys, slug, says
):
    relapse = rich_glossary[0]
    relapse.slug = "old-relapse"
    relapse.save()
    relapse.slug = "relapse"
    relapse.save()
    call_command("export_content", str(tmp_path), verbosity=0)
    path, text = _new_file(tmp_path, "craving", slug=slug, title="Something New")
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_content", str(tmp_path), "--force")
    line = path.read_text().splitlines().index(f"slug: {slug}") + 1
    assert f"{path}:{line}: {says}; choose another slug" in capsys.readouterr().err
    assert not Entry.objects.filter(slug=slug).exists()


def test_a_duplicate_title_reads_the_same_in_an_import_as_in_the_admin(
    rich_glossary, tmp_path, capsys
):
    call_command("export_content", str(tmp_path), verbosity=0)
    (tmp_path / "relapse.md").unlink()  # in the database only
    clash, _ = _new_file(tmp_path, "craving", slug="relapse-again", title="RELAPSE")
    with pytest.raises(CommandError):
        call_command("import_content", str(tmp_path), "--force")
    line = clash.read_text().splitlines().index("title: RELAPSE") + 1
    err = capsys.readouterr().err
    assert (
        f"{clash}:{line}: An entry with this title already exists. “Relapse” is at "
        "/terms/relapse/ (titles must differ, ignoring case); choose another title." in err
    )
    # Two files with one title: the same words, naming the other file.
    clash.unlink()
    twin, _ = _new_file(tmp_path, "craving", slug="twin")
    with pytest.raises(CommandError):
        call_command("import_content", str(tmp_path), "--force")
    line = twin.read_text().splitlines().index("title: Craving") + 1
    assert (
        f"{twin}:{line}: An entry with this title already exists. “Craving” is in craving.md"
        in capsys.readouterr().err
    )
