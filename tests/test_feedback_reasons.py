""" "Was this helpful?" → "No" → what was wrong: the reasons form with and without a
shared copy, reports checked, limited and saved; the editors' triage queue and the open
reports on an entry's form."""

from html.parser import HTMLParser

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from articles.models import Entry, FeedbackReport

QUEUE = "/admin/articles/feedbackreport/"
HOSTILE = (
    '<script>alert("x")</script><img src=x onerror=alert(1)>\n'
    '<a href="javascript:alert(2)">click</a> javascript:alert(3)'
)


@pytest.fixture
def craving(make_entry):
    return make_entry(title="Craving", slug="craving")


@pytest.fixture
def editor_client(editor):
    client = Client()
    client.force_login(editor)
    return client


def report_of(client, slug="craving", **fields):
    data = {"helpful": "no", "reason": "unclear", "comment": ""} | fields
    return client.post(f"/terms/{slug}/feedback/", data)


def make_report(article, **fields):
    return FeedbackReport.objects.create(entry=article, **{"reason": "inaccurate"} | fields)


def no_count(article):
    return Entry.objects.get(pk=article.pk).helpful_no


class _Page(HTMLParser):
    """Elements as a browser builds them: tags with their attributes, and scripts' text."""

    def __init__(self, html):
        super().__init__()
        self.elements, self.scripts, self._in_script = [], [], False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts.append(data)


def assert_inert(html):
    page = _Page(html)
    assert not any("alert" in script for script in page.scripts)
    for tag, attrs in page.elements:
        assert not (tag == "img" and attrs.get("src") == "x")
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)
        assert not (attrs.get("href") or "").strip().lower().startswith("javascript:")
    # The comment is there, as text.
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert "onerror=alert(1)&gt;" in html


# Readers


def test_no_leads_to_the_reasons_and_counts_the_no(client, craving):
    response = client.post("/terms/craving/feedback/", {"helpful": "no"})
    assert response.status_code == 303
    assert response["Location"] == "/terms/craving/?feedback=why#feedback"
    assert no_count(craving) == 1
    page = client.get("/terms/craving/?feedback=why").content.decode()
    form = page[
        page.index("data-feedback-why") - 80 : page.index(
            "</section>", page.index("data-feedback-why")
        )
    ]
    assert " hidden" not in form.split(">", 1)[0]  # shown
    assert "<legend>What was wrong?</legend>" in form
    for value, label in FeedbackReport.Reason.choices:
        assert f'value="{value}" id="feedback-reason-{value}" required' in form
        assert f">{label}</label>" in form
    assert "Anything else? (optional, not published)" in form
    assert 'maxlength="500"' in form and "never shown on the site" in form
    assert ">Send</button>" in form
    assert 'href="/terms/craving/?feedback=thanks#feedback" class="feedback__skip"' in form
    assert 'value="yes"' not in page  # the question was answered
    assert FeedbackReport.objects.count() == 0


def test_the_shared_page_is_the_same_for_new_readers_with_the_reasons_hidden(craving):
    first, second = Client().get("/terms/craving/"), Client().get("/terms/craving/")
    assert not first.cookies and not second.cookies
    assert first.content == second.content
    page = first.content.decode()
    assert "data-feedback-why hidden" in page and 'name="helpful" value="yes"' in page
    assert "csrfmiddlewaretoken" not in page and "js/feedback.js" in page
    # Its "Skip" is for feedback.js: no link for crawlers to ?feedback= addresses.
    assert '<button type="button" class="feedback__skip" data-feedback-skip>Skip</button>' in page
    assert "?feedback=" not in page


def test_a_report_is_saved_and_the_no_counted_once(client, craving):
    client.post("/terms/craving/feedback/", {"helpful": "no"})
    response = report_of(client, reason="missing", comment="  Nothing about\r\nrelapse.  ")
    assert response.status_code == 303
    assert response["Location"] == "/terms/craving/?feedback=thanks#feedback"
    report = FeedbackReport.objects.get()
    assert (report.entry, report.reason, report.comment) == (
        craving,
        "missing",
        "Nothing about\nrelapse.",
    )
    assert report.status == "new" and report.handled_by is None
    assert no_count(craving) == 1
    page = client.get("/terms/craving/?feedback=thanks").content.decode()
    assert "Thank you for telling us" in page and "data-feedback-why" not in page


def test_reasons_from_a_reader_who_had_not_answered_count_the_no(craving):
    assert report_of(Client(), reason="inaccurate").status_code == 303
    assert no_count(craving) == 1
    assert FeedbackReport.objects.get().comment == ""


