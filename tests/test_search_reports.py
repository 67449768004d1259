"""The searches' reports (articles/insights/search_reports.py, search_admin.py), adding a
search as another name of an entry (another_name.py), and the admin home page's "Needs
attention" board (attention.py)."""

import csv
import datetime
import io
import re
import zoneinfo

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.models import Permission, User
from reversion.models import Version

from articles.insights import search_reports as reports
from articles.models import Entry, FeedbackReport, SearchDay, SearchOpen
from articles.search import search
from tests.test_hostile_input import PAYLOADS, executable_markup

TODAY = datetime.date(2025, 6, 18)
PAGE = "/admin/articles/searchday/"
CSV = "/admin/articles/searchday/csv/"
ANOTHER_NAME = "/admin/articles/searchday/another-name/"


@pytest.fixture(autouse=True)
def _today():
    """Every test on the same day, at noon in the site's time zone."""
    noon = datetime.datetime.combine(
        TODAY, datetime.time(12), zoneinfo.ZoneInfo(settings.TIME_ZONE)
    )
    with time_machine.travel(noon, tick=False):
        yield


def searched(query, days_ago=0, searches=1, no_results=0, opened=0):
    return SearchDay.objects.create(
        day=TODAY - datetime.timedelta(days=days_ago),
        query=query,
        searches=searches,
        no_results=no_results,
        opened=opened,
    )


def opened(query, entry, days_ago=0, opens=1):
    day = TODAY - datetime.timedelta(days=days_ago)
    return SearchOpen.objects.create(day=day, query=query, entry=entry, opens=opens)


def weekly(query, per_week, weeks=8):
    """`per_week` searches in each of the `weeks` weeks before this one."""
    for week in range(1, weeks + 1):
        searched(query, days_ago=7 * week, searches=per_week)


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def chief_client(client, db):
    client.force_login(User.objects.create_superuser("chief", password="a-long-password-1"))
    return client


def texts(rows):
    return [(row.query, row.searches) for row in rows]


# The reports


def test_top_searches_count_the_period_only_most_first(db):
    searched("naloxone", 0, searches=5)
    searched("naloxone", 20, searches=4)
    searched("sponsor", 1, searches=6)
    searched("relapse", 6, searches=3)
    searched("relapse", 50, searches=10)
    searched("relapse", 90, searches=100)  # a day before the longest period
    assert texts(reports.top_searches(reports.period(7))) == [
        ("sponsor", 6), ("naloxone", 5), ("relapse", 3),
    ]  # fmt: skip
    assert texts(reports.top_searches(reports.period(30))) == [
        ("naloxone", 9), ("sponsor", 6), ("relapse", 3),
    ]  # fmt: skip
    assert texts(reports.top_searches(reports.period(90))) == [
        ("relapse", 13), ("naloxone", 9), ("sponsor", 6),
    ]  # fmt: skip


def test_top_searches_say_how_many_found_nothing_were_opened_and_the_entry_opened_most(
    make_entry,
):
    naloxone, narcan = make_entry(title="Naloxone"), make_entry(title="Nasal spray")
    searched("naloxone", 0, searches=8, no_results=2, opened=5)
    searched("naloxone", 3, searches=2, opened=1)
    opened("naloxone", naloxone, 0, opens=2)
    opened("naloxone", narcan, 0, opens=2)
    opened("naloxone", narcan, 3, opens=1)
    opened("naloxone", naloxone, 40, opens=9)  # before the period
    [row] = reports.top_searches(reports.period(7))
    assert (row.searches, row.no_results, row.no_results_share, row.opened) == (10, 2, 20, 6)
    assert (row.top_entry, row.top_entry_opens) == (narcan, 3)


def test_no_results_lists_searches_that_found_nothing_most_such_searches_first(db):
    searched("fentanil", 0, searches=3, no_results=3)
    searched("naloxone kit", 2, searches=9, no_results=4)
    searched("sponsor", 1, searches=20)  # always found something
    searched("old miss", 40, searches=5, no_results=5)  # before the period
    rows = reports.no_result_searches(reports.period(30))
    assert [(row.query, row.no_results, row.searches) for row in rows] == [
        ("naloxone kit", 4, 9), ("fentanil", 3, 3),
    ]  # fmt: skip
    assert rows[0].last_searched == TODAY - datetime.timedelta(days=2)


def test_not_opened_lists_searches_that_found_something_and_led_nowhere(db):
    searched("harm reduction", 0, searches=7, no_results=1)
    searched("harm reduction", 5, searches=3)
    searched("sponsor", 0, searches=30, opened=1)  # a result was opened
    searched("fentanil", 0, searches=4, no_results=4)  # found nothing at all
    searched("peer support", 1, searches=2)
    rows = reports.unopened_searches(reports.period(7))
    assert texts(rows) == [("harm reduction", 10), ("peer support", 2)]
    assert rows[0].with_results == 9


