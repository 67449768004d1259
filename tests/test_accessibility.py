"""Accessibility in a real browser: axe-core on every page type, in light and dark, wide and
narrow; keyboard-only use; screenshots of a term page (written to test-artifacts/)."""

from datetime import date
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from articles.models import DailyViews, Entry

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PAGES = {
    "home": "/",
    "index": "/terms/",
    "category": "/categories/community-support/",
    "term": "/terms/relapse/",
    "term-quoting-the-knowledge-base": "/terms/peer-support/",
    "term-review-past-due": "/terms/naloxone/",
    "search": "/search/?q=relapse",
    "help": "/help/",
    "privacy": "/privacy/",
    "not-found": "/terms/no-such-entry/",
    "term-feedback-why": "/terms/peer-support/?feedback=why",  # after a "No": what was wrong
}
ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"
axe = Axe()


@pytest.fixture
def site(live_server):
    call_command("load_demo_content", verbosity=0)
    return live_server.url


@pytest.mark.parametrize(
    ("scheme", "width"), [("light", 1280), ("dark", 1280), ("light", 375), ("dark", 375)]
)
def test_no_axe_violations(site, browser, scheme, width):
    past_due = Entry.objects.get(slug="naloxone")
    past_due.reviewed_at = date(2020, 1, 2)
    past_due.save()
    DailyViews.objects.create(entry=past_due, day=timezone.localdate(), views=3)  # trending on home
    context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme)
    page = context.new_page()
    problems = {}
    for name, path in PAGES.items():
        page.goto(site + path)
        results = axe.run(page, options={"runOnly": ["wcag2a", "wcag2aa", "wcag21aa",
                                                      "wcag22aa", "best-practice"]})  # fmt: skip
        if results.violations_count:
            problems[name] = results.generate_report()
    context.close()
    assert not problems, "\n".join(f"{name}: {report}" for name, report in problems.items())


def test_keyboard_reaches_search_a_suggestion_and_a_preview(site, page):
    page.goto(site + "/terms/relapse/")
    page.keyboard.press("Tab")  # the skip link comes first
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "site-search":
            break
    box = page.locator("#site-search")
    expect(box).to_be_focused()
    box.press_sequentially("narc", delay=30)
    expect(page.get_by_role("option").first).to_be_visible()
    box.press("ArrowDown")
    expect(page.get_by_role("option").first).to_have_attribute("aria-selected", "true")
    box.press("Escape")
    # Tab on to the first cross-link in the entry: its preview opens on focus.
    link = page.locator("a.term-link").first
    for _ in range(80):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('term-link')"):
            break
    expect(link).to_be_focused()
    tooltip = page.get_by_role("tooltip")
    expect(tooltip).to_be_visible()
    expect(link).to_have_attribute("aria-describedby", "term-preview")
    # The open preview stays within the page's landmarks (and passes every other check).
    results = axe.run(page)
    assert not results.violations_count, results.generate_report()
    page.keyboard.press("Escape")
    expect(tooltip).to_have_count(0)


def test_quick_exit_leaves_on_three_shift_presses_but_not_while_typing(site, page):
    exits = []
    page.route("https://www.bbc.com/**", lambda route: (exits.append(route.request.url),
                                                        route.fulfill(body="neutral")))  # fmt: skip
    page.goto(site + "/terms/relapse/")
    page.locator("#site-search").press_sequentially("AA NA", delay=30)
    assert not exits
    for _ in range(3):
        page.keyboard.press("Shift")
    page.wait_for_url("https://www.bbc.com/**")
    assert exits


def test_quick_exit_is_a_plain_link_without_javascript(site, browser):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(site + "/")
    exit_link = page.get_by_role("link", name="Leave this site")
    assert exit_link.get_attribute("href") == settings.QUICK_EXIT_URL
    assert exit_link.get_attribute("rel") == "nofollow noreferrer"
    context.close()


def test_term_page_screenshots(site, browser):
    ARTIFACTS.mkdir(exist_ok=True)
    for scheme in ("light", "dark"):
        for width in (375, 1280):
            context = browser.new_context(
                viewport={"width": width, "height": 1000}, color_scheme=scheme
            )
            page = context.new_page()
            page.goto(site + "/terms/peer-support/")
            path = ARTIFACTS / f"term-{scheme}-{width}.png"
            page.screenshot(path=path, full_page=True)
            assert path.stat().st_size > 10_000
            context.close()
