"""An entry's History and the compare of two of its versions (articles/history/): who saved
what and when, to the second; every changed field, key point, quote and source; restoring
either side; bad addresses answered 404."""

import datetime
import re

import pytest
import reversion
import time_machine
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth.models import Group, User
from django.core import serializers
from django.db.models import F
from django.test import Client
from playwright.sync_api import expect
from reversion.models import Version

from articles.history.diff import diff
from articles.models import Category, Entry
from tests.forms import entry_form_data

ADMIN = "/admin/articles/entry"
axe = Axe()
# Three saves, each at a known second.
SAVED_AT = [
    datetime.datetime(2025, 3, 4, 15, 0, 5, tzinfo=datetime.UTC),
    datetime.datetime(2025, 3, 4, 15, 0, 17, tzinfo=datetime.UTC),
    datetime.datetime(2025, 3, 4, 15, 0, 42, tzinfo=datetime.UTC),
]


@pytest.fixture
def second_editor(db):
    user = User.objects.create_user(
        "sam", password="a-long-test-password", is_staff=True, first_name="Sam", last_name="Lee"
    )
    user.groups.add(Group.objects.get(name="Editors"))
    return user


def save(client, article, **overrides):
    """Post the entry's change form as an editor would, from the entry as it is now."""
    article.refresh_from_db()
    response = client.post(f"{ADMIN}/{article.pk}/change/", entry_form_data(article, **overrides))
    assert response.status_code == 302, response.content.decode()[:2000]


def key_point_row(article, text):
    point = article.key_points.get()
    return {
        "key_points-TOTAL_FORMS": "1",
        "key_points-INITIAL_FORMS": "1",
        "key_points-0-id": str(point.pk),
        "key_points-0-article": str(article.pk),
        "key_points-0-text": text,
        "key_points-0-order": "1",
    }


@pytest.fixture
def three_versions(client, editor, second_editor, make_entry):
    """Version 1 by editor; 2 by Sam Lee (a key point reworded); 3 by editor (the
    definition rewritten, a source added)."""
    article = make_entry(
        title="Craving", slug="craving", definition="The first wording.", key_points=["Urges pass."]
    )
    edits = [
        (editor, {}),
        (second_editor, key_point_row(article, "Urges pass, often within half an hour.")),
        (
            editor,
            {
                "definition": "A strong urge to use, which passes.",
                "sources-TOTAL_FORMS": "1",
                "sources-0-title": "Craving and relapse",
                "sources-0-publisher": "NIDA",
                "sources-0-url": "https://nida.example/craving",
                "sources-0-order": "1",
            },
        ),
    ]
    for moment, (user, overrides) in zip(SAVED_AT, edits, strict=True):
        client.force_login(user)
        with time_machine.travel(moment, tick=False):
            save(client, article, **overrides)
    client.force_login(editor)
    return article, list(Version.objects.get_for_object(article).order_by("pk"))


def compare_url(article, first, second, **params):
    query = "&".join([f"from={first}", f"to={second}", *(f"{k}={v}" for k, v in params.items())])
    return f"{ADMIN}/{article.pk}/history/compare/?{query}"


def text_of(response):
    """The page's text as read: marks within a line dropped, other tags a space apart."""
    html = re.sub(r"</?(?:del|ins|span|time|strong|a)\b[^>]*>", "", response.content.decode())
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


# History


def test_history_lists_each_version_with_its_editor_and_time_to_the_second(
    client, three_versions, settings
):
    settings.TIME_ZONE = "America/New_York"  # times read in the site's zone
    article, _ = three_versions
    response = client.get(f"{ADMIN}/{article.pk}/history/")
    assert response.status_code == 200
    page = text_of(response)
    # Newest first, in the site's time zone, to the second, with the zone.
    assert page.index("4 Mar 2025, 10:00:42 EST") < page.index("4 Mar 2025, 10:00:17 EST")
    assert page.index("4 Mar 2025, 10:00:17 EST") < page.index("4 Mar 2025, 10:00:05 EST")
    assert "Sam Lee (sam)" in page and "editor" in page
    assert "Changed Definition" in page  # the change message
    assert '<time datetime="2025-03-04T10:00:05-0500">' in response.content.decode()


def test_history_offers_two_versions_to_compare_and_each_with_the_previous(client, three_versions):
    article, (v1, v2, v3) = three_versions
    html = client.get(f"{ADMIN}/{article.pk}/history/").content.decode()
    assert f'action="{ADMIN}/{article.pk}/history/compare/"' in html
    # The two latest are picked already; every radio button has a label.
    assert re.search(rf'name="from" value="{v2.pk}"[^>]* checked', html)
    assert re.search(rf'name="to" value="{v3.pk}"[^>]* checked', html)
    assert html.count('type="radio"') == html.count('<label for="') == 6
    assert f"from={v1.pk}&amp;to={v2.pk}" in html and f"from={v2.pk}&amp;to={v3.pk}" in html
    # Restore links for the earlier versions, none for the current one.
    assert f"{ADMIN}/{article.pk}/history/{v1.pk}/" in html
    assert f"{ADMIN}/{article.pk}/history/{v3.pk}/" not in html


