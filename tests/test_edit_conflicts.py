"""Two editors, one entry: nothing either of them typed is lost (articles/editing/)."""

import re
from html import unescape

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group, User
from django.test import Client
from reversion.models import Version

from articles.models import EditorPresence, Entry, KeyPoint, Source
from tests.forms import entry_form_data


def _editor(username, first_name):
    user = User.objects.create_user(
        username, password="a-long-test-password", is_staff=True, first_name=first_name
    )
    user.groups.add(Group.objects.get(name="Editors"))
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def alice(db):
    return _editor("alice", "Alice")


@pytest.fixture
def bob(db):
    return _editor("bob", "Bob")


@pytest.fixture
def entry(make_entry):
    article = make_entry(
        title="Relapse",
        slug="relapse",
        definition="A return to use after a period of recovery.",
        tldr="Relapse is common and not a failure.",
        key_points=["Relapse is common.", "Warning signs come first.", "Plans help."],
    )
    Source.objects.create(article=article, title="NIDA", order=1)
    return Entry.objects.get(pk=article.pk)


def _url(article):
    return f"/admin/articles/entry/{article.pk}/change/"


def _rows(article, prefix="key_points", changes=None):
    """The entry's key points as the form posts them; `changes` maps a row index to
    {"text": ...} or to "DELETE"."""
    rows = list(article.key_points.all()) if prefix == "key_points" else list(article.sources.all())
    data = {f"{prefix}-TOTAL_FORMS": str(len(rows)), f"{prefix}-INITIAL_FORMS": str(len(rows))}
    for index, row in enumerate(rows):
        start = f"{prefix}-{index}-"
        data[start + "id"] = str(row.pk)
        data[start + "article"] = str(article.pk)
        data[start + "order"] = str(row.order)
        if prefix == "key_points":
            data[start + "text"] = row.text
        else:
            data[start + "title"] = row.title
        change = (changes or {}).get(index)
        if change == "DELETE":
            data[start + "DELETE"] = "on"
        elif change:
            data.update({start + key: value for key, value in change.items()})
    return data


def _form(article, **overrides):
    """The change form as it is now, key points and sources included."""
    return entry_form_data(article, **_rows(article) | _rows(article, "sources") | overrides)


def test_changes_to_different_fields_both_survive(alice, bob, entry):
    form_a, form_b = _form(entry), _form(entry)
    form_a["definition"] = "Returning to substance use after a period of not using."
    assert alice.post(_url(entry), form_a).status_code == 302
    form_b["tldr"] = "Relapse can be part of recovery."
    response = bob.post(_url(entry), form_b, follow=True)
    assert response.status_code == 200
    messages = [str(m) for m in response.context["messages"]]
    assert any("Merged with what Alice saved" in m and "Definition" in m for m in messages)

    entry.refresh_from_db()
    assert entry.definition == "Returning to substance use after a period of not using."
    assert entry.tldr == "Relapse can be part of recovery."
    # The history says what Bob changed, not what he merged in.
    latest = LogEntry.objects.filter(object_id=str(entry.pk)).order_by("-pk").first()
    assert latest.user.username == "bob"
    assert "TL;DR" in latest.get_change_message()
    assert "Definition" not in latest.get_change_message()


def test_same_field_changed_twice_shows_the_conflict_with_both_texts(alice, bob, entry):
    form_a, form_b = _form(entry), _form(entry)
    form_a["definition"] = "Alice's definition."
    assert alice.post(_url(entry), form_a).status_code == 302
    form_b["definition"] = "Bob's definition."
    form_b["tldr"] = "Bob's TL;DR."
    response = bob.post(_url(entry), form_b)

    assert response.status_code == 200  # the form again, nothing saved
    html = response.content.decode()
    assert "Saved by someone else while you were editing" in html
    assert "Changed by Alice at" in html  # next to the field
    panel = html[html.index('class="edit-conflicts"') : html.index("</section>")]
    assert "Alice's definition." in unescape(re.sub(r"<[^>]+>", "", panel))  # their text
    form = response.context["adminform"].form
    assert form["definition"].value() == "Bob's definition."  # his text kept in the form
    assert form["tldr"].value() == "Bob's TL;DR."
    entry.refresh_from_db()
    assert entry.definition == "Alice's definition." and entry.tldr != "Bob's TL;DR."

    # Saving the form that came back keeps what is in it.
    again = {key: form.data.getlist(key) for key in form.data}
    assert bob.post(_url(entry), again).status_code == 302
    entry.refresh_from_db()
    assert entry.definition == "Bob's definition." and entry.tldr == "Bob's TL;DR."