def _rising(found):
    return {item.text: item.badge for item in found}


def test_a_search_at_three_times_its_usual_week_rises_and_at_twice_does_not(db):
    weekly("naloxone", 1)  # a usual week: 1
    searched("naloxone", 0, searches=2)
    searched("naloxone", 6, searches=1)  # this week: today and the 6 days before
    weekly("sponsor", 2)
    searched("sponsor", 0, searches=4)  # twice a usual week
    found = reports.rising()
    assert _rising(found.queries) == {"naloxone": "Rising ×3"}
    [naloxone] = found.queries
    assert (naloxone.this_week, naloxone.usual) == (3, 1)


def test_a_new_search_repeated_three_times_is_new_and_once_is_not(db):
    weekly("sponsor", 5)  # the site has searches from the weeks before
    searched("xylazine", 0, searches=2)
    searched("xylazine", 4, searches=1)
    searched("kratom", 0, searches=1)
    assert _rising(reports.rising().queries) == {"xylazine": "New"}


def test_a_word_rises_across_different_searches(db):
    weekly("fentanyl", 1)
    searched("fentanyl test strips", 0, searches=2)
    searched("what is fentanyl", 1, searches=2)  # "what", "is": question words
    searched("fentanyl overdose", 2, searches=1)
    found = reports.rising()
    assert found.queries == []  # none of the searches rises on its own
    assert _rising(found.words) == {"fentanyl": "Rising ×5"}
    assert found.words[0].queries == ["fentanyl test strips", "what is fentanyl",
                                      "fentanyl overdose"]  # fmt: skip


def test_a_word_of_one_search_only_is_that_search(db):
    weekly("sponsor", 5)
    searched("xylazine wounds", 0, searches=4)
    found = reports.rising()
    assert _rising(found.queries) == {"xylazine wounds": "New"}
    assert found.words == []


def test_words_leave_out_short_and_question_words():
    assert reports.words_of("What is the AA 12-step program, how does it work?") == {
        "step", "program", "work",
    }  # fmt: skip


def test_a_young_site_compares_with_the_days_it_has(db):
    searched("naloxone", 14, searches=4)  # two weeks begun before this one: 2 a week
    searched("naloxone", 0, searches=6)
    assert _rising(reports.rising().queries) == {"naloxone": "Rising ×3"}


# The page


def test_editors_see_every_report_with_its_rows(editor_client, make_entry):
    entry = make_entry(title="Naloxone")
    searched("naloxone", 0, searches=12, opened=4)
    opened("naloxone", entry, 0, opens=4)
    searched("fentanil", 0, searches=3, no_results=3)
    searched("harm reduction", 0, searches=5)
    searched("xylazine", 0, searches=3)
    pages = {
        "top": ("naloxone", "Top searches, last 30 days"),
        "no-results": ("fentanil", "Searches with no results, last 30 days"),
        "not-opened": ("harm reduction", "Searches whose results nobody opened"),
        "rising": ("xylazine", "Rising searches"),
    }
    for report, (query, caption) in pages.items():
        response = editor_client.get(PAGE, {"report": report})
        assert response.status_code == 200, report
        html = response.content.decode()
        assert f'<th scope="row" class="searches-query">{query}</th>' in html, report
        assert f"<caption>{caption}" in html, report
        assert 'aria-current="page">' in html
        assert f"?report={report}&amp;days=30" in html  # its CSV
    top = editor_client.get(PAGE).content.decode()
    assert f'href="/admin/articles/entry/{entry.pk}/change/">Naloxone</a> (4)' in top


def test_the_period_switch_changes_the_rows(editor_client):
    searched("sponsor", 20, searches=3)
    assert "sponsor" in editor_client.get(PAGE, {"days": "30"}).content.decode()
    page = editor_client.get(PAGE, {"days": "7"}).content.decode()
    assert "sponsor" not in page and "No searches in the last 7 days." in page
    assert re.search(r'href="\?report=top&amp;days=7" aria-current="page">Last 7 days', page)


@pytest.mark.parametrize(
    "params",
    [{"days": "abc"}, {"days": "100000"}, {"days": "-7"}, {"report": "junk"},
     {"report": "", "days": ""}, {"report": ["top", "rising"]}, {"days": "7\x00"}],
)  # fmt: skip
def test_bad_parameters_show_the_default_report(editor_client, params):
    searched("sponsor", 0, searches=3)
    response = editor_client.get(PAGE, params)
    assert response.status_code == 200
    assert "sponsor" in response.content.decode()
    assert editor_client.get(CSV, params).status_code == 200


