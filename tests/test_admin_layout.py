"""The entry form and list on a laptop's screen (1280×800, 1440×900), signed in as an editor:
nothing scrolls sideways, the body's preview is at least 400 px wide (beside the body, or
behind a Write / Preview switch where there is no room) and shows the entry as readers will
see it, and axe finds nothing serious in our admin templates. Screenshots go to
test-artifacts/."""

import json
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.test import Client
from playwright.sync_api import expect

from articles.models import Entry

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SCREENS = [(1280, 800), (1440, 900)]
ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"
MIN_PREVIEW = 400  # px: about 45 characters of the page's text
FRAME = "iframe.entry-editor__frame"
axe = Axe()
# Markup of Django admin's own, not of our templates or CSS: the autocomplete boxes are the
# select2 library Django ships (its <span role="combobox"> has no name, and its list of
# choices is a <ul> of <li>s and an <input>).
DJANGO_OWN = (".select2-", "#select2-")


@pytest.fixture(autouse=True)
def _editors_group(transactional_db):
    """The Editors group as the migrations make it, before `editor` joins it. (serialized_
    rollback brings it back after a flush only while no browser runs: Playwright's event loop
    in the test thread gives Django another connection object, without the saved copy.)"""
    group, _ = Group.objects.get_or_create(name="Editors")
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="articles", content_type__model__in=(
            "entry", "category", "keypoint", "expertquote", "slugredirect", "removedentry",
            "source",
        ))
    )  # fmt: skip


@pytest.fixture
def site(live_server):
    call_command("load_demo_content", verbosity=0)
    ARTIFACTS.mkdir(exist_ok=True)
    return live_server.url


@pytest.fixture
def relapse(site):
    """A demo entry with key points, quotes, sources, sections and related entries."""
    article = Entry.objects.get(slug="relapse")
    assert article.key_points.exists() and article.quotes.exists() and article.sources.exists()
    return article


def signed_in(browser, site, user, **options):
    client = Client()
    client.force_login(user)
    context = browser.new_context(**options)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": site}])
    return context


def sideways_overflow(page):
    """How far the page, or the list's table inside its box, would scroll sideways."""
    return page.evaluate(
        """() => {
          const page = document.scrollingElement.scrollWidth - innerWidth;
          const box = document.querySelector('#changelist .results');
          return Math.max(page, box ? box.scrollWidth - box.clientWidth : 0);
        }"""
    )


def csp_reports(page):
    found = []
    page.on("console", lambda m: found.append(m.text) if "Content Security Policy" in m.text else 0)
    return found


@pytest.mark.parametrize(("width", "height"), SCREENS)
def test_change_form_fits_with_the_preview_beside_the_body(
    site, browser, editor, relapse, width, height
):
    context = signed_in(browser, site, editor, viewport={"width": width, "height": height})
    page = context.new_page()
    violations = csp_reports(page)
    page.goto(f"{site}/admin/articles/entry/{relapse.pk}/change/")
    preview = page.frame_locator(FRAME)
    expect(preview.locator("h1")).to_have_text("Relapse")
    assert sideways_overflow(page) <= 0
    expect(page.locator(".entry-editor__switch")).to_be_hidden()  # there is room for both
    body = page.locator("#id_body").bounding_box()
    frame = page.locator(FRAME).bounding_box()
    assert body["width"] >= MIN_PREVIEW and frame["width"] >= MIN_PREVIEW
    assert frame["x"] >= body["x"] + body["width"] and abs(frame["y"] - body["y"]) < 50

    page.locator("#id_body").click()
    page.keyboard.press("Control+End")
    page.keyboard.type("\n\n## Your plan\n\n- Try urge surfing\n- Rest", delay=5)
    new_list = preview.locator("#your-plan + ul")
    expect(new_list.locator("li").first).to_have_text("Try urge surfing")
    bullet = new_list.locator("li").first.evaluate("li => getComputedStyle(li).listStyleType")
    assert bullet not in {"none", ""}
    expect(preview.locator(".toc a[href='#your-plan']")).to_have_text("Your plan")
    expect(new_list.locator("a.term-link")).to_have_attribute("href", "/terms/urge-surfing/")
    expect(preview.locator("ol.checklist, ul.checklist").locator("li")).to_have_count(
        relapse.key_points.count()
    )
    expect(preview.locator(".quote")).to_have_count(relapse.quotes.count())
    expect(preview.locator(".sources li")).to_have_count(relapse.sources.count())
    expect(preview.locator(".related__list li")).to_have_count(relapse.related.count())

    assert sideways_overflow(page) <= 0
    page.screenshot(path=ARTIFACTS / f"admin-change-form-{width}.png", full_page=True)
    assert not violations, violations
    context.close()