def test_long_histories_come_in_pages(client, three_versions, monkeypatch):
    from django.contrib import admin

    monkeypatch.setattr(admin.site._registry[Entry], "history_per_page", 2)
    article, _ = three_versions
    first = text_of(client.get(f"{ADMIN}/{article.pk}/history/"))
    assert "Page 1 of 2" in first and "Older versions" in first
    second = text_of(client.get(f"{ADMIN}/{article.pk}/history/?page=2"))
    assert "Newer versions" in second and "4 Mar 2025, 15:00:05 UTC" in second
    assert "15:00:42" not in second
    assert client.get(f"{ADMIN}/{article.pk}/history/?page=x").status_code == 200


# Compare


def test_compare_shows_changed_definition_key_point_source_and_both_editors(
    client, three_versions, settings
):
    settings.TIME_ZONE = "America/New_York"
    article, (v1, _, v3) = three_versions
    response = client.get(compare_url(article, v1.pk, v3.pk))
    assert response.status_code == 200
    html, page = response.content.decode(), text_of(response)
    assert "The first wording." in page and "A strong urge to use, which passes." in page
    assert "Changed key point:" in page
    assert "Urges pass<ins>, often within half an hour</ins>." in html
    assert "Added source: Craving and relapse" in page
    assert "<ins>NIDA</ins>" in html and "<ins>https://nida.example/craving</ins>" in html
    assert "version 1" in page and "version 3 (current)" in page
    assert "4 Mar 2025, 10:00:05 EST by editor" in page
    assert "4 Mar 2025, 10:00:42 EST by editor" in page
    # Fields left as they were are not listed.
    assert re.findall(r"<h3>([^<]*)</h3>", html)[0] == "Definition"
    assert "<h3>Title</h3>" not in html and "<h3>Published at</h3>" not in html


def test_compare_names_both_editors_and_marks_words(client, three_versions):
    article, (v1, v2, _) = three_versions
    response = client.get(compare_url(article, v2.pk, v1.pk))  # either order
    html, page = response.content.decode(), text_of(response)
    assert "Earlier: version 1" in page and "Later: version 2" in page
    assert "by editor" in page and "by Sam Lee (sam)" in page
    assert "Changed key point: Urges pass, often within half an hour." in page
    assert "Definition" not in re.findall(r"<h3>([^<]*)</h3>", html)


def test_compare_inline_shows_removed_and_added_text_in_one(client, three_versions):
    article, (v1, _, v3) = three_versions
    html = client.get(compare_url(article, v1.pk, v3.pk, view="inline")).content.decode()
    assert re.search(r"<del>[^<]*first wording[^<]*</del><ins>[^<]*strong urge", html)
    assert 'aria-current="page">Inline</a>' in html


def test_restore_links_open_the_revision_form_of_that_version(client, three_versions):
    article, (v1, _, v3) = three_versions
    html = client.get(compare_url(article, v1.pk, v3.pk)).content.decode()
    links = re.findall(r'<a class="button" href="([^"]+)">Restore this version', html)
    assert links == [f"{ADMIN}/{article.pk}/history/{v1.pk}/"]  # the current one has none
    form = client.get(links[0])
    assert form.status_code == 200
    assert "The first wording." in form.content.decode()
    article.refresh_from_db()
    assert article.definition == "A strong urge to use, which passes."  # only a form


@pytest.mark.parametrize(
    "query",
    [
        "",
        "from=1",
        "from=abc&to=def",
        "from=1.5&to=2",
        "from=-1&to=2",
        "from=99999999999999999999999999&to=1",
        "from=" + "9" * 5000 + "&to=1",
    ],
)
def test_compare_answers_404_to_bad_version_ids(client, three_versions, query):
    article, _ = three_versions
    assert client.get(f"{ADMIN}/{article.pk}/history/compare/?{query}").status_code == 404


def test_compare_refuses_versions_of_another_entry_or_another_kind(
    client, three_versions, make_entry, make_category
):
    article, (v1, _, _) = three_versions
    other = make_entry()
    save(client, other)
    other_version = Version.objects.get_for_object(other).get()
    with reversion.create_revision():
        category_version_of = make_category()
    category_version = Version.objects.get_for_object(category_version_of).get()
    # The same object id as the entry's: only its kind tells it apart.
    Version.objects.filter(pk=category_version.pk).update(object_id=str(article.pk))
    for version in (other_version, category_version):
        assert client.get(compare_url(article, v1.pk, version.pk)).status_code == 404
    assert client.get(compare_url(other, v1.pk, other_version.pk)).status_code == 404