def test_searches_can_be_seen_not_added_changed_or_deleted(editor_client):
    row = searched("sponsor")
    assert editor_client.get("/admin/articles/searchday/add/").status_code == 404
    assert editor_client.get(f"/admin/articles/searchday/{row.pk}/change/").status_code == 404
    assert editor_client.get(f"/admin/articles/searchday/{row.pk}/delete/").status_code == 404
    index = editor_client.get("/admin/").content.decode()
    assert 'href="/admin/articles/searchday/"' in index


def test_staff_without_the_view_permission_are_refused(client, db):
    user = User.objects.create_user("someone", password="a-long-password-1", is_staff=True)
    client.force_login(user)
    assert client.get(PAGE).status_code == 403
    assert client.get(CSV).status_code == 403
    client.logout()
    assert client.get(PAGE).status_code == 302  # to the login page


def test_hostile_searches_are_shown_as_text(editor_client):
    for n, payload in enumerate(PAYLOADS):
        query = f"{n} {payload}"[:100]
        searched(query, 0, searches=3, no_results=1 + n % 3, opened=n % 2)
    for report in ("top", "no-results", "not-opened", "rising"):
        response = editor_client.get(PAGE, {"report": report, "days": "7"})
        assert response.status_code == 200
        assert not executable_markup(response.content, allowed={"svg"}), report
    for payload in PAYLOADS[:20]:
        response = editor_client.get(ANOTHER_NAME, {"query": payload[:100], "find": payload})
        assert response.status_code == 200
        assert not executable_markup(response.content, allowed={"svg"}), payload
    searched("<script>alert(1)</script>", 0, searches=500, no_results=1)
    page = editor_client.get(PAGE, {"report": "no-results"}).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert" not in page


# CSV


def _csv(response):
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment; filename=")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_each_report_downloads_as_csv_for_its_period(editor_client, make_entry):
    entry = make_entry(title="Naloxone")
    searched("naloxone", 0, searches=10, no_results=1, opened=3)
    searched("naloxone", 20, searches=5)
    opened("naloxone", entry, 0, opens=3)
    searched("fentanil", 1, searches=2, no_results=2)
    rows = _csv(editor_client.get(CSV, {"report": "top", "days": "7"}))
    assert rows[0][:3] == ["Search", "Searches", "Searches with no results"]
    assert rows[1:] == [["naloxone", "10", "1", "10", "3", "Naloxone", "3"],
                        ["fentanil", "2", "2", "100", "0", "", "0"]]  # fmt: skip
    assert _csv(editor_client.get(CSV, {"report": "top", "days": "30"}))[1][1] == "15"
    rows = _csv(editor_client.get(CSV, {"report": "no-results", "days": "7"}))
    assert rows[1:] == [["fentanil", "2", "2", "2025-06-17"], ["naloxone", "1", "10", "2025-06-18"]]
    response = editor_client.get(CSV, {"report": "no-results", "days": "7"})
    assert (
        'filename="searches-no-results-7-days-to-2025-06-18.csv"' in response["Content-Disposition"]
    )


def test_rising_downloads_searches_and_words(editor_client):
    weekly("sponsor", 5)
    searched("xylazine wounds", 0, searches=3)
    searched("xylazine test", 0, searches=2)
    rows = _csv(editor_client.get(CSV, {"report": "rising"}))
    assert rows[0] == ["Kind", "Search or word", "Searches this week", "Usual week", "Badge",
                       "In searches"]  # fmt: skip
    assert rows[1:] == [
        ["search", "xylazine wounds", "3", "0", "New", ""],
        ["word", "xylazine", "5", "0", "New", "xylazine wounds; xylazine test"],
    ]


def test_the_page_shows_the_first_rows_and_the_csv_more(editor_client, monkeypatch):
    monkeypatch.setattr(reports, "ROWS", 2)
    for n, query in enumerate(("naloxone", "sponsor", "relapse"), 1):
        searched(query, 0, searches=n, no_results=1)
    for report in ("top", "no-results"):
        page = editor_client.get(PAGE, {"report": report}).content.decode()
        assert page.count('scope="row"') == 2 and "relapse" in page and "naloxone" not in page
        assert "The first 2 are shown here; the CSV has up to 1,000." in page
        assert len(_csv(editor_client.get(CSV, {"report": report}))) == 1 + 3