@pytest.mark.parametrize(
    "fields",
    [{"reason": "spam"}, {"reason": ""}, {"reason": "Inaccurate or outdated"}, {"reason": None}],
)
def test_a_reason_not_listed_is_refused_and_nothing_saved(client, craving, fields):
    data = {"helpful": "no", "comment": "Hello"} | fields
    response = client.post(
        "/terms/craving/feedback/", {k: v for k, v in data.items() if v is not None}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Your report was not sent" in page and "Choose what was wrong" in page
    assert 'href="/terms/craving/?feedback=why#feedback"' in page
    assert "Need help now?" in page  # the site's own page
    assert FeedbackReport.objects.count() == 0 and no_count(craving) == 0
    assert "kb_answered" not in response.cookies


def test_a_comment_is_kept_as_plain_text_without_control_characters(client, craving):
    report_of(client, comment="\x00Line\x07 one\tand\r\ntwo\u202e\x1b[31m\n\n")
    assert FeedbackReport.objects.get().comment == "Line one and\ntwo[31m"


def test_a_comment_of_500_characters_is_taken_and_a_longer_one_refused(client, craving, make_entry):
    # 500 as the form's box counts them: its line breaks arrive as \r\n.
    taken = "\r\n".join(["x" * 100] + ["x" * 99] * 4)
    assert len(taken) == 504
    assert report_of(client, comment=taken).status_code == 303
    assert len(FeedbackReport.objects.get().comment) == 500
    make_entry(slug="relapse")
    response = report_of(client, slug="relapse", comment="y" * 501)
    assert response.status_code == 400
    assert "501 characters long; it may have 500 at most" in response.content.decode()
    assert FeedbackReport.objects.count() == 1


def test_reports_from_other_sites_are_refused(craving):
    forged = Client(HTTP_SEC_FETCH_SITE="cross-site", HTTP_ORIGIN="https://evil.example")
    response = report_of(forged, comment="forged")
    assert response.status_code == 403
    assert FeedbackReport.objects.count() == 0 and no_count(craving) == 0


def test_one_report_per_entry_and_address_a_day(craving):
    assert report_of(Client()).status_code == 303
    again = report_of(Client(), reason="other", comment="again")  # same address, no cookie
    assert again.status_code == 429
    page = again.content.decode()
    assert "we have your report already" in page and "Need help now?" in page
    assert FeedbackReport.objects.count() == 1
    assert report_of(Client(REMOTE_ADDR="192.0.2.7")).status_code == 303  # another reader


def test_reports_per_address_an_hour_are_limited(settings, make_entry):
    settings.FEEDBACK_REPORTS_PER_HOUR = 2
    slugs = [make_entry().slug for _ in range(3)]
    reader = Client()
    assert [report_of(reader, slug).status_code for slug in slugs] == [303, 303, 429]
    assert "enough reports from you for now" in report_of(reader, slugs[2]).content.decode()
    assert FeedbackReport.objects.count() == 2
    assert Entry.objects.get(slug=slugs[2]).helpful_no == 0
    assert report_of(Client(REMOTE_ADDR="192.0.2.7"), slugs[2]).status_code == 303


def test_a_wrong_answer_gets_a_page_not_a_500(client, craving):
    response = client.post("/terms/craving/feedback/", {"helpful": "maybe"})
    assert response.status_code == 400
    assert "Your answer was not sent" in response.content.decode()


# Editors


def test_a_hostile_comment_is_stored_as_text_and_shown_inert(client, craving, editor_client):
    report_of(client, comment=HOSTILE)
    report = FeedbackReport.objects.get()
    assert report.comment == HOSTILE
    listing = editor_client.get(QUEUE)
    assert listing.status_code == 200
    assert_inert(listing.content.decode())
    form = editor_client.get(f"{QUEUE}{report.pk}/change/").content.decode()
    assert_inert(form)
    assert 'name="comment"' not in form  # shown, never edited
    assert "<br>&lt;a href=&quot;javascript:alert(2)&quot;&gt;click&lt;/a&gt;" in form
    assert_inert(editor_client.get(f"/admin/articles/entry/{craving.pk}/change/").content.decode())


def _act(client, action, *reports, query="?status=all"):
    data = {"action": action, "_selected_action": [r.pk for r in reports]}
    assert client.post(QUEUE + query, data).status_code == 302


def test_triage_with_the_actions(editor_client, editor, craving):
    report, other = make_report(craving), make_report(craving, reason="other")
    _act(editor_client, "take", report)
    report.refresh_from_db()
    assert (report.status, report.handled_by, report.resolved_at) == ("in_progress", editor, None)
    _act(editor_client, "resolve", report, other)
    report.refresh_from_db()
    other.refresh_from_db()
    assert report.status == other.status == "resolved"
    assert report.resolved_at is not None and other.handled_by == editor
    _act(editor_client, "reopen", report)
    report.refresh_from_db()
    assert (report.status, report.resolved_at, report.handled_by) == ("new", None, editor)


def test_triage_with_the_form(editor_client, editor, craving):
    report = make_report(craving, comment="Says 2019.")
    url = f"{QUEUE}{report.pk}/change/"
    page = editor_client.get(url).content.decode()
    assert "Says 2019." in page and 'name="status"' in page and 'name="editor_note"' in page
    response = editor_client.post(
        url, {"status": "resolved", "editor_note": "Updated.", "_save": "1"}
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == "resolved" and report.resolved_at is not None
    assert report.handled_by == editor and report.editor_note == "Updated."
    assert report.comment == "Says 2019."
    editor_client.post(
        url, {"status": "new", "handled_by": editor.pk, "editor_note": "", "_save": "1"}
    )
    report.refresh_from_db()
    assert report.status == "new" and report.resolved_at is None


def test_editors_triage_but_cannot_add_reports(editor_client, craving):
    make_report(craving)
    listing = editor_client.get(QUEUE).content.decode()
    assert f'href="{QUEUE}add/"' not in listing
    assert editor_client.get(f"{QUEUE}add/").status_code == 403
    for action in ("take", "resolve", "reopen", "delete_selected"):
        assert f'value="{action}"' in listing
    assert "Take: mark in progress and assign to me" in listing


def test_the_queue_shows_open_reports_first_and_filters_by_entry(editor_client, make_entry):
    craving, relapse = make_entry(title="Craving"), make_entry(title="Relapse")
    make_entry(title="Unreported")
    make_report(craving, comment="open one")
    make_report(relapse, comment="taken one", status="in_progress")
    make_report(relapse, comment="closed one", status="resolved")
    listing = editor_client.get(QUEUE).content.decode()
    assert "open one" in listing and "taken one" in listing and "closed one" not in listing
    everything = editor_client.get(QUEUE, {"status": "all"}).content.decode()
    positions = [everything.index(text) for text in ("open one", "taken one", "closed one")]
    assert positions == sorted(positions)
    # The entry filter lists entries with open reports only.
    filters = listing[listing.index('id="changelist-filter"') :]
    assert (
        "Craving (1 open)" in filters
        and "Relapse (1 open)" in filters
        and "Unreported" not in filters
    )
    counted = editor_client.get(QUEUE, {"_facets": "True"}).content.decode()
    assert "Open (new or in progress) (2)" in counted and "Resolved (1)" in counted
    one = editor_client.get(QUEUE, {"entry": craving.pk}).content.decode()
    assert "open one" in one and "taken one" not in one
    assert f'href="/admin/articles/entry/{craving.pk}/change/"' in one
    assert editor_client.get(QUEUE, {"entry": "1 OR 1=1"}).status_code == 302  # ?e=1
    assert editor_client.get(QUEUE, {"entry": "9" * 40}).status_code == 302


def test_an_entry_form_lists_its_open_reports_in_one_query(editor_client, craving, make_entry):
    open_report = make_report(craving, comment="Out of date dose.")
    make_report(craving, comment="Already fixed.", status="resolved")
    make_report(make_entry(), comment="About another entry.")
    url = f"/admin/articles/entry/{craving.pk}/change/"
    with CaptureQueriesContext(connection) as queries:
        page = editor_client.get(url).content.decode()
    asked = [q["sql"] for q in queries if "articles_feedbackreport" in q["sql"]]
    assert len(asked) == 1
    panel = page[page.index('class="content-health reader-reports"') :]
    panel = panel[: panel.index("</section>")]
    assert "Reader reports: 1 open" in panel
    assert f'href="{QUEUE}{open_report.pk}/change/"' in panel
    assert "Out of date dose." in panel and "Already fixed." not in panel
    assert "About another entry." not in panel
    assert f'href="{QUEUE}?entry={craving.pk}"' in panel
    quiet = make_entry()
    assert (
        "reader-reports"
        not in editor_client.get(f"/admin/articles/entry/{quiet.pk}/change/").content.decode()
    )