@pytest.mark.parametrize("object_id", ["999999", "abc", "1%2F2"])
def test_compare_of_a_missing_entry_is_404(client, three_versions, object_id):
    _, (v1, _, v3) = three_versions
    url = f"{ADMIN}/{object_id}/history/compare/?from={v1.pk}&to={v3.pk}"
    assert client.get(url).status_code == 404


def test_non_staff_are_sent_to_sign_in(three_versions, db):
    article, (v1, _, v3) = three_versions
    reader = Client()
    reader.force_login(User.objects.create_user("reader", password="a-long-test-password"))
    for url in (f"{ADMIN}/{article.pk}/history/", compare_url(article, v1.pk, v3.pk)):
        for client in (Client(), reader):
            response = client.get(url)
            assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_compare_reads_a_bounded_number_of_queries(
    client, editor, make_entry, django_assert_max_num_queries
):
    client.force_login(editor)
    related = [make_entry() for _ in range(8)]
    article = make_entry(key_points=[f"Point {n}." for n in range(12)])
    save(client, article)
    save(client, article, definition="Changed.", related=[entry.pk for entry in related])
    v1, v2 = Version.objects.get_for_object(article).order_by("pk")
    with django_assert_max_num_queries(14):
        response = client.get(compare_url(article, v1.pk, v2.pk))
    html = response.content.decode()
    assert re.findall(r"<h3>([^<]*)</h3>", html) == ["Definition", "Related"]
    added = text_of(response).split("Related", 1)[1]
    assert all(entry.title in added for entry in related)  # related entries by title


def test_statistics_and_derived_values_are_not_compared(client, editor, make_entry):
    client.force_login(editor)
    article = make_entry()
    save(client, article)
    # Every field, as revisions saved before counts were left out of them hold it.
    every_field = serializers.serialize("json", [Entry.objects.get(pk=article.pk)])
    Entry.objects.filter(pk=article.pk).update(view_count=F("view_count") + 40, helpful_yes=3)
    save(client, article)
    v1, v2 = Version.objects.get_for_object(article).order_by("pk")
    assert "view_count" not in v2.field_dict  # revisions keep no counts (test_counters.py)
    Version.objects.filter(pk=v1.pk).update(serialized_data=every_field)
    page = text_of(client.get(compare_url(article, v1.pk, v2.pk)))
    assert "These two versions have the same content." in page
    assert "View count" not in page and "Updated at" not in page


def test_a_bulk_action_shows_only_this_entrys_change(client, editor, make_entry):
    client.force_login(editor)
    first = make_entry(status=Entry.Status.DRAFT, key_points=["First's point."])
    second = make_entry(status=Entry.Status.DRAFT, key_points=["Second's point."])
    save(client, first)
    response = client.post(
        f"{ADMIN}/",
        {"action": "publish", "_selected_action": [first.pk, second.pk]},
    )
    assert response.status_code == 302
    v1, v2 = Version.objects.get_for_object(first).order_by("pk")
    assert v2.revision.version_set.filter(object_id=str(second.pk)).exists()  # one revision
    html = client.get(compare_url(first, v1.pk, v2.pk)).content.decode()
    assert re.findall(r"<h3>([^<]*)</h3>", html) == ["Status"]
    assert "<del>Draft</del>" in html and "<ins>Published</ins>" in html
    assert "Second&#x27;s point." not in html


def test_compared_text_is_escaped(client, editor, make_entry):
    client.force_login(editor)
    article = make_entry(definition="Plain.")
    save(client, article)
    save(client, article, definition='Plain. <script>alert("x")</script>')
    v1, v2 = Version.objects.get_for_object(article).order_by("pk")
    html = client.get(compare_url(article, v1.pk, v2.pk)).content.decode()
    assert "<script>alert" not in html and "&lt;script&gt;alert" in html


def test_a_version_that_can_no_longer_be_read_is_reported_not_a_500(client, three_versions):
    article, (v1, _, v3) = three_versions
    Version.objects.filter(pk=v1.pk).update(serialized_data="not what was saved")
    response = client.get(compare_url(article, v1.pk, v3.pk), follow=True)
    assert response.redirect_chain[-1][0] == f"{ADMIN}/{article.pk}/history/"
    assert "can&#x27;t be compared" in response.content.decode()


