"""Content health (articles/content/quality.py): the checker, the stored warnings behind the
admin's Health column and filter, kept current wherever an entry is written and when the
entries it depends on change, and the warnings at the top of the change form."""

import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest
import time_machine
from django.contrib import admin
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from reversion.models import Version

from articles.admin import ContentHealthFilter
from articles.content import quality
from articles.models import Entry, Source
from tests.forms import entry_form_data

ADMIN = "/admin/articles/entry"


@pytest.fixture
def staff(client, editor):
    client.force_login(editor)
    return client


def stored(article):
    return Entry.objects.get(pk=article.pk).content_warnings.splitlines()


class _FormFields(HTMLParser):
    """The fields of the entry's form (#entry_form), as a browser would submit them."""

    def __init__(self):
        super().__init__()
        self.data, self._in_form, self._textarea, self._select = {}, False, None, None

    def _add(self, name, value):
        self.data.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("id") == "entry_form":
            self._in_form = True
        if not self._in_form or not attrs.get("name") and tag != "option":
            return
        kind = attrs.get("type", "text")
        if tag == "input" and kind in {"checkbox", "radio"}:
            if "checked" in attrs:
                self._add(attrs["name"], attrs.get("value") or "on")
        elif tag == "input" and kind not in {"submit", "button", "file", "image", "reset"}:
            self._add(attrs["name"], attrs.get("value") or "")
        elif tag == "textarea":
            self._textarea = attrs["name"]
            self._add(self._textarea, "")
        elif tag == "select":
            self._select = attrs["name"]
        elif tag == "option" and self._select and "selected" in attrs:
            self._add(self._select, attrs.get("value", ""))

    def handle_endtag(self, tag):
        if tag == "form":
            self._in_form = False
        elif tag == "textarea":
            # A textarea's first newline is not part of its value.
            self.data[self._textarea][-1] = self.data[self._textarea][-1].removeprefix("\n")
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea][-1] += data


def form_fields(response):
    parser = _FormFields()
    parser.feed(response.content.decode())
    return {name: values if len(values) > 1 else values[0] for name, values in parser.data.items()}


# The checker


def test_each_content_health_warning(make_entry):
    weak = make_entry(
        slug="weak",
        tldr="",
        body="## Only one\n\nSee [this](/terms/missing-entry/).",
        key_points=["one"],
    )
    found = "\n".join(quality.warnings(weak))
    for expected in ("No TL;DR", "Only 1 key point", "No sources", "No related entries",
                     "1 section", "A link goes nowhere: /terms/missing-entry/"):  # fmt: skip
        assert expected in found, expected

    hard = make_entry(
        slug="hard",
        definition=" ".join(["Pharmacotherapeutic interventions notwithstanding "
                             "multidimensional psychopharmacological considerations."] * 8),
    )  # fmt: skip
    grade = re.search(r"Reading level is US grade (\d+\.\d)", "\n".join(quality.warnings(hard)))
    assert grade and float(grade[1]) > quality.MAX_GRADE  # never "grade 9 (aim for 9)"

    good = make_entry(
        slug="good",
        tldr="A short summary.",
        body="## One\n\nShort words. Read them.\n\n## Two\n\nIt is fine.\n\n## Three\n\nGood.",
        key_points=["a", "b", "c"],
    )
    good.related.add(weak)
    Source.objects.create(article=good, title="A source", publisher="NIDA", year=2024,
                          url="https://nida.nih.gov/")  # fmt: skip
    assert quality.warnings(good) == []


# Stored wherever an entry is written


def test_an_admin_save_stores_warnings_for_the_column_and_filter(staff, make_entry):
    article = make_entry(title="Thin Entry", slug="thin", key_points=["one"])
    assert staff.post(f"{ADMIN}/{article.pk}/change/", entry_form_data(article)).status_code == 302
    assert "No sources." in stored(article)
    listing = staff.get(f"{ADMIN}/?health=warnings").content.decode()
    assert "Thin Entry" in listing and "warnings" in listing
    assert "Thin Entry" not in staff.get(f"{ADMIN}/?health=ok").content.decode()