def test_a_key_point_deleted_meanwhile_does_not_block_an_older_form(alice, bob, entry):
    form_a, form_b = _form(entry), _form(entry)
    form_a.update(_rows(entry, changes={1: "DELETE"}))
    assert alice.post(_url(entry), form_a).status_code == 302
    form_b["tldr"] = "Bob's TL;DR."
    response = bob.post(_url(entry), form_b)
    assert response.status_code == 302, response.context["errors"]
    entry.refresh_from_db()
    assert entry.tldr == "Bob's TL;DR."
    assert list(entry.key_points.values_list("text", flat=True)) == [
        "Relapse is common.",
        "Plans help.",
    ]


def test_a_key_point_deleted_while_changed_comes_back_as_a_new_row(alice, bob, entry):
    form_a, form_b = _form(entry), _form(entry)
    form_a.update(_rows(entry, changes={1: "DELETE"}))
    form_b.update(_rows(entry, changes={1: {"text": "Warning signs often come weeks first."}}))
    assert alice.post(_url(entry), form_a).status_code == 302
    response = bob.post(_url(entry), form_b)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Deleted by Alice at" in html
    formset = next(f for f in response.context["inline_admin_formsets"]
                   if f.formset.prefix == "key_points").formset  # fmt: skip
    texts = [form["text"].value() for form in formset.forms]
    assert "Warning signs often come weeks first." in texts
    assert all(form.non_field_errors() or form["text"].value() != texts[-1]
               for form in formset.forms[-1:])  # fmt: skip
    again = {key: response.context["adminform"].form.data.getlist(key)
             for key in response.context["adminform"].form.data}  # fmt: skip
    assert bob.post(_url(entry), again).status_code == 302
    assert sorted(entry.key_points.values_list("text", flat=True)) == [
        "Plans help.",
        "Relapse is common.",
        "Warning signs often come weeks first.",
    ]


def test_rows_changed_on_both_sides_merge_row_by_row(alice, bob, entry):
    form_a, form_b = _form(entry), _form(entry)
    form_a.update(_rows(entry, changes={0: {"text": "Relapse is common in recovery."}}))
    form_a |= {
        "sources-TOTAL_FORMS": "2",
        "sources-1-title": "SAMHSA",
        "sources-1-order": "2",
        "sources-1-article": str(entry.pk),
    }
    form_b.update(_rows(entry, changes={2: {"text": "A relapse plan helps."}}))
    assert alice.post(_url(entry), form_a).status_code == 302
    response = bob.post(_url(entry), form_b)
    assert response.status_code == 302, response.context["errors"]
    assert list(entry.key_points.values_list("text", flat=True)) == [
        "Relapse is common in recovery.",
        "Warning signs come first.",
        "A relapse plan helps.",
    ]
    assert sorted(entry.sources.values_list("title", flat=True)) == ["NIDA", "SAMHSA"]


def test_related_entries_added_by_both_editors_are_all_kept(alice, bob, entry, make_entry):
    craving = make_entry(title="Craving", slug="craving")
    trigger = make_entry(title="Trigger", slug="trigger")
    form_a, form_b = _form(entry), _form(entry)
    form_a["related"] = [str(craving.pk)]
    assert alice.post(_url(entry), form_a).status_code == 302
    form_b["related"] = [str(trigger.pk)]
    assert bob.post(_url(entry), form_b).status_code == 302
    assert set(entry.related.values_list("slug", flat=True)) == {"craving", "trigger"}


def test_a_form_without_its_version_is_not_saved_blindly(alice, entry):
    form = _form(entry, definition="Typed into a form from before the update.")
    del form["edit_base"]
    response = alice.post(_url(entry), form)
    assert response.status_code == 200
    assert "did not say which version" in response.content.decode()
    assert response.context["adminform"].form["definition"].value().startswith("Typed into")
    entry.refresh_from_db()
    assert entry.definition == "A return to use after a period of recovery."
    again = {key: response.context["adminform"].form.data.getlist(key)
             for key in response.context["adminform"].form.data}  # fmt: skip
    assert alice.post(_url(entry), again).status_code == 302
    entry.refresh_from_db()
    assert entry.definition == "Typed into a form from before the update."


