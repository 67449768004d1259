"""The stigma check (articles/content/wording.py): words to avoid in an entry's own text,
in content health, in the admin (the list of words, the form's kept wording, the preview's
marks) and in Markdown files."""

import re

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command

from articles.content import files, quality, wording
from articles.editing import wording_marks
from articles.models import Entry, ExpertQuote, Source, WordToAvoid
from tests.forms import entry_form_data

ADDICT = wording.Word("addict", "person with a substance use disorder; person who uses drugs")
USER = wording.Word("user", "person who uses drugs")
DRUG_USER = wording.Word("drug user", "person who uses drugs")
CLEAN = wording.Word("clean", "in recovery; testing negative (of a test)")
ALCOHOLIC = wording.Word(
    "alcoholic", "person with alcohol use disorder", kept_in=("alcoholics anonymous",)
)
SUBSTANCE_ABUSE = wording.Word(
    "substance abuse", "substance use", kept_in=("substance abuse and mental health services",)
)
BABY = wording.Word("addicted baby", "baby with neonatal opioid withdrawal syndrome")
WORDS = [ADDICT, USER, DRUG_USER, CLEAN, ALCOHOLIC, SUBSTANCE_ABUSE, BABY]


def found(text, words=WORDS, kept=()):
    return [(m.word.word, m.text) for m in wording.matches(text, words, kept)]


# The matcher's rules


def test_a_word_its_plurals_and_possessives_in_any_case():
    text = "An addict, Addicts, an ADDICT's home, the addicts’ homes; addicted babies."
    assert found(text) == [
        ("addict", "addict"), ("addict", "Addicts"), ("addict", "ADDICT"),
        ("addict", "addicts"), ("addicted baby", "addicted babies"),
    ]  # fmt: skip


def test_never_inside_a_longer_word():
    text = "Addiction, addicted; a cleanse, clean-up, user-friendly, unclean, non-alcoholic."
    assert found(text) == []
    # "ex-addict" is still the label.
    assert found("An ex-addict, an Ex-user.") == [("addict", "addict"), ("user", "user")]
    assert found("Users and a user.") == [("user", "Users"), ("user", "user")]


def test_a_phrase_across_spaces_and_line_breaks_and_the_longer_word_first():
    assert found("Substance\n   abuse is") == [("substance abuse", "Substance\n   abuse")]
    # "drug users" is one finding, "drug user", not also "user".
    assert found("Most drug users recover.") == [("drug user", "drug users")]


def test_words_between_quotation_marks_are_quoted_not_flagged():
    for quoted in ("“addict”", '"addict"', "‘addict’", "'addict'", "“the addicts, said he”"):
        assert found(f"The word {quoted} hurts.") == [], quoted
    # Apostrophes are not quotation marks.
    assert found("Don’t call anyone an addict.") == [("addict", "addict")]
    assert found("The addicts’ families and the addict’s friends.") == [
        ("addict", "addicts"), ("addict", "addict"),
    ]  # fmt: skip
    assert found("'Tis said an addict can't.") == [("addict", "addict")]
    assert found("Rock ’n’ roll users") == [("user", "users")]
    # A quotation never runs on past its paragraph, nor stays open.
    assert found("“Unclosed, the addict\n\nand the user.") == [
        ("addict", "addict"), ("user", "user"),
    ]  # fmt: skip
    assert found("We say ‘addicts’ and ‘junkies’ rarely; an addict") == [("addict", "addict")]


def test_a_word_is_fine_inside_the_names_it_is_kept_in():
    text = (
        "Alcoholics Anonymous welcomes alcoholics. The Substance Abuse and Mental Health Services"
    )
    assert found(text) == [("alcoholic", "alcoholics")]
    assert found("Alcoholics\nAnonymous") == []


