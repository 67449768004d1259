"""Person-first language: stigmatizing words lead to the preferred entry, kindly."""

import pytest

from articles.models import Entry, StigmatizingTerm

NOTE = "Saying “person with a substance use disorder” puts the person first."


@pytest.fixture
def sud(make_entry):
    return make_entry(
        title="Substance Use Disorder",
        slug="substance-use-disorder",
        stigmatizing_terms="Addict\njunkie\nsubstance abuser",
        language_note=NOTE,
    )


def test_searching_a_stigmatizing_word_lands_on_the_preferred_entry(client, sud, make_entry):
    make_entry(title="Addiction Medicine", slug="addiction-medicine")
    html = client.get("/search/?q=addict").content.decode()
    assert "You searched for “addict”. This glossary says" in html and NOTE in html
    first = html.index('id="search-results"')
    assert html.index("/terms/substance-use-disorder/", first) < html.index(
        "/terms/addiction-medicine/", first
    )
    assert "Did you mean" not in html and "Showing results for" not in html
    assert NOTE in client.get("/search/?q=Substance+Abuser").content.decode()


def test_following_a_stigmatizing_word_lands_on_the_entry_with_the_note(client, sud):
    response = client.get("/terms/junkie/")
    assert response.status_code == 302
    assert response["Location"] == "/terms/substance-use-disorder/?said=junkie"
    html = client.get(response["Location"]).content.decode()
    assert "You looked for “junkie”" in html and NOTE in html
    assert client.get("/terms/substance-abuser/")["Location"].endswith("?said=substance+abuser")
    # An unrelated ?said= shows nothing.
    assert NOTE not in client.get("/terms/substance-use-disorder/?said=hello").content.decode()
    assert NOTE not in client.get("/terms/substance-use-disorder/").content.decode()


def test_the_word_index_follows_edits_and_drafts(client, sud):
    assert set(StigmatizingTerm.objects.values_list("term", flat=True)) == {
        "addict", "junkie", "substance abuser"
    }  # fmt: skip
    sud.stigmatizing_terms = "addict"
    sud.save()
    assert client.get("/terms/junkie/").status_code == 404
    sud.status = Entry.Status.DRAFT
    sud.save()
    assert client.get("/terms/addict/").status_code == 404
    assert NOTE not in client.get("/search/?q=addict").content.decode()
