"""Search result excerpts as a reader sees them: one block of the entry at a time (a
heading never runs into its paragraph, list items never into each other), no stray space
left where markup was, and a start at the beginning of a sentence where one is near."""

import html
import importlib
import re
from html.parser import HTMLParser
from types import SimpleNamespace

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from articles.models import SearchDocument
from articles.search import search
from articles.search.blocks import body_text
from articles.search.engines import current_engine
from articles.search.excerpts import SIZE, excerpt, lead

SEPARATOR = " … "
BLOCK_TAGS = {"p", "h2", "h3", "h4", "li", "dt", "dd", "blockquote", "pre", "tr", "br", "hr"}


class _Blocks(HTMLParser):
    """The text of each block of an entry's body as a browser lays it out (table cells
    joined by " · ", lines of code apart)."""

    def __init__(self):
        super().__init__()
        self.blocks, self.current, self.in_pre, self.cells = [], [], False, 0

    def _close(self):
        text = " ".join("".join(self.current).split())
        if text:
            self.blocks.append(text)
        self.current = []

    def handle_starttag(self, tag, attrs):
        if tag in ("td", "th"):
            self.cells += 1
            if self.cells > 1:
                self.current.append(" · ")
        elif tag in BLOCK_TAGS or tag in ("ul", "ol", "table"):
            self._close()
            self.cells = 0
            self.in_pre = self.in_pre or tag == "pre"

    def handle_endtag(self, tag):
        if tag in BLOCK_TAGS or tag in ("ul", "ol", "table"):
            self._close()
            self.in_pre = self.in_pre and tag != "pre"

    def handle_data(self, data):
        if self.in_pre:
            *lines, last = data.split("\n")
            for line in lines:
                self.current.append(line)
                self._close()
            self.current.append(last)
        else:
            self.current.append(data)


def reader_blocks(article):
    parser = _Blocks()
    parser.feed(article.body_html)
    parser._close()
    summary = [" ".join(article.definition.split()), " ".join(article.tldr.split())]
    return [block for block in summary if block] + parser.blocks


def seen(fragment):
    """HTML as a reader reads it: tags gone, entities shown, runs of spaces one space."""
    return " ".join(html.unescape(re.sub(r"<[^>]*>", "", fragment)).split())


def result_excerpts(client, query):
    """{title: excerpt HTML} of the first page of results."""
    page = client.get("/search/", {"q": query}).content.decode()
    pairs = re.findall(
        r'<h2><a href="[^"]+">(.*?)</a></h2>.*?<p class="excerpt">(.*?)</p>', page, re.S
    )
    return {html.unescape(title): fragment for title, fragment in pairs}


def check_reads_well(shown, article):
    """What holds for every excerpt: each stretch between separators is part of one block,
    no space before punctuation (where markup was removed), no more than SIZE words."""
    assert "\n" not in shown
    assert not re.search(r"\s[,.;:!?)\]]|[(\[]\s", shown), shown
    assert len(re.findall(r"\w+", shown)) <= SIZE, shown
    blocks = reader_blocks(article)
    for stretch in shown.removeprefix("…").removesuffix("…").split(SEPARATOR):
        assert any(stretch in block for block in blocks), (stretch, blocks)