def test_wording_the_entry_keeps_on_purpose_is_not_flagged():
    text = "Substance abuse, a drug user, and “Discussion of substance abuse” as titled."
    assert found(text, kept=("substance abuse",)) == [("drug user", "drug user")]
    # A kept plural keeps the word; a longer line keeps the words inside it only.
    assert found("Addicts, an addict.", kept=("addicts",)) == []
    title = "discussion of how substance abuse impacts physical health"
    text = "Discussion of how substance abuse impacts physical health; substance abuse."
    assert found(text, kept=(title,)) == [("substance abuse", "substance abuse")]
    # A word inside a longer one kept is not flagged on its own.
    assert found("a drug user", kept=("drug user",)) == []


def test_the_warning_says_where_with_context_and_what_to_say_instead():
    entry = Entry(
        definition="Clean living.",
        tldr="Nothing to see.",
        body="Intro.\n\n## What a *sponsor* is\n\nLong ago and far away, someone once called an "
        "addict by others was told to find one.\n\n## Links\n\nSee [the page]"
        "(https://example.org/addict) and <https://x.org/user>.",
    )
    quotes = [ExpertQuote(text="An addict.", attribution="A user")]
    warnings = [f.warning for f in wording.findings(entry, WORDS, key_points=[], quotes=quotes)]
    assert warnings == [
        "Wording: “clean” in the definition: “Clean living.” — say “in recovery” or "
        "“testing negative” (of a test).",
        "Wording: “user” in the attribution of quote 1: “A user” — say “person who uses drugs”.",
        "Wording: “addict” in the body (“What a sponsor is”): “…away, someone once called an "
        "addict by others was told to find…” — say “person with a substance use disorder” or "
        "“person who uses drugs”.",
    ]


# Content health


@pytest.fixture
def words(db):
    """The seeded words the tests rely on (migration 0028), as it seeds them."""
    for word, alternatives, kept_in in (
        ("addict", "person with a substance use disorder; person who uses drugs", ""),
        ("clean", "in recovery; not using (of a person); testing negative (of a test)", ""),
        ("alcoholic", "person with alcohol use disorder", "Alcoholics Anonymous"),
    ):
        WordToAvoid.objects.get_or_create(
            word=word, defaults={"alternatives": alternatives, "kept_in": kept_in}
        )


def wording_warnings(article):
    return [
        line
        for line in Entry.objects.get(pk=article.pk).content_warnings.splitlines()
        if line.startswith(wording.WARNING)
    ]


def test_content_health_flags_planted_words_and_says_where(words, make_entry):
    article = make_entry(
        definition="A sponsor helps.",
        body="## What a sponsor is\n\nHe was called an addict by his family.\n\n"
        "## Meetings\n\nAlcoholics Anonymous meets weekly; “clean” is their word.",
        key_points=["Support matters.", "Stay clean one day at a time."],
    )
    call_command("refresh_content_health", verbosity=0)
    assert wording_warnings(article) == [
        "Wording: “clean” in key point 2: “Stay clean one day at a time.” — say “in recovery”, "
        "“not using” (of a person) or “testing negative” (of a test).",
        "Wording: “addict” in the body (“What a sponsor is”): “He was called an addict by his "
        "family.” — say “person with a substance use disorder” or “person who uses drugs”.",
    ]
    # The Health column and the filter count them.
    assert quality.warnings(article)[-2:] == wording_warnings(article)


def test_the_check_reads_the_list_once_for_many_entries(words, make_entry, monkeypatch):
    for _ in range(3):
        make_entry(body="## A\n\nAn addict.")
    reads = []
    original = wording.words_to_avoid
    monkeypatch.setattr(wording, "words_to_avoid", lambda: reads.append(1) or original())
    quality.refresh_entries()
    assert len(reads) == 1


@pytest.fixture
def peer_support(db):
    call_command("load_demo_content", verbosity=0)
    return Entry.objects.get(slug="peer-support")


