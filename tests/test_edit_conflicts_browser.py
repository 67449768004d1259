"""Two editors in two browsers on one entry, as it happens on a real day: whatever the
order of their saves, both edits survive or the second editor sees the conflict with
their text intact (articles/editing/)."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth.models import Group, Permission, User
from django.test import Client
from playwright.sync_api import expect

from articles.models import Entry, KeyPoint

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def entry(make_entry):
    return make_entry(
        title="Relapse",
        slug="relapse",
        definition="A return to use after a period of recovery.",
        tldr="Relapse is common and not a failure.",
        key_points=["Relapse is common.", "Warning signs come first.", "Plans help."],
    )


def _sign_in(browser, live_server, username, first_name):
    user = User.objects.create_user(username, is_staff=True, first_name=first_name)
    # (The group's migration rows may be flushed by an earlier transactional test.)
    group, _ = Group.objects.get_or_create(name="Editors")
    group.permissions.add(*Permission.objects.filter(content_type__app_label="articles"))
    user.groups.add(group)
    client = Client()
    client.force_login(user)
    # (bypass_csp: axe's script is injected into the conflict page.)
    context = browser.new_context(viewport={"width": 1280, "height": 800}, bypass_csp=True)
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    return context.new_page()


@pytest.fixture
def editors(browser, live_server, entry):
    alice = _sign_in(browser, live_server, "alice", "Alice")
    bob = _sign_in(browser, live_server, "bob", "Bob")
    url = f"{live_server.url}/admin/articles/entry/{entry.pk}/change/"
    alice.goto(url)
    bob.goto(url)
    yield alice, bob
    alice.context.close()
    bob.context.close()


def _save(page):
    page.locator("input[name=_save]").first.click()
    page.wait_for_load_state()


def _saved(page):
    expect(page.locator(".messagelist .success")).to_contain_text("was changed successfully")


@pytest.mark.parametrize("first", ["alice", "bob"])
def test_different_fields_both_survive_in_either_order(editors, entry, first):
    alice, bob = editors
    expect(bob.locator(".editors-now")).to_contain_text("Alice (since")
    alice.fill("#id_definition", "Returning to use after a time of not using.")
    bob.fill("#id_tldr", "Relapse can be part of recovery.")
    order = (alice, bob) if first == "alice" else (bob, alice)
    _save(order[0])
    _saved(order[0])
    _save(order[1])
    _saved(order[1])
    expect(order[1].locator(".messagelist .info")).to_contain_text("Merged with what")

    entry.refresh_from_db()
    assert entry.definition == "Returning to use after a time of not using."
    assert entry.tldr == "Relapse can be part of recovery."


def test_same_field_shows_the_conflict_with_the_second_editors_text_kept(editors, entry):
    alice, bob = editors
    alice.fill("#id_definition", "Alice's definition.")
    bob.fill("#id_definition", "Bob's definition, typed with care.")
    _save(alice)
    _saved(alice)
    _save(bob)

    panel = bob.locator(".edit-conflicts")
    expect(panel).to_be_visible()
    expect(panel).to_contain_text("Alice's definition.")
    expect(bob.locator("#id_definition")).to_have_value("Bob's definition, typed with care.")
    # The error sits next to the field, not only in the summary.
    field_error = bob.locator(".field-definition .errorlist, .form-row.field-definition .errorlist")
    expect(field_error.first).to_contain_text("Changed by Alice")
    entry.refresh_from_db()
    assert entry.definition == "Alice's definition."
    serious = [
        (violation["id"], node["target"])
        for violation in Axe().run(bob).response["violations"]
        if violation["impact"] in {"serious", "critical"}
        for node in violation["nodes"]
        # Django's own autocomplete boxes (select2), not our templates.
        if not any(str(part).startswith((".select2-", "#select2-")) for part in node["target"])
    ]
    assert not serious

    bob.fill("#id_definition", "Bob's definition, typed with care, and Alice's point.")
    _save(bob)
    _saved(bob)
    entry.refresh_from_db()
    assert entry.definition == "Bob's definition, typed with care, and Alice's point."


@pytest.mark.parametrize("first", ["alice", "bob"])
def test_a_deleted_key_point_never_blocks_the_older_form(editors, entry, first):
    alice, bob = editors
    deleted = KeyPoint.objects.get(article=entry, text="Warning signs come first.")
    row = alice.locator("#key_points-1")
    row.locator("input[name$='-DELETE']").check()
    bob.fill("#id_tldr", "Bob's TL;DR.")
    order = (alice, bob) if first == "alice" else (bob, alice)
    _save(order[0])
    _saved(order[0])
    _save(order[1])
    _saved(order[1])

    entry.refresh_from_db()
    assert entry.tldr == "Bob's TL;DR."
    assert not KeyPoint.objects.filter(pk=deleted.pk).exists()
    assert list(entry.key_points.values_list("text", flat=True)) == [
        "Relapse is common.",
        "Plans help.",
    ]


def test_a_key_point_changed_while_deleted_comes_back_with_the_text_kept(editors, entry):
    alice, bob = editors
    alice.locator("#key_points-1 input[name$='-DELETE']").check()
    bob.fill("#id_key_points-1-text", "Warning signs often come weeks first.")
    _save(alice)
    _saved(alice)
    _save(bob)

    expect(bob.locator(".edit-conflicts")).to_contain_text("Key point")
    error = bob.locator(".inline-group .errorlist").first
    expect(error).to_contain_text("Deleted by Alice")
    texts = bob.locator("input[name^='key_points-'][name$='-text']")
    values = [texts.nth(i).input_value() for i in range(texts.count())]
    assert "Warning signs often come weeks first." in values
    _save(bob)
    _saved(bob)
    assert "Warning signs often come weeks first." in Entry.objects.get(
        pk=entry.pk
    ).key_points.values_list("text", flat=True)


def test_also_editing_now_follows_who_comes_and_goes(browser, live_server, entry, monkeypatch):
    monkeypatch.setattr("articles.editing.admin.HEARTBEAT_SECONDS", 1)
    url = f"{live_server.url}/admin/articles/entry/{entry.pk}/change/"
    alice = _sign_in(browser, live_server, "alice", "Alice")
    alice.goto(url)
    line = alice.locator(".editors-now")
    expect(line).to_be_hidden()
    bob = _sign_in(browser, live_server, "bob", "Bob")
    bob.goto(url)
    expect(bob.locator(".editors-now")).to_contain_text("Alice (since")
    expect(line).to_contain_text("Bob (since")  # on Alice's next heartbeat
    bob.goto(live_server.url + "/admin/")  # Bob leaves the form
    expect(line).to_be_hidden()
    alice.context.close()
    bob.context.close()