# (body Markdown, query, what the reader sees, marked words)
SHAPES = [
    pytest.param(
        "## What AA is\n\nAA began in 1935 in Akron, Ohio, when two men with drinking problems "
        "found they could stay sober by helping each other.",
        "akron",
        "AA began in 1935 in Akron, Ohio, when two men with drinking problems found they could "
        "stay sober by helping each other.",
        ["Akron"],
        id="paragraph-under-a-heading",
    ),
    pytest.param(
        "## What AA is\n\nIt began in 1935 in Akron, Ohio, when two men with drinking problems "
        "found they could stay sober by helping each other. Their approach was written down.",
        "aa",
        "What AA is … It began in 1935 in Akron, Ohio, when two men with drinking problems "
        "found they could stay sober by helping each other. Their approach was…",
        ["AA"],
        id="heading-followed-by-its-paragraph",
    ),
    pytest.param(
        "A few things set AA apart:\n\n- **It is free.** There are no dues or fees. Groups "
        "cover their own costs through small, voluntary donations.\n- **It is run by "
        "members.** There are no professional leaders.\n- **It is anonymous.**",
        "dues",
        "It is free. There are no dues or fees. Groups cover their own costs through small, "
        "voluntary donations.",
        ["dues"],
        id="list-item-with-bold-lead-in",
    ),
    pytest.param(
        "Like AA, NA is:\n\n- *free*, paid for by small voluntary donations from members\n"
        "- run by members, not professionals\n- open to anyone with a desire to stop using",
        "paid",
        "free, paid for by small voluntary donations from members … run by members, not "
        "professionals",
        ["paid"],
        id="short-list-items-kept-apart",
    ),
    pytest.param(
        "If someone will not wake up:\n\n1. Call emergency services.\n2. Give naloxone if you "
        "have it.\n3. Stay until help arrives.",
        "naloxone",
        "Give naloxone if you have it. … Stay until help arrives.",
        ["naloxone"],
        id="ordered-list",
    ),
    pytest.param(
        "Common opioids:\n\n- Heroin\n- Prescription painkillers\n    - oxycodone\n"
        "    - fentanyl patches, lozenges and nasal sprays\n- Methadone",
        "fentanyl",
        "fentanyl patches, lozenges and nasal sprays … Methadone",
        ["fentanyl"],
        id="nested-list",
    ),
    pytest.param(
        "| Medicine | What it does |\n|---|---|\n| Naloxone | Reverses an overdose |\n"
        "| Naltrexone | Blocks the effects of opioids and lowers cravings |",
        "cravings",
        "Naltrexone · Blocks the effects of opioids and lowers cravings",
        ["cravings"],
        id="table-row",
    ),
    pytest.param(
        "> Recovery is possible, and it is common.\n\nMost people who get help for a "
        "substance use problem get better over time.",
        "possible",
        "Recovery is possible, and it is common. … Most people who get help for a substance "
        "use problem get better over time.",
        ["possible"],
        id="blockquote",
    ),
    pytest.param(
        "Write the plan down:\n\n```\nmorning: call my sponsor\nevening: go to a meeting\n```",
        "sponsor",
        "morning: call my sponsor … evening: go to a meeting",
        ["sponsor"],
        id="lines-of-code",
    ),
    pytest.param(
        "Open every day from nine to five.  \nCall the helpline after hours.",
        "helpline",
        "Call the helpline after hours.",
        ["helpline"],
        id="hard-line-break",
    ),
    pytest.param(
        "See [the guide](https://example.org/guide), then `naloxone`; ask a *pharmacist* "
        '(free) for **training**. Fish &amp; chips: <abbr title="a > b">AB</abbr>!',
        "pharmacist",
        "See the guide, then naloxone; ask a pharmacist (free) for training. Fish & chips: AB!",
        ["pharmacist"],
        id="inline-markup-leaves-no-space",
    ),
    pytest.param(
        "Withdrawal is hard. It can last a week or more and can bring on sweating, shaking, "
        "sleeplessness, low mood and strong cravings for the drug that was stopped. A "
        "doctor can help with each of these.",
        "cravings",
        "It can last a week or more and can bring on sweating, shaking, sleeplessness, low "
        "mood and strong cravings for the drug that was stopped. A doctor can…",
        ["cravings"],
        id="starts-at-the-sentence-of-the-match",
    ),
    pytest.param(
        "Some history first. Naloxone was approved in 1971. " + "It is widely used. " * 8,
        "approved",
        "Naloxone was approved in 1971. It is widely used. It is widely used. It is widely "
        "used. It is widely used. It is widely used. It is widely…",
        ["approved"],
        id="match-early-in-a-later-sentence",
    ),
    pytest.param(
        "Intro. " + "a word and another " * 10 + "the naloxone kit " + "then more words " * 10,
        "naloxone",
        "…and another the naloxone kit then more words then more words then more words then "
        "more words then more words then more words then more words then more…",
        ["naloxone"],
        id="no-sentence-start-nearby",
    ),
    pytest.param(
        "Pack a kit before you go out for the night. Put in what you may need, e.g. naloxone, "
        "gloves and a face mask, and tell a friend where it is kept, so that they can find it "
        "quickly if you ever need it in a hurry.",
        "naloxone",
        "Put in what you may need, e.g. naloxone, gloves and a face mask, and tell a friend "
        "where it is kept, so that they can find it…",
        ["naloxone"],
        id="abbreviation-is-not-a-sentence-end",
    ),
    pytest.param(
        "“Naloxone saved my life,” she said. Others agree.\n\n## Naloxone\n\nMore text.",
        "naloxone",
        "“Naloxone saved my life,” she said. Others agree. … Naloxone … More text.",
        ["Naloxone", "Naloxone"],
        id="opening-quote-kept",
    ),
    pytest.param(
        "## Café culture\n\n## Naïve questions\n\nThere are no naïve questions here.",
        "naive",
        "Naïve questions … There are no naïve questions here.",
        ["Naïve", "naïve"],
        id="headings-in-a-row",
    ),
]