def test_refresh_command_checks_existing_entries(make_entry, capsys):
    article = make_entry(slug="never-checked")
    assert stored(article) == []  # made before warnings were stored on every write
    call_command("refresh_content_health", "--dry-run")
    out = capsys.readouterr().out
    assert "Would change: never-checked (0 → " in out and stored(article) == []
    call_command("refresh_content_health")
    assert "Changed: never-checked" in capsys.readouterr().out
    assert "No sources." in stored(article)
    call_command("refresh_content_health")
    assert "never-checked" not in capsys.readouterr().out  # nothing left to change


def test_refresh_command_clears_a_link_to_a_scheduled_entry_once_public(make_entry):
    """Time passing writes nothing: the command (run by `make setup`, or from cron) is
    what clears a warning about a link to an entry that has since become public."""
    make_entry(slug="soon", published_at=timezone.now() + timedelta(hours=1))
    linking = make_entry(slug="linking", body="## A\n\nSee [soon](/terms/soon/).")
    quality.refresh(linking)
    assert "A link goes nowhere: /terms/soon/" in stored(linking)
    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        call_command("refresh_content_health", verbosity=0)
        assert "A link goes nowhere: /terms/soon/" not in stored(linking)


def _history_form(staff, url):
    response = staff.get(url)
    assert response.status_code == 200
    return form_fields(response)


def test_a_revert_stores_the_warnings_of_the_version_brought_back(staff, make_entry):
    article = make_entry(title="Reverted", slug="reverted", key_points=["a", "b", "c"])
    source_row = {
        "sources-TOTAL_FORMS": "1",
        "sources-0-title": "A study",
        "sources-0-order": "1",
    }
    with_source = entry_form_data(article, **source_row)
    assert staff.post(f"{ADMIN}/{article.pk}/change/", with_source).status_code == 302
    assert "No sources." not in stored(article)
    version = Version.objects.get_for_object(article).first()
    article.refresh_from_db()
    source = article.sources.get()
    without = entry_form_data(article, **{
        "sources-TOTAL_FORMS": "1", "sources-INITIAL_FORMS": "1",
        "sources-0-id": str(source.pk), "sources-0-article": str(article.pk),
        "sources-0-title": "A study", "sources-0-order": "1", "sources-0-DELETE": "on",
    })  # fmt: skip
    assert staff.post(f"{ADMIN}/{article.pk}/change/", without).status_code == 302
    assert "No sources." in stored(article)

    revert_url = f"{ADMIN}/{article.pk}/history/{version.pk}/"
    response = staff.post(revert_url, _history_form(staff, revert_url))
    assert response.status_code == 302
    assert article.sources.count() == 1
    assert "No sources." not in stored(article)


def test_a_recovered_entry_clears_the_warnings_of_entries_linking_to_it(staff, make_entry):
    gone = make_entry(title="Quokka Method", slug="quokka-method")
    linking = make_entry(slug="linking", body="## A\n\nTry [it](/terms/quokka-method/).")
    assert staff.post(f"{ADMIN}/{linking.pk}/change/", entry_form_data(linking)).status_code == 302
    assert staff.post(f"{ADMIN}/{gone.pk}/change/", entry_form_data(gone)).status_code == 302
    assert "A link goes nowhere: /terms/quokka-method/" not in stored(linking)

    assert staff.post(f"{ADMIN}/{gone.pk}/delete/", {"post": "yes"}).status_code == 302
    assert "A link goes nowhere: /terms/quokka-method/" in stored(linking)

    version = Version.objects.get_deleted(Entry).get(object_id=str(gone.pk))
    recover_url = f"{ADMIN}/recover/{version.pk}/"
    assert staff.post(recover_url, _history_form(staff, recover_url)).status_code == 302
    assert Entry.objects.published().filter(slug="quokka-method").exists()
    assert "A link goes nowhere: /terms/quokka-method/" not in stored(linking)


