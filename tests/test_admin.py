import datetime
import re

import pytest
import time_machine
from django.contrib.auth.models import Group

from articles.models import Entry
from tests.forms import entry_form_data
from tests.test_security import PRODUCTION_ENV, manage


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


def test_editors_group_manages_content_but_not_accounts(db):
    codenames = set(
        Group.objects.get(name="Editors").permissions.values_list("codename", flat=True)
    )
    for model in ("entry", "category", "keypoint", "expertquote", "source"):
        assert {f"add_{model}", f"change_{model}", f"delete_{model}", f"view_{model}"} <= codenames
    assert not any(code.endswith(("_user", "_group", "_permission")) for code in codenames)


def test_editor_cannot_open_user_admin(editor_client):
    assert editor_client.get("/admin/auth/user/").status_code == 403


def test_changelist_loads_with_columns_search_and_filters(editor_client, make_entry):
    make_entry(title="Naloxone", slug="naloxone", aliases="Narcan")
    make_entry(title="Sponsor", slug="sponsor")
    response = editor_client.get("/admin/articles/entry/", {"q": "narcan"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Naloxone" in html
    for column in ("column-title", "column-category", "column-publication", "column-health",
                   "column-reviewed_at", "column-view_count", "column-updated_at"):  # fmt: skip
        assert column in html
    assert 'data-filter-title="status"' in html and 'data-filter-title="category"' in html


def _change_form_data(article, **overrides):
    """The entry with one new key point and one new quote."""
    new_rows = {
        "key_points-TOTAL_FORMS": "1",
        "key_points-0-text": "A new key point.",
        "key_points-0-order": "1",
        "quotes-TOTAL_FORMS": "1",
        "quotes-0-text": "A new quote.",
        "quotes-0-attribution": "Addiction medicine physician",
        "quotes-0-kind": "clinician",
        "quotes-0-order": "1",
    }
    return entry_form_data(article, **new_rows | overrides)


def test_editor_changes_an_entry_and_the_page_shows_it(editor_client, client, make_entry):
    article = make_entry(title="Craving", slug="craving", view_count=7)
    url = f"/admin/articles/entry/{article.pk}/change/"
    form = editor_client.get(url)
    assert form.status_code == 200
    view_on_site = re.search(r'href="([^"]+)" class="viewsitelink"', form.content.decode())
    assert editor_client.get(view_on_site[1])["Location"].endswith("/terms/craving/")

    response = editor_client.post(
        url, _change_form_data(article, tldr="Cravings pass.", body="## New\n\n**Bold** text.")
    )
    assert response.status_code == 302, response.context["errors"] if response.context else ""

    article.refresh_from_db()
    assert article.view_count == 7  # read-only in the form
    assert article.key_points.get().text == "A new key point."
    editor_client.logout()
    html = client.get("/terms/craving/").content.decode()
    assert "Cravings pass." in html and "<strong>Bold</strong>" in html
    assert "A new key point." in html and "A new quote." in html


def test_editor_renames_an_entry_and_the_old_address_redirects(editor_client, client, make_entry):
    article = make_entry(title="Sober House", slug="sober-house")
    url = f"/admin/articles/entry/{article.pk}/change/"
    response = editor_client.post(url, _change_form_data(article, slug="sober-living-house"))
    assert response.status_code == 302
    form = editor_client.get(url).content.decode()
    assert "sober-house" in form  # listed under the entry's old addresses
    editor_client.logout()
    response = client.get("/terms/sober-house/")
    assert response.status_code == 301 and response["Location"] == "/terms/sober-living-house/"


def test_editor_deletes_an_entry_and_its_address_is_gone(editor_client, client, make_entry):
    article = make_entry(title="Old Term", slug="old-term")
    url = f"/admin/articles/entry/{article.pk}/delete/"
    assert editor_client.post(url, {"post": "yes"}).status_code == 302
    assert editor_client.get("/admin/articles/removedentry/").status_code == 200
    editor_client.logout()
    assert client.get("/terms/old-term/").status_code == 410


def test_duplicate_title_is_refused_with_a_message(editor_client, make_entry):
    make_entry(title="Relapse", slug="relapse")
    other = make_entry(title="Other", slug="other")
    response = editor_client.post(
        f"/admin/articles/entry/{other.pk}/change/",
        _change_form_data(other, title="RELAPSE", slug="other"),
    )
    assert response.status_code == 200
    assert "An entry with this title already exists." in response.content.decode()
    assert Entry.objects.get(pk=other.pk).title == "Other"


def test_add_form_and_category_admin_load(editor_client, make_category):
    make_category(name="Risks & Safety")
    assert editor_client.get("/admin/articles/entry/add/").status_code == 200
    assert editor_client.get("/admin/articles/category/").status_code == 200
    assert editor_client.get("/admin/articles/category/add/").status_code == 200


def test_related_terms_autocomplete_answers(editor_client, make_entry):
    make_entry(title="Sponsor", slug="sponsor")
    response = editor_client.get(
        "/admin/autocomplete/",
        {"term": "spon", "app_label": "articles", "model_name": "entry", "field_name": "related"},
    )
    assert response.status_code == 200
    assert [r["text"] for r in response.json()["results"]] == ["Sponsor"]


# Addresses and titles that mean something else


def _add_form(category, **overrides):
    """The add form as a browser posts it: a new draft entry, no inline rows."""
    data = {
        "title": "New Entry", "slug": "new-entry", "category": category.pk,
        "definition": "A definition.", "tldr": "A summary.", "body": "", "status": "draft",
        "published_at_0": "2030-01-01", "published_at_1": "09:00:00",
    }  # fmt: skip
    for inline in ("key_points", "quotes", "sources", "old_slugs"):
        data |= {f"{inline}-TOTAL_FORMS": "0", f"{inline}-INITIAL_FORMS": "0"}
    return data | overrides


@pytest.fixture
def taken_addresses(editor_client, make_entry):
    """A stigmatizing word, an old address and a deleted entry's address."""
    make_entry(
        title="Person with a substance use disorder", slug="person-with-sud",
        stigmatizing_terms="Addict\nDrug abuser",
    )  # fmt: skip
    renamed = make_entry(title="Sober Living", slug="sober-house")
    renamed.slug = "sober-living"
    renamed.save()
    deleted = make_entry(title="Old Term", slug="old-term")
    editor_client.post(f"/admin/articles/entry/{deleted.pk}/delete/", {"post": "yes"})
    return renamed


SLUGS_TAKEN = [
    ("addict", "/terms/addict/ is a person-first language redirect to “Person with a substance "
               "use disorder” (one of its stigmatizing words); choose another slug."),
    ("drug-abuser", "/terms/drug-abuser/ is a person-first language redirect to “Person with a "
                    "substance use disorder” (one of its stigmatizing words); choose another "
                    "slug."),
    ("sober-house", "/terms/sober-house/ is an old address of “Sober Living” and redirects there; "
                    "choose another slug, or first delete that old address from “Sober Living”."),
    ("old-term", "/terms/old-term/ is the address of the deleted entry “Old Term” (it answers 410 "
                 "Gone); choose another slug, or first delete it under Removed entries."),
    ("person-with-sud", "/terms/person-with-sud/ is the address of “Person with a substance use "
                        "disorder”; choose another slug."),
]  # fmt: skip


def _slug_errors(response):
    html = response.content.decode()
    return re.findall(r'<ul class="errorlist" id="id_slug_error"><li>(.*?)</li>', html)


@pytest.mark.parametrize(("slug", "message"), SLUGS_TAKEN)
def test_a_new_entry_cannot_take_an_address_that_means_something_else(
    editor_client, make_category, taken_addresses, slug, message
):
    data = _add_form(make_category(), slug=slug)
    response = editor_client.post("/admin/articles/entry/add/", data)
    assert response.status_code == 200
    assert _slug_errors(response) == [message]
    assert not Entry.objects.filter(title="New Entry").exists()


def test_a_renamed_entry_cannot_take_one_either(editor_client, make_entry, taken_addresses):
    article = make_entry(title="Craving", slug="craving")
    url = f"/admin/articles/entry/{article.pk}/change/"
    response = editor_client.post(url, entry_form_data(article, slug="addict"))
    assert _slug_errors(response) == [SLUGS_TAKEN[0][1]]
    assert Entry.objects.get(pk=article.pk).slug == "craving"


def test_an_entry_takes_back_its_own_old_address(editor_client, client, taken_addresses):
    renamed = taken_addresses
    url = f"/admin/articles/entry/{renamed.pk}/change/"
    response = editor_client.post(url, entry_form_data(renamed, slug="sober-house"))
    assert response.status_code == 302
    assert client.get("/terms/sober-house/").status_code == 200
    assert client.get("/terms/sober-living/")["Location"] == "/terms/sober-house/"


def test_a_deleted_entry_written_again_under_its_title_gets_its_address_back(
    editor_client, client, make_category, taken_addresses
):
    again = _add_form(make_category(), title="Old Term", slug="old-term", status="published",
                      published_at_0="2020-01-01")  # fmt: skip
    assert editor_client.post("/admin/articles/entry/add/", again).status_code == 302
    assert client.get("/terms/old-term/").status_code == 200


def test_a_duplicate_title_reads_the_same_on_the_add_and_change_forms(
    editor_client, make_entry, make_category
):
    make_entry(title="Relapse", slug="relapse")
    other = make_entry(title="Other", slug="other")
    message = (
        "An entry with this title already exists. “Relapse” is at /terms/relapse/ (titles must "
        "differ, ignoring case); choose another title."
    )
    for url, data in (
        ("/admin/articles/entry/add/", _add_form(make_category(), title="relapse")),
        (f"/admin/articles/entry/{other.pk}/change/", entry_form_data(other, title="RELAPSE")),
    ):
        html = editor_client.post(url, data).content.decode()
        assert re.findall(r'id="id_title_error"><li>(.*?)</li>', html) == [message]
        assert html.count("already exists") == 1  # said once, beside the title


# Time zones


def test_admin_times_name_their_zone_to_the_second(
    editor_client, editor, client, make_entry, settings
):
    settings.TIME_ZONE = "Europe/Berlin"
    summer = datetime.datetime(2030, 7, 1, 12, 0, 0, tzinfo=datetime.UTC)
    with time_machine.travel(summer, tick=False):
        editor_client.force_login(editor)  # a session of that day
        make_entry(title="Public Now", slug="public-now")
        soon = summer + datetime.timedelta(days=3, seconds=7)
        later = make_entry(title="Later", slug="later", published_at=soon)
        listing = editor_client.get("/admin/articles/entry/").content.decode()
        assert "Scheduled: 4 Jul 2030, 14:00:07 CEST" in listing
        assert "1 Jul 2030, 14:00:00 CEST" in listing  # updated, to the second
        form = editor_client.get(f"/admin/articles/entry/{later.pk}/change/").content.decode()
        assert "Times are in Europe/Berlin (CEST, UTC+02:00 now)." in form
        assert "1 Jul 2030, 14:00:00 CEST" in form  # created and updated
        editor_client.post(f"/admin/articles/entry/{later.pk}/delete/", {"post": "yes"})
        # Readers' pages keep their own date formats.
        page = client.get("/terms/public-now/").content.decode()
    assert '<time datetime="2030-07-01T14:00:00+02:00">July 1, 2030</time>' in page
    assert "CEST" not in page


def test_admin_times_say_utc_by_default(editor_client, make_entry):
    later = make_entry(published_at=datetime.datetime(2999, 1, 2, 3, 4, 5, tzinfo=datetime.UTC))
    listing = editor_client.get("/admin/articles/entry/").content.decode()
    assert "Scheduled: 2 Jan 2999, 03:04:05 UTC" in listing
    form = editor_client.get(f"/admin/articles/entry/{later.pk}/change/").content.decode()
    assert "Times are in UTC." in form


def test_an_unknown_time_zone_stops_the_start_naming_the_variable():
    result = manage("check", env=PRODUCTION_ENV | {"DJANGO_TIME_ZONE": "Mars/Olympus"})
    assert result.returncode != 0
    assert "DJANGO_TIME_ZONE must be a time zone name" in result.stderr
    assert "'Mars/Olympus'" in result.stderr