def test_narrow_form_switches_between_writing_and_a_full_width_preview(
    site, browser, editor, relapse
):
    context = signed_in(browser, site, editor, viewport={"width": 800, "height": 800})
    page = context.new_page()
    page.goto(f"{site}/admin/articles/entry/{relapse.pk}/change/")
    assert sideways_overflow(page) <= 0
    switch = page.get_by_role("group", name="Body: write or preview")
    expect(page.locator(FRAME)).to_be_hidden()
    page.locator("#id_body").fill("## Only this\n\n- one\n- two")
    switch.get_by_role("button", name="Preview").click()
    expect(page.locator("#id_body")).to_be_hidden()
    expect(page.frame_locator(FRAME).locator("#only-this")).to_have_text("Only this")
    assert page.locator(FRAME).bounding_box()["width"] >= MIN_PREVIEW
    page.screenshot(path=ARTIFACTS / "admin-change-form-800-preview.png")
    switch.get_by_role("button", name="Write").click()
    expect(page.locator("#id_body")).to_be_visible()
    expect(page.locator("#id_body")).to_be_focused()
    context.close()


def test_rows_added_and_removed_between_fieldsets_show_in_the_preview(
    site, browser, editor, relapse
):
    context = signed_in(browser, site, editor, viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(f"{site}/admin/articles/entry/{relapse.pk}/change/")
    points = page.frame_locator(FRAME).locator(".checklist li")
    saved = relapse.key_points.count()
    expect(points).to_have_count(saved)
    group = page.locator("#key_points-group")
    # Key points come between the summary and the body, as on the page.
    assert group.bounding_box()["y"] < page.locator("#id_body").bounding_box()["y"]
    group.get_by_role("button", name="Add another Key point").click()  # admin/js/inlines.js
    new_row = group.locator("tr.dynamic-key_points").last
    new_row.locator("input[name$='-text']").fill("Write your plan down.")
    expect(points).to_have_count(saved + 1)
    expect(points.filter(has_text="Write your plan down.")).to_have_count(1)
    new_row.locator(".inline-deletelink").click()
    expect(points).to_have_count(saved)
    context.close()


def test_preview_says_so_when_it_cannot_be_updated(site, browser, editor, relapse):
    context = signed_in(browser, site, editor, viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(f"{site}/admin/articles/entry/{relapse.pk}/change/")
    expect(page.frame_locator(FRAME).locator("h1")).to_have_text("Relapse")
    page.route("**/form-preview/", lambda route: route.fulfill(status=500, body="down"))
    page.locator("#id_title").fill("Relapse, changed")
    expect(page.locator(".entry-editor__status")).to_contain_text(
        "The preview could not be updated: the server answered 500"
    )
    expect(page.frame_locator(FRAME).locator("h1")).to_have_text("Relapse")
    assert page.locator("#id_title").input_value() == "Relapse, changed"
    context.close()


def test_without_javascript_the_preview_opens_in_a_new_tab(site, browser, editor, relapse):
    context = signed_in(
        browser, site, editor, viewport={"width": 1280, "height": 800}, java_script_enabled=False
    )
    page = context.new_page()
    page.goto(f"{site}/admin/articles/entry/{relapse.pk}/change/")
    page.locator("#id_title").fill("Relapse, retitled")
    with context.expect_page() as opened:
        page.get_by_role("button", name="Preview changes in a new tab").click()
    tab = opened.value
    expect(tab.locator("h1")).to_have_text("Relapse, retitled")
    expect(tab.locator(".preview-banner")).to_contain_text("Preview of this form, not saved.")
    assert Entry.objects.get(pk=relapse.pk).title == "Relapse"
    context.close()


@pytest.mark.parametrize(("width", "height"), SCREENS)
def test_changelist_fits_with_every_column_in_view(site, browser, editor, width, height):
    context = signed_in(browser, site, editor, viewport={"width": width, "height": height})
    page = context.new_page()
    page.goto(f"{site}/admin/articles/entry/")
    headers = page.locator("#result_list thead th")
    expect(headers.last).to_contain_text("Updated")
    assert sideways_overflow(page) <= 0
    for header in headers.all():
        box = header.bounding_box()
        assert box["x"] + box["width"] <= width, header.inner_text()
    page.screenshot(path=ARTIFACTS / f"admin-changelist-{width}.png")
    context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_serious_axe_violations_in_the_entry_form_and_list(
    site, browser, editor, relapse, scheme
):
    context = signed_in(
        browser, site, editor, viewport={"width": 1280, "height": 800}, bypass_csp=True,
        color_scheme=scheme,
    )  # fmt: skip
    page = context.new_page()
    problems = {}
    for name, path in {
        "change form": f"/admin/articles/entry/{relapse.pk}/change/",
        "add form": "/admin/articles/entry/add/",
        "list": "/admin/articles/entry/",
    }.items():
        page.goto(site + path)
        if "form" in name:
            expect(page.frame_locator(FRAME).locator("main")).to_be_visible()
            # The preview is a page of its own, checked in its frame.
            frame = page.locator(FRAME).element_handle().content_frame()
            frame.evaluate(axe.axe_script)
            found = frame.evaluate("axe.run(document, {resultTypes: ['violations']})")
            if found["violations"]:
                problems[f"{name}: preview"] = [
                    (v["id"], [n["html"] for n in v["nodes"]]) for v in found["violations"]
                ]
        for violation in axe.run(page).response["violations"]:
            if violation["impact"] not in {"serious", "critical"}:
                continue
            ours = [
                node["target"]
                for node in violation["nodes"]
                if not any(str(part).startswith(DJANGO_OWN) for part in node["target"])
            ]
            if ours:
                problems.setdefault(name, []).append((violation["id"], ours))
    context.close()
    assert not problems, json.dumps(problems, indent=1)