def test_the_demo_entry_that_keeps_its_wording_is_not_flagged_until_unmarked(peer_support):
    assert peer_support.kept_wording == "substance abuse" and peer_support.kept_wording_reason
    assert not [w for w in quality.warnings(peer_support) if w.startswith(wording.WARNING)]
    # Its quote's text ("As alcoholism progresses…") is a quote: never flagged.
    assert "alcoholism" in peer_support.quotes.get().text
    peer_support.kept_wording = peer_support.kept_wording_reason = ""
    assert [w for w in quality.warnings(peer_support) if w.startswith(wording.WARNING)] == [
        "Wording: “substance abuse” in the attribution of quote 1: “Discussion of how "
        "substance abuse impacts physical health” — say “substance use” or “substance use "
        "disorder” (for the condition)."
    ]


# The list of words in the admin


@pytest.fixture
def word_editor(client, editor):
    """An editor of the Editors group, as migration 0029 allows them the list."""
    granted = Group.objects.get(name="Editors").permissions.filter(
        content_type__model="wordtoavoid"
    )
    assert set(granted.values_list("codename", flat=True)) == {
        f"{action}_wordtoavoid" for action in ("add", "change", "delete", "view")
    }
    client.force_login(editor)
    return client


def test_editors_list_search_and_add_words(word_editor, words):
    listing = word_editor.get("/admin/articles/wordtoavoid/").content.decode()
    assert "addict" in listing and "Alcoholics Anonymous" in listing
    found = word_editor.get("/admin/articles/wordtoavoid/?q=alcohol").content.decode()
    assert "Alcoholics Anonymous" in found and ">addict<" not in found
    response = word_editor.post(
        "/admin/articles/wordtoavoid/add/",
        {
            "word": "  Dope   Fiend ",
            "alternatives": "person who uses drugs",
            "why": "",
            "kept_in": "",
        },
    )
    assert response.status_code == 302
    assert WordToAvoid.objects.filter(word="dope fiend").exists()
    again = word_editor.post(
        "/admin/articles/wordtoavoid/add/", {"word": "DOPE FIEND", "alternatives": "x"}
    )
    assert again.status_code == 200 and "already exists" in again.content.decode()


def test_changing_the_list_checks_the_entries_concerned_again(word_editor, make_entry):
    using = make_entry(body="## A\n\nOnce a dope fiend, they said.")
    other = make_entry()
    quality.refresh_entries()
    assert wording_warnings(using) == []
    # Only the entry using the word is concerned.
    assert quality.Changes(words={"dope fiend"}).concerned() == {using.pk}
    word_editor.post(
        "/admin/articles/wordtoavoid/add/",
        {"word": "dope fiend", "alternatives": "person who uses drugs"},
    )
    assert wording_warnings(using) == [
        "Wording: “dope fiend” in the body (“A”): “Once a dope fiend, they said.” — say "
        "“person who uses drugs”."
    ]
    word = WordToAvoid.objects.get(word="dope fiend")
    url = f"/admin/articles/wordtoavoid/{word.pk}/change/"
    word_editor.post(url, {"word": "dope fiend", "alternatives": "person who uses drugs; "
                           "person with a substance use disorder", "kept_in": ""})  # fmt: skip
    assert wording_warnings(using)[0].endswith(
        "say “person who uses drugs” or “person with a substance use disorder”."
    )
    # Renamed: the old word's warning goes (found by what the entry was warned about).
    word_editor.post(url, {"word": "fiend", "alternatives": "person who uses drugs"})
    assert [w[:20] for w in wording_warnings(using)] == ["Wording: “fiend” in "]
    word_editor.post(f"/admin/articles/wordtoavoid/{word.pk}/delete/", {"post": "yes"})
    assert not WordToAvoid.objects.filter(pk=word.pk).exists()
    assert wording_warnings(using) == [] and wording_warnings(other) == []


# The entry form