# Warnings that depend on other entries


def test_a_link_warning_follows_the_linked_entry(staff, make_entry):
    target = make_entry(title="Zebrafinch Plan", slug="zebrafinch-plan")
    linking = make_entry(slug="linking", body="## A\n\nSee [plan](/terms/zebrafinch-plan/).")
    quality.refresh(linking)
    warning = "A link goes nowhere: /terms/zebrafinch-plan/"
    assert warning not in stored(linking)

    def act(action):
        response = staff.post(f"{ADMIN}/", {"action": action, "_selected_action": [target.pk]})
        assert response.status_code == 302

    act("unpublish")
    assert warning in stored(linking)
    act("publish")
    assert warning not in stored(linking)

    target.refresh_from_db()
    renamed = entry_form_data(target, slug="zebrafinch-plan-two")
    assert staff.post(f"{ADMIN}/{target.pk}/change/", renamed).status_code == 302
    assert warning in stored(linking)
    target.refresh_from_db()
    back = entry_form_data(target, slug="zebrafinch-plan")  # its own old address, taken back
    assert staff.post(f"{ADMIN}/{target.pk}/change/", back).status_code == 302
    assert warning not in stored(linking)

    assert staff.post(f"{ADMIN}/{target.pk}/delete/", {"post": "yes"}).status_code == 302
    assert warning in stored(linking)


def test_a_link_to_a_new_entry_stops_warning_when_it_is_added(staff, make_entry, make_category):
    linking = make_entry(slug="linking", body="## A\n\nSee [later](/terms/later/).")
    quality.refresh(linking)
    assert "A link goes nowhere: /terms/later/" in stored(linking)
    make_entry(title="Later", slug="later")
    assert "A link goes nowhere: /terms/later/" not in stored(linking)


def test_related_entries_changed_from_the_other_side(staff, make_entry):
    first = make_entry(title="First", slug="first")
    second = make_entry(title="Second", slug="second")
    for article in (first, second):
        quality.refresh(article)
        assert quality.NO_RELATED in stored(article)

    related = entry_form_data(first, related=[str(second.pk)])
    assert staff.post(f"{ADMIN}/{first.pk}/change/", related).status_code == 302
    assert quality.NO_RELATED not in stored(second)  # changed on the other side
    first.refresh_from_db()
    assert staff.post(f"{ADMIN}/{first.pk}/change/", entry_form_data(first)).status_code == 302
    assert quality.NO_RELATED in stored(second)

    second.related.add(first)
    assert quality.NO_RELATED not in stored(first)
    assert staff.post(f"{ADMIN}/{first.pk}/delete/", {"post": "yes"}).status_code == 302
    assert quality.NO_RELATED in stored(second)


def _body_searches(queries):
    return [q["sql"] for q in queries if '"body_html"' in q["sql"] and "LIKE" in q["sql"]]


def test_only_a_changed_address_searches_other_entries(staff, make_entry):
    article = make_entry(title="Tern Walk", slug="tern-walk")
    data = entry_form_data(article, definition="Reworded.")
    with CaptureQueriesContext(connection) as queries:
        assert staff.post(f"{ADMIN}/{article.pk}/change/", data).status_code == 302
    assert _body_searches(queries) == []
    article.refresh_from_db()
    data = entry_form_data(article, slug="tern-walks")
    with CaptureQueriesContext(connection) as queries:
        assert staff.post(f"{ADMIN}/{article.pk}/change/", data).status_code == 302
    assert len(_body_searches(queries)) == 1