def test_categories_compare_too(client, editor):
    client.force_login(editor)
    url = "/admin/articles/category/add/"
    data = {"name": "Harm reduction", "slug": "harm-reduction", "order": "1", "description": ""}
    assert client.post(url, data).status_code == 302
    category = Category.objects.get(slug="harm-reduction")
    change = f"/admin/articles/category/{category.pk}/change/"
    assert client.post(change, data | {"description": "Safer use."}).status_code == 302
    v1, v2 = Version.objects.get_for_object(category).order_by("pk")
    url = f"/admin/articles/category/{category.pk}/history/compare/?from={v1.pk}&to={v2.pk}"
    html = client.get(url).content.decode()
    assert "<h3>Description</h3>" in html and "<ins>Safer use.</ins>" in html


# The differences themselves


def test_diff_marks_changed_words_only():
    result = diff("Urges pass in minutes.", "Urges fade in half an hour.")
    assert result.older == "Urges <del>pass</del> in <del>minutes</del>."
    assert result.newer == "Urges <ins>fade</ins> in <ins>half an hour</ins>."
    assert (
        result.inline
        == "Urges <del>pass</del><ins>fade</ins> in <del>minutes</del><ins>half an hour</ins>."
    )


def test_diff_folds_long_unchanged_runs_and_keeps_lines_near_a_change():
    lines = [f"Line {n}." for n in range(1, 21)]
    changed = [*lines[:10], "Line eleven.", *lines[11:]]
    result = diff("\n".join(lines), "\n".join(changed))
    assert "… 8 unchanged lines …" in result.newer  # lines 1-8
    assert "Line 9.\nLine 10.\nLine <ins>eleven</ins>.\nLine 12.\nLine 13." in result.newer
    assert "… 7 unchanged lines …" in result.newer  # lines 14-20


def test_diff_of_added_and_removed_lines_and_empty_values():
    assert diff("", "New.").newer == "<ins>New.</ins>" and diff("", "New.").older == ""
    result = diff("One.\nTwo.", "One.")
    assert result.older == "One.\n<del>Two.</del>" and result.newer == "One."
    assert diff("Same.", "Same.").inline == "Same."


def test_diff_escapes_and_gives_up_word_matching_on_huge_blocks():
    assert diff("<b>", "<i>").inline == "&lt;<del>b</del><ins>i</ins>&gt;"
    old, new = " ".join(["word"] * 5000), " ".join(["other"] * 5000)
    assert diff(old, new).inline == f"<del>{old}</del><ins>{new}</ins>"


# In a browser

SERIOUS = ("serious", "critical")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_history_and_compare_pass_axe_keep_the_csp_and_work_without_script(
    live_server, browser, make_entry
):
    # (A superuser: transactional tests can't rely on the Editors group migration's rows.)
    client = Client()
    client.force_login(User.objects.create_superuser("chief", password="a-long-password-1"))
    article = make_entry(
        title="Craving", definition="The first wording.", key_points=["Urges pass."]
    )
    save(client, article)
    save(client, article, **key_point_row(article, "Urges pass, often within half an hour."))
    save(client, article, definition="A strong urge, which passes.", body="## Section\n\nNew body.")
    history = f"{live_server.url}{ADMIN}/{article.pk}/history/"
    cookie = {
        "name": "sessionid",
        "value": client.cookies["sessionid"].value,
        "url": live_server.url,
    }

    for scheme in ("light", "dark"):
        context = browser.new_context(viewport={"width": 1280, "height": 800}, color_scheme=scheme)
        context.add_cookies([cookie])
        # Reported by the browser before any script of the page runs.
        context.add_init_script(
            "window.cspViolations = [];"
            "document.addEventListener('securitypolicyviolation',"
            " e => window.cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));"
        )
        page = context.new_page()
        console = []
        page.on("console", lambda message, seen=console: seen.append(message.text))
        page.goto(history)
        pages = [page.url]
        page.get_by_role("link", name="Compare with previous (versions 2 and 3)").click()
        pages.append(page.url)
        page.get_by_role("link", name="Inline").click()
        pages.append(page.url)
        for url in pages:
            page.goto(url)
            expect(page.locator("#content-main")).to_be_visible()
            results = axe.run(page)
            serious = [v["id"] for v in results.response["violations"] if v["impact"] in SERIOUS]
            assert not serious, (scheme, url, results.generate_report())
            assert page.evaluate("window.cspViolations") == [], url
        assert not [text for text in console if "Content Security Policy" in text], console
        context.close()

    context = browser.new_context(java_script_enabled=False)
    context.add_cookies([cookie])
    page = context.new_page()
    page.goto(history)
    page.check("#from-" + str(Version.objects.get_for_object(article).order_by("pk")[0].pk))
    page.get_by_role("button", name="Compare selected versions").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Compare versions 1 and 3 of “Craving”"
    )
    expect(page.locator("del").first).to_be_visible()
    context.close()
