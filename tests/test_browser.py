"""The site in a real browser (headless Chromium): what readers do with mouse and keys."""

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def site(live_server):
    call_command("load_demo_content", verbosity=0)
    return live_server.url


def test_typing_arrowing_to_a_suggestion_and_enter_opens_the_term(site, page):
    page.goto(site + "/")
    box = page.get_by_role("combobox", name="Search the glossary")
    box.press_sequentially("withdr", delay=40)
    first = page.get_by_role("option").first
    expect(first).to_contain_text("Withdrawal")
    expect(box).to_have_attribute("aria-expanded", "true")
    box.press("ArrowDown")
    expect(box).to_have_attribute("aria-activedescendant", "home-search-suggestions-0")
    expect(first).to_have_attribute("aria-selected", "true")
    box.press("Enter")
    page.wait_for_url("**/terms/withdrawal/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Withdrawal")


def test_escape_closes_the_suggestions(site, page):
    page.goto(site + "/terms/")
    box = page.locator("#site-search")
    box.press_sequentially("narc", delay=40)
    expect(page.get_by_role("option", name="Naloxone also called Narcan")).to_be_visible()
    box.press("Escape")
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(page.get_by_role("listbox")).to_be_hidden()


def test_search_form_works_without_javascript(site, browser):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(site + "/")
    page.fill("#home-search", "narcan")
    page.press("#home-search", "Enter")
    page.wait_for_url("**/search/?q=narcan")
    expect(page.locator("#search-results li").first).to_contain_text("Naloxone")
    context.close()


def test_term_page_shows_icons_and_check_marks(site, page):
    page.goto(site + "/terms/peer-support/")
    for heading in (".tldr h2", ".insights h2"):  # drawn, not emoji: no emoji font needed
        icon = page.locator(f"{heading} .icon")
        expect(icon).to_be_visible()
        expect(icon).to_have_attribute("aria-hidden", "true")
    expect(page.locator(".checklist li").first).to_contain_text("✓")
    expect(page.locator(".term__footer")).to_contain_text("views")


def test_copying_a_citation(site, browser):
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.goto(site + "/terms/peer-support/")
    page.get_by_role("button", name="Copy MLA citation").click()
    expect(page.locator(".cite__status")).to_have_text("MLA citation copied.")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert (
        copied.startswith("“Peer Support.” Recovery Glossary, ")
        and "/terms/peer-support/" in copied
    )
    context.close()


def test_citations_without_javascript_are_text_to_select(site, browser):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(site + "/terms/peer-support/")
    expect(page.locator("#cite-apa")).to_contain_text("Retrieved")
    expect(page.get_by_role("button", name="Copy APA citation")).to_be_hidden()
    context.close()


def test_answering_was_this_helpful_counts_once(site, browser):
    """The form has no token: the browser's own Fetch Metadata says it comes from the site."""
    from articles.models import Entry

    for javascript in (True, False):
        context = browser.new_context(java_script_enabled=javascript)
        page = context.new_page()
        page.goto(site + "/terms/relapse/")
        page.get_by_role("button", name="Yes").click()
        page.wait_for_url("**/terms/relapse/?feedback=thanks#feedback")
        expect(page.locator("#feedback [role=status]")).to_contain_text("Thank you for telling us")
        page.goto(site + "/terms/relapse/")  # answered: the form is gone for this reader
        expect(page.get_by_role("button", name="Yes")).to_have_count(0)
        context.close()
    # The second reader came from the same address on the same day: one answer counted.
    assert Entry.objects.get(slug="relapse").helpful_yes == 1


def test_admin_body_preview_updates_as_the_editor_types(live_server, chief_page):
    page = chief_page
    page.goto(live_server.url + "/admin/articles/entry/add/")
    body = page.locator("#id_body")
    body.press_sequentially("## Coping\n\nBreathe **slowly**", delay=10)
    preview = page.frame_locator("iframe.entry-editor__frame").locator(".term__body")
    expect(preview.locator("h2")).to_have_text("Coping")
    expect(preview.locator("strong")).to_have_text("slowly")
    body.press_sequentially(" <script>alert(1)</script> and *rest*", delay=5)
    expect(preview.locator("em")).to_have_text("rest")
    assert preview.locator("script").count() == 0
