"""The searches' reports, "Add as another name" and the "Needs attention" board in a real
browser at 1280×800: axe finds nothing to fix, and a search that found nothing becomes
another name of an entry with the mouse alone, without JavaScript."""

import datetime

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone
from playwright.sync_api import expect

from articles.models import Entry, SearchDay

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PAGES = {
    "home": "/admin/",
    "top": "/admin/articles/searchday/",
    "no-results": "/admin/articles/searchday/?report=no-results&days=7",
    "not-opened": "/admin/articles/searchday/?report=not-opened&days=90",
    "rising": "/admin/articles/searchday/?report=rising",
    "another-name": "/admin/articles/searchday/another-name/?query=narcan+spray&find=naloxone",
}


@pytest.fixture
def searches(make_entry):
    make_entry(title="Naloxone", aliases="Narcan")
    today = timezone.localdate()
    for days_ago, query, searches, no_results in (
        (0, "narcan spray", 4, 4), (1, "peer support", 6, 0), (2, "xylazine wounds", 3, 0),
        (3, "xylazine test", 2, 0), (20, "peer support", 2, 0),
    ):  # fmt: skip
        day = today - datetime.timedelta(days=days_ago)
        SearchDay.objects.create(day=day, query=query, searches=searches, no_results=no_results)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_pages_pass_axe(live_server, chief_page, searches, scheme):
    chief_page.set_viewport_size({"width": 1280, "height": 800})
    chief_page.emulate_media(color_scheme=scheme)
    problems = {}
    for name, path in PAGES.items():
        chief_page.goto(live_server.url + path)
        found = Axe().run(chief_page).response["violations"]
        if found:
            problems[name] = [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in found]
    assert not problems


def test_a_search_becomes_another_name_without_javascript(live_server, browser, searches):
    from django.contrib.auth.models import User
    from django.test import Client

    client = Client()
    client.force_login(User.objects.create_superuser("chief", password="a-long-password-1"))
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 1280, "height": 800}
    )
    session = client.cookies["sessionid"].value
    context.add_cookies([{"name": "sessionid", "value": session, "url": live_server.url}])
    page = context.new_page()
    page.goto(live_server.url + PAGES["no-results"])
    page.get_by_role("link", name="Add as another name of… (“narcan spray”)").click()
    page.get_by_label("Find the entry by its title or another name").fill("naloxone")
    page.get_by_role("button", name="Find").click()
    page.get_by_label("Naloxone").check()
    page.get_by_role("button", name="Add as another name").click()
    expect(page.get_by_text("Added “narcan spray” as another name of “Naloxone”.")).to_be_visible()
    assert Entry.objects.get(title="Naloxone").alias_list == ["Narcan", "narcan spray"]
    context.close()
