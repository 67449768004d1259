import re

import pytest
from django.contrib.auth.models import Group

from articles.models import Article
from tests.forms import article_form_data


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


def test_editors_group_manages_content_but_not_accounts(db):
    codenames = set(
        Group.objects.get(name="Editors").permissions.values_list("codename", flat=True)
    )
    for model in ("article", "category", "keypoint", "expertquote"):
        assert {f"add_{model}", f"change_{model}", f"delete_{model}", f"view_{model}"} <= codenames
    assert not any(code.endswith(("_user", "_group", "_permission")) for code in codenames)


def test_editor_cannot_open_user_admin(editor_client):
    assert editor_client.get("/admin/auth/user/").status_code == 403


def test_changelist_loads_with_columns_search_and_filters(editor_client, make_article):
    make_article(title="Naloxone", slug="naloxone", aliases="Narcan")
    make_article(title="Sponsor", slug="sponsor")
    response = editor_client.get("/admin/articles/article/", {"q": "narcan"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Naloxone" in html
    for column in ("column-title", "column-category", "column-status", "column-view_count",
                   "column-updated_at"):  # fmt: skip
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
    return article_form_data(article, **new_rows | overrides)


def test_editor_changes_an_entry_and_the_page_shows_it(editor_client, client, make_article):
    article = make_article(title="Craving", slug="craving", view_count=7)
    url = f"/admin/articles/article/{article.pk}/change/"
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


def test_editor_renames_an_entry_and_the_old_address_redirects(editor_client, client, make_article):
    article = make_article(title="Sober House", slug="sober-house")
    url = f"/admin/articles/article/{article.pk}/change/"
    response = editor_client.post(url, _change_form_data(article, slug="sober-living-house"))
    assert response.status_code == 302
    form = editor_client.get(url).content.decode()
    assert "sober-house" in form  # listed under the entry's old addresses
    editor_client.logout()
    response = client.get("/terms/sober-house/")
    assert response.status_code == 301 and response["Location"] == "/terms/sober-living-house/"


def test_editor_deletes_an_entry_and_its_address_is_gone(editor_client, client, make_article):
    article = make_article(title="Old Term", slug="old-term")
    url = f"/admin/articles/article/{article.pk}/delete/"
    assert editor_client.post(url, {"post": "yes"}).status_code == 302
    assert editor_client.get("/admin/articles/removedarticle/").status_code == 200
    editor_client.logout()
    assert client.get("/terms/old-term/").status_code == 410


def test_duplicate_title_is_refused_with_a_message(editor_client, make_article):
    make_article(title="Relapse", slug="relapse")
    other = make_article(title="Other", slug="other")
    response = editor_client.post(
        f"/admin/articles/article/{other.pk}/change/",
        _change_form_data(other, title="RELAPSE", slug="other"),
    )
    assert response.status_code == 200
    assert "An entry with this title already exists." in response.content.decode()
    assert Article.objects.get(pk=other.pk).title == "Other"


def test_add_form_and_category_admin_load(editor_client, make_category):
    make_category(name="Risks & Safety")
    assert editor_client.get("/admin/articles/article/add/").status_code == 200
    assert editor_client.get("/admin/articles/category/").status_code == 200
    assert editor_client.get("/admin/articles/category/add/").status_code == 200


def test_related_terms_autocomplete_answers(editor_client, make_article):
    make_article(title="Sponsor", slug="sponsor")
    response = editor_client.get(
        "/admin/autocomplete/",
        {"term": "spon", "app_label": "articles", "model_name": "article", "field_name": "related"},
    )
    assert response.status_code == 200
    assert [r["text"] for r in response.json()["results"]] == ["Sponsor"]
