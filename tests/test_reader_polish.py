"""What readers see of the small things: section icons drawn without an emoji font, and
pages that never scroll sideways on a phone, however long a word or a search is."""

import re
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from articles.models import Category, Entry, ExpertQuote, KeyPoint, Source

LONG_WORD = "Pneumonoultramicroscopicsilicovolcanoconiosis" * 6  # 270 letters
LONG_URL = "https://example.org/" + "a-very-long-path-segment/" * 12 + "?q=" + "x" * 120
# Pictographs that need an emoji font (and some screen readers read aloud). The key
# points' check mark, U+2713, is a text symbol that ordinary fonts draw: not among them.
EMOJI = re.compile("[\U0001f300-\U0001faff\u2600-\u2712\u2714-\u27bf\u2b00-\u2bff]")


def test_section_headings_have_drawn_icons_hidden_from_screen_readers(client, make_entry):
    article = make_entry(quotes=[("Connection helps.", "Peer worker")])
    page = client.get(article.get_absolute_url()).content.decode()
    for heading, name in (("tldr-heading", "TL;DR"), ("insights-heading", "Expert Insights")):
        markup = re.search(rf'<h2 id="{heading}">(.*?)</h2>', page, re.S).group(1)
        # An empty element the stylesheet draws: nothing for a screen reader to announce,
        # no inline style (the Content-Security-Policy allows none), no markup to inject.
        assert re.fullmatch(
            rf'<span class="icon icon--\w+" aria-hidden="true"></span>{name}', markup
        )
    assert not EMOJI.search(page[page.index("<main") :])


def test_no_template_uses_emoji_as_icons():
    for folder in ("templates", "static/css", "static/js"):
        for path in (Path(settings.BASE_DIR) / folder).rglob("*.*"):
            if path.suffix in {".html", ".css", ".js", ".txt", ".xml"}:
                assert not EMOJI.search(path.read_text(encoding="utf-8")), path


# Long words on every reader page type, at phone widths.


@pytest.fixture
def long_site(live_server):
    call_command("load_demo_content", verbosity=0)
    category = Category.objects.create(
        name=LONG_WORD[:100], slug="long-words", description=LONG_WORD[:300], order=99
    )
    article = Entry.objects.create(
        title=LONG_WORD[:200],
        slug="long-words-entry",
        aliases=LONG_WORD[:150],
        category=category,
        definition=f"A {LONG_WORD} definition with {LONG_URL} in it.",
        tldr=f"In short: {LONG_WORD}.",
        body=(
            f"## {LONG_WORD}\n\nA paragraph with {LONG_WORD} and a bare link {LONG_URL} and "
            f"[a link]({LONG_URL}).\n\n- {LONG_WORD}\n- `{LONG_WORD}`\n\n> {LONG_WORD}\n\n"
            f"| Word | Meaning |\n|---|---|\n| {LONG_WORD} | {LONG_URL} |\n\n"
            f"```\n{LONG_WORD}{LONG_WORD}\n```\n"
        ),
        status=Entry.Status.PUBLISHED,
        published_at=timezone.now() - timezone.timedelta(days=1),
        view_count=10**9,  # first among the most viewed, on the home page
    )
    KeyPoint.objects.create(article=article, text=LONG_WORD[:300], order=1)
    ExpertQuote.objects.create(article=article, text=LONG_WORD, attribution=LONG_WORD[:200])
    Source.objects.create(article=article, title=LONG_WORD[:300], url=LONG_URL[:500])
    article.related.add(Entry.objects.get(slug="relapse"))
    Entry.objects.get(slug="relapse").related.add(article)
    return live_server.url


READER_PAGES = [
    "/",
    "/terms/",
    "/terms/long-words-entry/",
    "/terms/relapse/",
    "/categories/long-words/",
    "/search/?q=" + "a" * 10_000,
    "/search/?q=" + quote(LONG_URL, safe=""),
    "/search/?q=" + LONG_WORD[:60],
    "/help/",
    f"/terms/{LONG_WORD.lower()}/",  # not found
]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("width", [320, 375])
def test_long_words_never_widen_the_page(long_site, browser, width):
    context = browser.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    too_wide = {}
    for path in READER_PAGES:
        page.goto(long_site + path)
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        if scroll_width > width:
            too_wide[path[:60]] = scroll_width
    context.close()
    assert not too_wide, f"wider than {width} px: {too_wide}"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_section_icons_are_painted_in_the_text_colours(live_server, browser, scheme):
    call_command("load_demo_content", verbosity=0)
    context = browser.new_context(color_scheme=scheme)
    page = context.new_page()
    icon_loads, refusals = [], []
    page.on("requestfinished", lambda request: icon_loads.append(request.response().status)
            if "/icons/" in request.url else None)  # fmt: skip
    # A file the Content-Security-Policy refused would be reported on the console.
    page.on(
        "console",
        lambda message: refusals.append(message.text) if "Refused" in message.text else None,
    )
    page.goto(live_server.url + "/terms/peer-support/")
    for section in (".tldr", ".insights"):
        icon = page.locator(f"{section} h2 .icon")
        box = icon.bounding_box()
        assert 14 <= box["width"] <= 30 and box["width"] == box["height"]
        mask, colour, behind = icon.evaluate(
            """icon => [getComputedStyle(icon).maskImage, getComputedStyle(icon).backgroundColor,
                        getComputedStyle(icon.closest("section")).backgroundColor]"""
        )
        assert "/icons/" in mask and colour != behind
    page.wait_for_load_state("networkidle")
    assert icon_loads == [200, 200] and not refusals
    context.close()