def test_the_form_refuses_kept_wording_without_a_reason_on_the_field(word_editor, make_entry):
    article = make_entry()
    url = f"/admin/articles/entry/{article.pk}/change/"
    response = word_editor.post(url, entry_form_data(article, kept_wording="substance abuse"))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["kept_wording_reason"] == [
        "Say why the wording is kept on purpose, e.g. “verbatim quote”."
    ]
    assert "kept_wording" in response.content.decode()
    assert Entry.objects.get(pk=article.pk).kept_wording == ""
    reason = {"kept_wording": "substance abuse", "kept_wording_reason": "A title, verbatim."}
    response = word_editor.post(url, entry_form_data(article, **reason))
    assert response.status_code == 302
    saved = Entry.objects.get(pk=article.pk)
    assert (saved.kept_wording, saved.kept_wording_reason) == ("substance abuse", reason[
        "kept_wording_reason"])  # fmt: skip


# The preview's marks

MARK = '<mark class="wording-flag" title="Say instead: {}">{}</mark>'
SAY_ADDICT = "“person with a substance use disorder” or “person who uses drugs”"


def test_the_preview_marks_a_planted_word_and_not_a_quoted_one(word_editor, words, make_entry):
    article = make_entry(title="Sponsor", slug="sponsor")
    data = entry_form_data(
        article,
        definition="A sponsor is no addict &amp; no <b>“addict”</b>.",
        tldr="Addicts: no such word.",
        body="## Who\n\nCalled an addict by *some*; “addict” is their word.\n\n"
        "Links: [an addict](https://example.org/addict).",
        **{
            "key_points-TOTAL_FORMS": "2", "key_points-0-text": "Once an addict, they said.",
            "key_points-1-text": "Say “addict” no more.",
            "quotes-TOTAL_FORMS": "1", "quotes-0-text": "I was an addict.",
            "quotes-0-kind": "lived", "quotes-0-attribution": "Former addict",
            "sources-TOTAL_FORMS": "1", "sources-0-title": "Addict study",
            "sources-0-publisher": "Clean Press",
        },
    )  # fmt: skip
    url = f"/admin/articles/entry/{article.pk}/form-preview/"
    html = word_editor.post(url, data).content.decode()
    mark = MARK.format(SAY_ADDICT, "addict")
    # The definition, the attribution, a key point, the body twice (a link's text too).
    assert html.count(mark) == 5
    assert html.count(MARK.format(SAY_ADDICT, "Addicts")) == 1  # the TL;DR
    assert f"Once an {mark}, they said." in html and "Say “addict” no more." in html
    # The definition is plain text: what the editor typed stays escaped.
    assert f"A sponsor is no {mark} &amp;amp; no &lt;b&gt;“addict”&lt;/b&gt;." in html
    assert f"Called an {mark} by" in html and '<a href="https://example.org/addict"' in html
    assert f">an {mark}</a>" in html and f"— Former {mark}" in html
    assert "“I was an addict.”" in html  # the quote itself
    assert "Addict study" in html and "Clean Press" in html  # the sources are not looked at
    assert "css/admin-preview.css" in html  # the marks' style
    # Kept on purpose (as the form says): not marked.
    kept = word_editor.post(url, data | {"kept_wording": "addict"}).content.decode()
    assert "wording-flag" not in kept
    # Never on the public page.
    article.body = "## Who\n\nCalled an addict."
    article.save()
    assert "wording-flag" not in word_editor.get(article.get_absolute_url()).content.decode()
    saved_preview = word_editor.get(f"/admin/articles/entry/{article.pk}/preview/")
    assert "wording-flag" not in saved_preview.content.decode()


def test_marks_leave_tags_attributes_and_entities_as_they_were():
    page = (
        '<article><p class="term__definition">An <a href="/terms/addict/" title="addict">'
        "addict</a> &lt;addict&gt; &quot;addict&quot; substance <em>abuse</em></p>"
        '<section class="sources"><p>Substance Abuse and addict</p></section>'
        "<figure><blockquote><p>“an addict”</p></blockquote><figcaption>— An addict "
        '<span class="quote__kind">(Addict)</span></figcaption></figure></article>'
    )
    marked = wording_marks.marked(page, [ADDICT, SUBSTANCE_ABUSE])
    # Without the marks, the page is exactly as it was.
    assert re.sub(r"<mark [^>]*>|</mark>", "", marked) == page
    flags = re.findall(r"<mark [^>]*>(.*?)</mark>", marked)
    assert flags == ["addict", "addict", "substance ", "abuse", "addict"]
    assert 'href="/terms/addict/" title="addict">' in marked
    assert "&quot;addict&quot;" in marked and "<p>Substance Abuse and addict</p>" in marked
    assert '<span class="quote__kind">(Addict)</span>' in marked


