"""Every kind of page is valid HTML for the Nu HTML Checker (vnu), in one run of it."""

import json
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings
from django.template.loader import get_template
from django.utils import timezone

from articles.models import DailyViews, Entry
from tests.forms import entry_form_data

VNU_JAR = Path(settings.BASE_DIR) / ".tools/node_modules/vnu-jar/build/dist/vnu.jar"

PAGES = {
    "home": "/",
    "index": "/terms/",
    "category": "/categories/community-support/",
    "term": "/terms/peer-support/",
    "term-other": "/terms/naloxone/",
    "search": "/search/?q=relapse",
    "search-page-2": "/search/?q=recovery&page=2",
    "search-typo": "/search/?q=relapes",
    "search-nothing": "/search/?q=zzzzqqq",
    "search-empty": "/search/",
    "search-hostile": "/search/?q=%3C%2Fscript%3E%22%27%3E%3Cmark%3E",
    "not-found": "/terms/no-such-term/",
    "help": "/help/",
    "privacy": "/privacy/",
    "search-person-first": "/search/?q=addict",
    "term-person-first": "/terms/substance-use-disorder/?said=addict",
    "term-reviewed-with-sources": "/terms/naloxone/?feedback=thanks",
    "term-feedback-why": "/terms/relapse/?feedback=why",  # after a "No": what was wrong
}


@pytest.fixture
def vnu():
    if not VNU_JAR.exists() or not shutil.which("java"):
        pytest.fail("The Nu HTML Checker is missing: `make test` installs it (needs Java 17+)")
    return ["java", "-Xss1024k", "-jar", str(VNU_JAR)]


def test_every_page_type_is_valid_html(demo, db, client, editor, vnu, tmp_path):
    pages = {}
    naloxone = Entry.objects.get(slug="naloxone")
    DailyViews.objects.create(entry=naloxone, day=timezone.localdate(), views=3)  # trending
    for name, path in PAGES.items():
        response = client.get(path)
        assert response.status_code in (200, 404), (name, response.status_code)
        pages[name] = response.content
    assert b"Trending this week" in pages["home"]
    past_due = Entry.objects.get(slug="relapse")
    past_due.reviewed_at = date(2020, 1, 2)
    past_due.save()
    response = client.get("/terms/relapse/")
    assert b"due for its next review" in response.content
    pages["term-review-past-due"] = response.content
    removed = Entry.objects.get(slug="sober-living-house")
    removed.delete()
    response = client.get("/terms/sober-living-house/")
    assert response.status_code == 410
    pages["gone"] = response.content
    pages["server-error"] = get_template("500.html").render().encode()
    for kind in ("searching", "answering", "page"):  # the database can't be used
        context = {kind: True, "query": "relapse"}
        pages[f"unavailable-{kind}"] = get_template("503.html").render(context).encode()
    forged = client.post(
        "/terms/relapse/feedback/", {"helpful": "yes"}, HTTP_SEC_FETCH_SITE="cross-site"
    )
    assert forged.status_code == 403
    pages["forbidden"] = forged.content
    # A report with a reason not listed (400), and a second one on the same entry (429).
    report = {"helpful": "no", "reason": "unclear", "comment": "Hard words."}
    assert client.post("/terms/relapse/feedback/", report).status_code == 303
    for name, sent, status in (("report-again", report, 429),
                               ("report-refused", report | {"reason": "spam"}, 400)):  # fmt: skip
        response = client.post("/terms/relapse/feedback/", sent)
        assert response.status_code == status
        pages[name] = response.content
    # The preview beside an entry's change form: the empty frame, then the entry in it.
    client.force_login(editor)
    url = f"/admin/articles/entry/{Entry.objects.get(slug='relapse').pk}/form-preview/"
    pages["form-preview-frame"] = client.get(url).content
    rows = {"key_points-TOTAL_FORMS": "1", "key_points-0-text": "Plans help.", "related": ["1"]}
    form = entry_form_data(Entry.objects.get(slug="relapse"), **rows)
    pages["form-preview"] = client.post(url, form).content

    files = []
    for name, content in pages.items():
        file = tmp_path / f"{name}.html"
        file.write_bytes(content)
        files.append(str(file))
    result = subprocess.run(
        [*vnu, "--format", "json", "--errors-only", "--stdout", *files],
        capture_output=True,
        text=True,
        timeout=300,
    )
    messages = json.loads(result.stdout or "{}").get("messages", [])
    errors = [
        f"{Path(m.get('url', '')).stem}:{m.get('lastLine')}: {m.get('message')}" for m in messages
    ]
    assert not errors, "\n".join(errors)
    assert result.returncode == 0, result.stderr