@pytest.mark.parametrize(("body", "query", "expected", "marked"), SHAPES)
def test_result_excerpts_read_as_the_entry_does(db, client, make_entry, body, query, expected,
                                                marked):  # fmt: skip
    article = make_entry(
        title="Zebrafinch", slug="zebrafinch", definition="A bird.", tldr="Small.", body=body
    )
    fragment = result_excerpts(client, query)["Zebrafinch"]
    shown = seen(fragment)
    assert shown == expected
    assert re.findall(r"<mark>(.*?)</mark>", fragment) == marked
    check_reads_well(shown, article)


def test_definition_and_tldr_are_two_blocks(db, client, make_entry):
    article = make_entry(
        title="Zebrafinch",
        slug="zebrafinch",
        definition="A medicine that reverses an opioid overdose.",
        tldr="Carry it with you; it is safe and easy to use, even without training.",
        body="A body that says nothing of that.",
    )
    shown = seen(result_excerpts(client, "medicine")["Zebrafinch"])
    assert shown == (
        "A medicine that reverses an opioid overdose. … Carry it with you; it is safe and easy "
        "to use, even without training."
    )
    check_reads_well(shown, article)
    # Found by its title alone: the opening of the definition and TL;DR, just as apart.
    shown = seen(result_excerpts(client, "zebrafinch")["Zebrafinch"])
    assert shown.startswith("A medicine that reverses an opioid overdose. … Carry it")
    check_reads_well(shown, article)


def test_long_definitions_are_cut_not_joined(db, client, make_entry):
    definition = " ".join(["Words about a medicine"] * 10) + "."
    article = make_entry(
        title="Zebrafinch", slug="zebrafinch", definition=definition, tldr="Short TL;DR."
    )
    shown = seen(result_excerpts(client, "zebrafinch")["Zebrafinch"])
    assert shown.endswith("…") and SEPARATOR not in shown and "TL;DR" not in shown
    check_reads_well(shown, article)


def test_excerpts_and_leads_keep_to_blocks():
    text = "What AA is\nAA began in 1935.\nIt is free.\nIt is run by members."
    assert excerpt(text, ["began"], ("[", "]")) == (
        "AA [began] in 1935. … It is free. … It is run by members."
    )
    assert lead(text) == "What AA is … AA began in 1935. … It is free. … It is run by members."
    assert lead("One two three four five six.\nSeven.", size=3) == "One two three…"
    assert lead("") == "" and lead("—\n…") == "— …"
    # A long block alone fills the excerpt: the blocks after it are not shown.
    long = " ".join(f"w{i}" for i in range(40))
    assert excerpt(f"{long}\nNext block.", ["w5"], ("[", "]"), size=10) == (
        "w0 w1 w2 w3 w4 [w5] w6 w7 w8 w9…"
    )
    # The densest stretch of one block wins over matches spread over blocks.
    text = "relapse a\nrelapse b\nNothing here.\nA relapse, then another relapse."
    assert excerpt(text, ["relapse"], ("[", "]")) == "A [relapse], then another [relapse]."


def test_body_text_is_a_line_per_block():
    body = (
        '<h2 id="x">What <em>AA</em> is</h2>\n<p>It is <strong>free</strong>, and\nopen.</p>'
        "<ul><li>one</li><li>two<ul><li>three</li></ul></li></ul>"
        "<table><tr><th>A</th><th>B</th></tr><tr><td>1</td>\n<td>2</td></tr></table>"
        "<pre><code>line a\n\nline b\n</code></pre><p>x<br>y &amp; z</p>"
    )
    assert body_text(body) == "\n".join(
        ["What AA is", "It is free, and open.", "one", "two", "three", "A · B", "1 · 2",
         "line a", "line b", "x", "y & z"]
    )  # fmt: skip


def test_documents_indexed_before_are_rewritten_by_the_migration(db, make_entry):
    article = make_entry(
        title="Zebrafinch",
        slug="zebrafinch",
        definition="A bird.",
        tldr="Small.",
        body="## Song\n\nThe *free*dom to sing, *loudly*, all day.",
    )
    # As documents were written before: every block run together, a space for each tag.
    old_body = "Song The free dom to sing, loudly , all day."
    SearchDocument.objects.filter(pk=article.pk).update(summary="A bird. Small.", body=old_body)
    current_engine().update_vectors([article.pk])
    assert article.pk not in search("freedom").ids
    migration = importlib.import_module("articles.migrations.0025_search_text_blocks")
    # The models as they were at that migration (Entry was still called Article).
    state = MigrationExecutor(connection).loader.project_state(
        ("articles", "0025_search_text_blocks")
    )
    migration.rewrite_documents(state.apps, SimpleNamespace(connection=connection))
    document = SearchDocument.objects.get(pk=article.pk)
    assert document.summary == "A bird.\nSmall."
    assert document.body == "Song\nThe freedom to sing, loudly, all day."
    assert article.pk in search("freedom").ids  # the index follows the rewritten text