def test_csv_cells_never_start_a_formula(editor_client):
    for query in ("=cmd|' /C calc'!A0", "+1+1", "-2+3", "@sum(a1)", "\tx", "plain = text"):
        searched(query, 0, searches=2)
    rows = _csv(editor_client.get(CSV, {"report": "top", "days": "7"}))
    assert sorted(row[0] for row in rows[1:]) == sorted(
        ["'=cmd|' /C calc'!A0", "'+1+1", "'-2+3", "'@sum(a1)", "'\tx", "plain = text"]
    )


# Acting on a search with no results


def test_create_an_entry_opens_the_entry_form_with_the_title(editor_client):
    searched("naloxone spray", 0, searches=3, no_results=3)
    page = editor_client.get(PAGE, {"report": "no-results"}).content.decode()
    link = re.search(r'href="([^"]+)">Create an entry', page).group(1).replace("&amp;", "&")
    assert link == "/admin/articles/entry/add/?title=Naloxone+spray&slug=naloxone-spray"
    form = editor_client.get(link).content.decode()
    assert re.search(r'<input[^>]+name="title"[^>]+value="Naloxone spray"', form)
    assert re.search(r'<input[^>]+name="slug"[^>]+value="naloxone-spray"', form)


def test_add_as_another_name_adds_a_line_and_search_finds_the_entry(editor_client, make_entry):
    entry = make_entry(title="Naloxone", aliases="Narcan")
    searched("nalox spray", 0, searches=3, no_results=3)
    assert entry.pk not in search("nalox spray").ids
    page = editor_client.get(PAGE, {"report": "no-results", "days": "7"}).content.decode()
    link = re.search(r'href="([^"]+)">Add as another name of…', page).group(1)
    assert link == f"{ANOTHER_NAME}?query=nalox+spray&amp;days=7"
    form = editor_client.get(ANOTHER_NAME, {"query": "nalox spray", "find": "naloxone"})
    assert f'name="entry" value="{entry.pk}"' in form.content.decode()
    response = editor_client.post(
        f"{ANOTHER_NAME}?query=nalox+spray&days=7", {"entry": entry.pk, "name": "nalox spray"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"{PAGE}?report=no-results&days=7"
    entry.refresh_from_db()
    assert entry.aliases == "Narcan\nnalox spray"
    assert entry.pk in search("nalox spray").ids
    version = Version.objects.get_for_object(entry).first()
    assert version.revision.comment == "Added “nalox spray” as another name (from searches)"
    assert version.revision.user.username == "editor"
    followed = editor_client.get(response["Location"]).content.decode()
    assert "Added “nalox spray” as another name of “Naloxone”." in followed


@pytest.mark.parametrize("name", ["NARCAN", "narcan", "Naloxone", " naloxone "])
def test_add_as_another_name_refuses_a_name_the_entry_has(editor_client, make_entry, name):
    entry = make_entry(title="Naloxone", aliases="Narcan")
    response = editor_client.post(f"{ANOTHER_NAME}?query=narcan", {"entry": entry.pk, "name": name})
    assert response.status_code == 200
    assert "is already a name of “Naloxone”: nothing was added." in response.content.decode()
    entry.refresh_from_db()
    assert entry.aliases == "Narcan"
    assert not Version.objects.get_for_object(entry).exists()


def test_add_as_another_name_takes_published_entries_only(editor_client, make_entry):
    draft = make_entry(title="Xylazine", status=Entry.Status.DRAFT)
    for entry in (draft.pk, "abc", 10**9, ""):
        response = editor_client.post(
            f"{ANOTHER_NAME}?query=tranq", {"entry": entry, "name": "tranq"}
        )
        assert response.status_code == 200
        assert "errorlist" in response.content.decode()
    draft.refresh_from_db()
    assert draft.aliases == ""


def test_add_as_another_name_needs_a_search(editor_client):
    response = editor_client.get(ANOTHER_NAME)
    assert response.status_code == 400
    assert "Which search?" in response.content.decode()


def test_add_as_another_name_needs_the_change_permission_on_entries(client, make_entry):
    entry = make_entry(title="Naloxone")
    reader = User.objects.create_user("reader", password="a-long-password-1", is_staff=True)
    reader.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_searchday", "view_entry"])
    )
    client.force_login(reader)
    assert client.get(ANOTHER_NAME, {"query": "narcan"}).status_code == 403
    response = client.post(f"{ANOTHER_NAME}?query=narcan", {"entry": entry.pk, "name": "narcan"})
    assert response.status_code == 403
    entry.refresh_from_db()
    assert entry.aliases == ""
    searched("narcan", 0, searches=2, no_results=2)
    page = client.get(PAGE, {"report": "no-results"}).content.decode()
    assert "narcan" in page and "Add as another name" not in page and "Create an entry" not in page


def test_add_as_another_name_is_csrf_protected(make_entry, editor):
    from django.test import Client

    entry = make_entry(title="Naloxone")
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    response = client.post(f"{ANOTHER_NAME}?query=narcan", {"entry": entry.pk, "name": "narcan"})
    assert response.status_code == 403
    entry.refresh_from_db()
    assert entry.aliases == ""


# Needs attention


def _board(html):
    match = re.search(r'<section class="module attention-board".*?</section>', html, re.S)
    return match.group(0) if match else None


def _items(board):
    return {
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", text)).strip(): href.replace("&amp;", "&")
        for href, text in re.findall(r'<li><a href="([^"]+)">(.*?)</a></li>', board)
    }


@pytest.fixture
def attention(make_entry):
    make_entry(title="Checked entry", reviewed_at=TODAY)
    due = make_entry(title="Never reviewed")  # reviewed_at empty: due
    Entry.objects.filter(pk=due.pk).update(content_warnings="No sources.")
    FeedbackReport.objects.create(entry=due, reason=FeedbackReport.Reason.UNCLEAR)
    FeedbackReport.objects.create(entry=due, reason=FeedbackReport.Reason.OTHER)
    FeedbackReport.objects.create(
        entry=due, reason=FeedbackReport.Reason.OTHER, status=FeedbackReport.Status.RESOLVED
    )
    searched("fentanil", 0, searches=3, no_results=3)
    searched("fentanil", 10, searches=3, no_results=3)  # the same search, before the week
    searched("old miss", 9, searches=1, no_results=1)  # before the week
    searched("xylazine", 0, searches=3)  # new this week
    searched("kratom", 1, searches=4)  # new this week


@pytest.mark.parametrize("who", ["chief_client", "editor_client"])
def test_the_board_counts_and_links_what_needs_attention(request, attention, who):
    client = request.getfixturevalue(who)
    board = _board(client.get("/admin/").content.decode())
    assert _items(board) == {
        "1 entry due a medical review": "/admin/articles/entry/?review=due",
        "1 entry with content warnings": "/admin/articles/entry/?health=warnings",
        "2 open reader reports": "/admin/articles/feedbackreport/",
        "1 search with no results this week": f"{PAGE}?report=no-results&days=7",
        "2 searches or words rising this week": f"{PAGE}?report=rising",
    }
    for url in _items(board).values():
        assert client.get(url).status_code == 200, url


def test_the_board_counts_lead_to_as_many_rows(chief_client, attention):
    entries = chief_client.get("/admin/articles/entry/?review=due").content.decode()
    assert "Never reviewed" in entries and "Checked entry" not in entries
    no_results = chief_client.get(f"{PAGE}?report=no-results&days=7").content.decode()
    assert "fentanil" in no_results and "old miss" not in no_results


def test_the_board_says_when_nothing_needs_attention(chief_client):
    board = _board(chief_client.get("/admin/").content.decode())
    assert "Nothing needs attention." in board and "<li>" not in board


def test_the_board_shows_only_what_the_user_may_see(client, attention):
    user = User.objects.create_user("searcher", password="a-long-password-1", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_searchday"))
    client.force_login(user)
    assert set(_items(_board(client.get("/admin/").content.decode()))) == {
        "1 search with no results this week", "2 searches or words rising this week",
    }  # fmt: skip
    user.user_permissions.clear()
    user = User.objects.get(pk=user.pk)  # permissions are cached on the user
    client.force_login(user)
    assert _board(client.get("/admin/").content.decode()) is None


def test_the_board_counts_what_has_no_admin_list_without_a_link(
    chief_client, attention, monkeypatch
):
    from django.urls import NoReverseMatch

    from articles.insights import attention as board

    real = board.reverse

    def reverse(name, *args, **kwargs):
        if name == "admin:articles_feedbackreport_changelist":
            raise NoReverseMatch(name)
        return real(name, *args, **kwargs)

    monkeypatch.setattr(board, "reverse", reverse)
    page = _board(chief_client.get("/admin/").content.decode())
    assert "<li><strong>2</strong> open reader reports</li>" in page
    assert "2 open reader reports" not in _items(page)


def test_the_board_is_on_the_home_page_only(chief_client, attention):
    assert _board(chief_client.get("/admin/articles/").content.decode()) is None


def test_the_board_costs_a_few_queries(chief_client, attention, django_assert_max_num_queries):
    chief_client.get("/admin/")  # sessions, content types: read once
    with django_assert_max_num_queries(20):
        chief_client.get("/admin/")