def test_a_page_view_checks_nothing(client, make_entry):
    make_entry(slug="read-me", body="## A\n\nSee [x](/terms/nowhere/).")
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/terms/read-me/").status_code == 200
    assert not [q for q in queries if "content_warnings" in q["sql"].split("FROM")[-1]]
    assert not _body_searches(queries)


# The Health column, the filter and the checker agree


def test_column_filter_and_checker_agree_on_every_demo_entry(demo, staff):
    model_admin = admin.site._registry[Entry]
    request = staff.get(f"{ADMIN}/").wsgi_request

    def filtered(value):
        health = ContentHealthFilter(request, {"health": [value]}, Entry, model_admin)
        return set(health.queryset(request, Entry.objects.all()).values_list("pk", flat=True))

    warned, fine = filtered("warnings"), filtered("ok")
    entries = list(Entry.objects.all())
    assert len(entries) == 49
    for article in entries:
        found = quality.warnings(article)
        count = len(found)
        expected = "OK" if not found else f"{count} warning{'s' if count != 1 else ''}"
        assert model_admin.health(article) == expected, article.slug
        assert (article.pk in warned) == bool(found) and (article.pk in fine) == (not found)
    # As the editor sees it: the filtered lists hold exactly those entries.
    listing = staff.get(f"{ADMIN}/?health=warnings").content.decode()
    titles = set(re.findall(r'<th class="field-title"><a href="[^"]+">([^<]+)</a>', listing))
    assert titles == {a.title for a in entries if a.pk in warned}
    assert not any("No sources." in quality.warnings(a) for a in entries)  # all have some


# At the top of the change form


def test_change_form_lists_the_warnings_first_checked_afresh(staff, make_entry):
    article = make_entry(title="Fresh", slug="fresh", key_points=["one"])
    Entry.objects.filter(pk=article.pk).update(content_warnings="")  # stale on purpose
    html = staff.get(f"{ADMIN}/{article.pk}/change/").content.decode()
    start = html.index('<section class="content-health')
    section = html[start : html.index("</section>", start)]
    assert start < html.index("<fieldset")
    expected = quality.warnings(article)
    count = len(expected)
    assert f'<h2 id="content-health-title">Content health: {count} warnings</h2>' in section
    assert 'aria-labelledby="content-health-title"' in section
    assert re.findall(r"<li>([^<]*)</li>", section) == expected
    assert "style=" not in section

    for n, text in enumerate(("b", "c"), 2):
        article.key_points.create(text=text, order=n)
    html = staff.get(f"{ADMIN}/{article.pk}/change/").content.decode()
    assert "Only 1 key point" not in html  # as the entry is now, not as stored


def test_an_entry_without_warnings_says_so_and_a_new_one_shows_nothing(staff, make_entry):
    good = make_entry(
        slug="good",
        body="## One\n\nShort words. Read them.\n\n## Two\n\nIt is fine.\n\n## Three\n\nGood.",
        key_points=["a", "b", "c"],
    )
    good.related.add(make_entry())
    Source.objects.create(article=good, title="A source", publisher="NIDA", year=2024,
                          url="https://nida.nih.gov/")  # fmt: skip
    html = staff.get(f"{ADMIN}/{good.pk}/change/").content.decode()
    assert "Content health: no warnings</h2>" in html and "content-warnings" not in html
    assert "content-health" not in staff.get(f"{ADMIN}/add/").content.decode()


def test_a_source_without_publisher_year_or_address_is_named(make_entry):
    article = make_entry()
    Source.objects.create(article=article, title="Complete", publisher="NIDA", year=2024,
                          url="https://nida.nih.gov/x")  # fmt: skip
    Source.objects.create(article=article, title="Bare", year=2020)
    Source.objects.create(article=article, title="Undated", publisher="WHO", url="https://who.int/")
    found = quality.warnings(Entry.objects.get(pk=article.pk))
    assert "The source “Bare” gives no publisher or address." in found
    assert "The source “Undated” gives no year." in found
    assert not any("“Complete”" in warning for warning in found)
