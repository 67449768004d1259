""" "Was this helpful?" → "No" → what was wrong, in a real browser: in place with
JavaScript, page by page without it."""

import pytest
from playwright.sync_api import expect

from articles.models import Entry, FeedbackReport

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def term(live_server, make_entry):
    make_entry(title="Craving", slug="craving")
    return live_server.url + "/terms/craving/"


def assert_reported(comment):
    report = FeedbackReport.objects.get()
    assert (report.entry.slug, report.reason, report.comment) == ("craving", "unclear", comment)
    assert Entry.objects.get(slug="craving").helpful_no == 1


def test_no_with_a_reason_in_place_with_javascript(term, page):
    page.goto(term)
    reasons = page.get_by_role("group", name="What was wrong?")
    expect(reasons).to_be_hidden()
    page.get_by_role("button", name="No").click()
    expect(reasons).to_be_visible()
    expect(reasons).to_be_focused()
    expect(page.locator("#feedback").get_by_role("status")).to_have_text(
        "Thank you for your answer."
    )
    expect(page.get_by_role("button", name="Yes")).to_be_hidden()
    assert Entry.objects.get(slug="craving").helpful_no == 1
    page.get_by_label("Hard to understand").check()
    page.get_by_label("Anything else? (optional, not published)").fill("Too many long words.")
    page.get_by_role("button", name="Send").click()
    expect(page.locator("#feedback").get_by_role("status")).to_have_text(
        "Thank you for telling us. It helps us improve the glossary."
    )
    expect(reasons).to_be_hidden()
    expect(page.get_by_role("heading", name="Was this helpful?")).to_be_focused()
    assert page.url == term  # never left the page
    assert_reported("Too many long words.")


def test_no_with_a_reason_without_javascript(term, browser):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(term)
    page.get_by_role("button", name="No").click()
    page.wait_for_url("**/terms/craving/?feedback=why#feedback")
    expect(page.locator("#feedback").get_by_role("status")).to_have_text(
        "Thank you for your answer."
    )
    page.get_by_label("Hard to understand").check()
    page.get_by_label("Anything else? (optional, not published)").fill("Too many long words.")
    page.get_by_role("button", name="Send").click()
    page.wait_for_url("**/terms/craving/?feedback=thanks#feedback")
    expect(page.locator("#feedback").get_by_role("status")).to_have_text(
        "Thank you for telling us. It helps us improve the glossary."
    )
    expect(page.get_by_role("group", name="What was wrong?")).to_have_count(0)
    assert_reported("Too many long words.")
    context.close()


def test_a_refused_report_falls_back_to_the_page_saying_why(term, page, settings):
    settings.FEEDBACK_REPORTS_PER_HOUR = 0
    page.goto(term)
    page.get_by_role("button", name="No").click()
    page.get_by_label("Missing something").check()
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Thank you: we have received enough reports from you for now"
    )
    assert FeedbackReport.objects.count() == 0


def test_skipping_the_reasons_keeps_the_no_and_saves_no_report(term, page):
    page.goto(term)
    page.get_by_role("button", name="No").click()
    page.get_by_role("button", name="Skip").click()
    expect(page.locator("#feedback").get_by_role("status")).to_have_text(
        "Thank you for telling us. It helps us improve the glossary."
    )
    expect(page.get_by_role("group", name="What was wrong?")).to_be_hidden()
    assert FeedbackReport.objects.count() == 0
    assert Entry.objects.get(slug="craving").helpful_no == 1