def test_a_damaged_row_id_is_shown_on_its_row(alice, entry):
    form = _form(entry)
    form["key_points-0-id"] = "999999"  # a row of no stored version: saved as a new row
    form["key_points-1-article"] = "not-a-number"
    response = alice.post(_url(entry), form)
    assert response.status_code == 200
    formset = next(f for f in response.context["inline_admin_formsets"]
                   if f.formset.prefix == "key_points").formset  # fmt: skip
    assert any(form.non_field_errors() for form in formset.forms)


def test_every_save_counts_a_new_version(entry, make_entry):
    version = entry.version
    entry.tldr = "Changed in the shell."
    entry.save()
    assert entry.version == version + 1  # read back, not an expression
    KeyPoint.objects.create(article=entry, text="Another point.", order=9)
    entry.refresh_from_db()
    assert entry.version == version + 2
    other = make_entry()
    entry.related.add(other)
    other_version = Entry.objects.get(pk=other.pk).version
    entry.refresh_from_db()
    assert entry.version == version + 3 and other_version == other.version + 1


def test_revert_over_a_newer_change_merges_instead_of_overwriting(alice, bob, entry):
    assert alice.post(_url(entry), _form(entry, definition="Version two.")).status_code == 302
    entry.refresh_from_db()
    first = Version.objects.get_for_object(entry).first()  # the newest: "Version two."
    assert alice.post(_url(entry), _form(entry, definition="Version three.")).status_code == 302
    revert_url = f"/admin/articles/entry/{entry.pk}/history/{first.pk}/"
    revert_form = alice.get(revert_url).context["adminform"].form
    data = {key: revert_form[key].value() for key in ("edit_base",)}
    entry.refresh_from_db()
    # Bob saves a new TL;DR while Alice looks at the revert form.
    assert bob.post(_url(entry), _form(entry, tldr="Bob's TL;DR.")).status_code == 302

    post = _form(entry, definition="Version two.") | data
    post["tldr"] = "Relapse is common and not a failure."  # the form as it was opened
    response = alice.post(revert_url, post)
    assert response.status_code == 302, response.context and response.context["errors"]
    entry.refresh_from_db()
    assert entry.definition == "Version two."
    assert entry.tldr == "Bob's TL;DR."  # not reverted over
    latest = Version.objects.get_for_object(entry).first()
    assert "Reverted to the version saved on" in latest.revision.get_comment()


def test_the_form_says_who_else_is_editing(alice, bob, entry):
    alice.get(_url(entry))
    html = bob.get(_url(entry)).content.decode()
    assert "Also editing now:" in html and "Alice (since" in html
    page = EditorPresence.objects.get(user__username="alice").page
    url = f"/admin/articles/entry/{entry.pk}/editors/"
    assert "Bob (since" in alice.post(url, {"page": page}).json()["editors"]
    assert alice.post(url, {"page": page, "leave": "1"}).status_code == 200
    assert bob.post(url, {"page": "x"}).json()["editors"] == ""
    assert alice.get(url).status_code == 405
    assert Client().post(url, {"page": "x"}).status_code == 302  # to the login page


@pytest.mark.parametrize(
    "damage",
    [
        {"edit_base": "not a token"},
        {"key_points-TOTAL_FORMS": "99999999"},
        {"key_points-TOTAL_FORMS": "many"},
        {"key_points-0-id": "abc"},
        {"sources-0-id": ""},
    ],
)
def test_damaged_form_data_gets_a_form_back_never_a_500(alice, entry, damage):
    response = alice.post(_url(entry), _form(entry, tldr="Kept.") | damage)
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert "errornote" in response.content.decode()


def test_another_entrys_form_base_is_not_trusted(alice, entry, make_entry):
    other = make_entry()
    form = _form(entry, tldr="Typed here.")
    form["edit_base"] = entry_form_data(other)["edit_base"]
    response = alice.post(_url(entry), form)
    assert response.status_code == 200 and "did not say which version" in response.content.decode()


def test_text_posted_with_browser_line_ends_is_not_a_change(alice, entry):
    """Browsers post a textarea's lines with CRLF; the history must not call that a change."""
    entry.body = "## One\n\nFirst.\n\n## Two\n\nSecond."
    entry.save()
    form = _form(entry, body=entry.body.replace("\n", "\r\n"), tldr="New TL;DR.")
    assert alice.post(_url(entry), form).status_code == 302
    entry.refresh_from_db()
    assert entry.body == "## One\n\nFirst.\n\n## Two\n\nSecond."
    latest = LogEntry.objects.filter(object_id=str(entry.pk)).order_by("-pk").first()
    assert "Body" not in latest.get_change_message() and "TL;DR" in latest.get_change_message()