# Markdown files


def test_kept_wording_goes_out_and_comes_back_in_files(words, make_entry, tmp_path):
    make_entry(
        slug="peer", title="Peer", kept_wording="substance abuse",
        kept_wording_reason="A page title, verbatim.",
    )  # fmt: skip
    call_command("export_content", str(tmp_path), verbosity=0)
    text = (tmp_path / "peer.md").read_text()
    assert "kept_wording:\n- substance abuse\nkept_wording_reason: A page title, verbatim.\n" in (
        text
    )
    Entry.objects.filter(slug="peer").delete()
    call_command("import_content", str(tmp_path), verbosity=0)
    peer = Entry.objects.get(slug="peer")
    assert (peer.kept_wording, peer.kept_wording_reason) == (
        "substance abuse", "A page title, verbatim.",
    )  # fmt: skip


def test_an_import_with_kept_wording_and_no_reason_is_a_clear_error(words, make_entry, tmp_path):
    make_entry(slug="peer", title="Peer")
    call_command("export_content", str(tmp_path), verbosity=0)
    path = tmp_path / "peer.md"
    text = path.read_text().replace("kept_wording: []", "kept_wording:\n- substance abuse")
    path.write_text(text)
    with pytest.raises(files.ContentError) as refused:
        files.plan(tmp_path)
    line = text.splitlines().index("kept_wording_reason: ''") + 1
    assert refused.value.problems == [
        f"{path}:{line}: “kept_wording_reason” is required with “kept_wording”: say why it is kept"
    ]
    with pytest.raises(CommandError):
        call_command("import_content", str(tmp_path), verbosity=0)
    assert Entry.objects.get(slug="peer").kept_wording == ""


def test_sources_never_count_as_the_entrys_wording(words, make_entry):
    article = make_entry(body="## A\n\nText.")
    Source.objects.create(article=article, title="Addict study", publisher="Clean Press")
    assert wording.findings(Entry.objects.get(pk=article.pk)) == []


# In a browser


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_preview_marks_words_as_the_editor_types(live_server, chief_page):
    from playwright.sync_api import expect

    WordToAvoid.objects.get_or_create(
        word="addict", defaults={"alternatives": "person with a substance use disorder"}
    )
    page = chief_page
    page.goto(live_server.url + "/admin/articles/entry/add/")
    page.locator("#id_body").press_sequentially("## Words\n\nAn addict, a “addict”.", delay=5)
    marks = page.frame_locator("iframe.entry-editor__frame").locator("mark.wording-flag")
    expect(marks).to_have_count(1)
    expect(marks).to_have_text("addict")
    expect(marks).to_have_attribute("title", re.compile(r"^Say instead: “person with a"))
    page.locator("#id_kept_wording").fill("addict")
    expect(marks).to_have_count(0)


def test_a_long_body_full_of_words_is_checked_quickly_and_summed_up(words, make_entry):
    """An imported body can be long (the check is linear in it). Quoted words, here the
    single-quoted one, never count; the warnings list the first uses one by one, then how
    many more (the preview marks them all)."""
    body = "## Part\n\n" + "An addict said 'it's clean' and “addict” again. " * 4000
    article = make_entry(body=body)
    found = quality.warnings(Entry.objects.get(pk=article.pk))
    wording_lines = [line for line in found if line.startswith(wording.WARNING)]
    assert len(wording_lines) == quality.MAX_WORDING + 1
    assert wording_lines[-1] == f"{wording.WARNING}3,980 more uses of words to avoid."
