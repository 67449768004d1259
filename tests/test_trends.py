"""Views over time (articles/insights/trends.py): an entry's and the site's views per day,
the entries trending this week, the chart in the entry form, the admin's Trends page and
its CSV, and "Trending this week" on the home page."""

import csv
import io
import re
from datetime import timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.contrib.auth.models import User
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles.delivery import page_cache
from articles.insights import charts, trends
from articles.models import DailyViews, Entry
from tests.forms import entry_form_data

TRENDS = "/admin/articles/dailyviews/"


def days_ago(n):
    return timezone.localdate() - timedelta(days=n)


def viewed(entry, *days_and_views):
    """Rows as the view counter writes them: (days ago, views) for `entry`."""
    for ago, views in days_and_views:
        DailyViews.objects.create(entry=entry, day=days_ago(ago), views=views)


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


# trends.py


def test_daily_views_are_every_day_of_the_period_with_zeros_filled(make_entry):
    entry = make_entry()
    viewed(entry, (0, 4), (2, 7), (7, 100))  # the last is outside 7 days
    viewed(make_entry(), (0, 50))  # another entry's
    days = trends.daily_views(entry, 7)
    assert [day for day, _ in days] == [days_ago(n) for n in range(6, -1, -1)]
    assert [views for _, views in days] == [0, 0, 0, 0, 7, 0, 4]


def test_site_daily_views_add_up_every_entrys_views_of_each_day(make_entry):
    first, second = make_entry(), make_entry(status=Entry.Status.DRAFT)
    viewed(first, (0, 4), (1, 1))
    viewed(second, (0, 6), (29, 2), (30, 9))
    days = trends.site_daily_views(30)
    assert len(days) == 30 and days[0] == (days_ago(29), 2)
    assert days[-2:] == [(days_ago(1), 1), (days_ago(0), 10)]
    assert sum(views for _, views in days) == 13


def test_trending_lists_the_weeks_most_viewed_ties_by_title(make_entry):
    quiet, busy = make_entry(title="Quiet"), make_entry(title="Busy")
    b_tie, a_tie = make_entry(title="Beta"), make_entry(title="Alpha")
    make_entry(title="Unread")
    viewed(quiet, (0, 1))
    viewed(busy, (0, 30), (3, 20))
    viewed(b_tie, (1, 5))
    viewed(a_tie, (2, 5))
    listed = trends.trending(10)
    assert [t.entry.title for t in listed] == ["Busy", "Alpha", "Beta", "Quiet"]
    assert listed[0].views == 50
    assert [t.entry.title for t in trends.trending(2)] == ["Busy", "Alpha"]


def test_trending_counts_seven_days_and_compares_with_the_seven_before(make_entry):
    entry = make_entry()
    # Today and six days before are this week; 7 to 13 days ago, the week before.
    viewed(entry, (0, 1), (6, 10), (7, 100), (13, 1000), (14, 10000))
    [trend] = trends.trending(5)
    assert (trend.views, trend.previous, trend.change) == (11, 1100, -1089)


def test_an_entry_viewed_only_before_the_week_is_not_trending(make_entry):
    viewed(make_entry(), (7, 500))
    assert trends.trending(5) == []


def test_trending_as_of_another_day(make_entry):
    entry = make_entry()
    viewed(entry, (10, 3), (20, 4))
    [trend] = trends.trending(5, today=days_ago(10))
    assert (trend.views, trend.previous) == (3, 4)


def test_drafts_and_scheduled_entries_are_not_trending(make_entry):
    draft = make_entry(title="Draft", status=Entry.Status.DRAFT)
    scheduled = make_entry(title="Later", published_at=timezone.now() + timedelta(days=1))
    public = make_entry(title="Public")
    viewed(draft, (0, 900))
    viewed(scheduled, (0, 800))
    viewed(public, (0, 1))
    assert [t.entry.title for t in trends.trending(5)] == ["Public"]


def test_most_viewed_sums_the_views_then_reads_the_few_entries(
    make_entry, django_assert_num_queries
):
    for n in range(12):
        viewed(make_entry(), (n % 7, n + 1))
    with django_assert_num_queries(2):
        listed = trends.most_viewed(7, 5)
        assert [entry.get_absolute_url() for entry in listed]  # no query for the address
    assert [entry.period_views for entry in listed] == [12, 11, 10, 9, 8]


def test_most_viewed_reads_on_past_ties_and_entries_no_longer_public(make_entry, monkeypatch):
    monkeypatch.setattr(trends, "SPARE", 0)  # no room beyond the list's length
    hidden = make_entry(title="Unpublished", status=Entry.Status.DRAFT)
    last, middle, first = (make_entry(title=t) for t in ("Cc", "Bb", "Aa"))  # ids: Cc first
    viewed(hidden, (0, 99))
    for entry in (last, middle, first):
        viewed(entry, (0, 5))
    assert [entry.title for entry in trends.most_viewed(7, 2)] == ["Aa", "Bb"]


# charts.py


def test_a_chart_is_named_by_its_summary_and_gives_its_numbers():
    days = [(days_ago(2), 3), (days_ago(1), 40), (days_ago(0), 0)]
    chart = charts.bar_chart(days, "Views per day, last 3 days")
    peak = charts.short_date(days_ago(1))
    name = f"Views per day, last 3 days: 43 in all, most on {peak} (40)"
    assert f'role="img" aria-label="{name}"' in chart and f"<title>{name}</title>" in chart
    assert chart.count("<rect") == 2  # a day without views has no bar
    assert f'<time datetime="{days_ago(0).isoformat()}">' in chart  # the table: every day
    assert "<details" in chart and "style=" not in chart


def test_a_chart_without_views_says_so():
    chart = charts.bar_chart(trends.filled(7, {}), "Views per day, last 7 days")
    assert 'aria-label="Views per day, last 7 days: no views"' in chart
    assert "<rect" not in chart


def test_a_sparkline_is_named_by_its_summary():
    line = charts.sparkline([(days_ago(1), 2), (days_ago(0), 5)], "Views per day")
    assert 'role="img"' in line and "Views per day: 7 in all" in line
    assert "<polyline" in line and "style=" not in line


# The entry form


def test_the_entry_form_shows_the_views_of_the_last_30_days(editor_client, make_entry):
    entry = make_entry()
    viewed(entry, (0, 5), (3, 7), (29, 1), (30, 1000))
    url = f"/admin/articles/entry/{entry.pk}/change/"
    with CaptureQueriesContext(connection) as queries:
        html = editor_client.get(url).content.decode()
    assert "Views, last 30 days" in html
    assert "Views per day, last 30 days: 13 in all, most on " in html
    assert 'class="views-chart__svg"' in html and "css/admin-charts." in html
    assert sum("articles_dailyviews" in q["sql"] for q in queries.captured_queries) == 1


def test_the_entry_form_saves_as_before_with_the_chart(editor_client, make_entry):
    entry = make_entry()
    viewed(entry, (0, 5))
    url = f"/admin/articles/entry/{entry.pk}/change/"
    html = editor_client.get(url).content.decode()
    assert "views_chart" not in re.findall(r'name="([^"]+)"', html)  # shown, not posted
    response = editor_client.post(url, entry_form_data(entry, tldr="Shorter."))
    assert response.status_code == 302
    assert Entry.objects.get(pk=entry.pk).tldr == "Shorter."


# The Trends page


@pytest.fixture
def week(make_entry):
    busy = make_entry(title="Busy", slug="busy")
    rising = make_entry(title="=Rising", slug="rising")  # a title a spreadsheet would run
    draft = make_entry(title="Hidden draft", status=Entry.Status.DRAFT)
    viewed(busy, (0, 30), (6, 10), (8, 45), (40, 99))
    viewed(rising, (1, 12), (50, 3))
    viewed(draft, (0, 999))
    return {"busy": busy, "rising": rising}


@pytest.mark.parametrize("days", [7, 30, 90])
def test_trends_page_shows_the_period_chart_and_top_entries(editor_client, week, days):
    response = editor_client.get(TRENDS, {"days": days})
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<a href="?days={days}" aria-current="page">Last {days} days</a>' in html
    assert f"Views per day, last {days} days: " in html
    assert "Hidden draft" not in html
    busy = week["busy"]
    assert f'href="/admin/articles/entry/{busy.pk}/change/">Busy</a>' in html
    assert 'href="/terms/busy/">View on site' in html
    assert html.count('class="sparkline"') == 2
    assert 'class="breadcrumbs"' in html and "Download this table (CSV)" in html


def test_trends_page_compares_with_the_period_before(editor_client, week):
    html = editor_client.get(TRENDS, {"days": 7}).content.decode()
    row = re.search(r"Busy</a></th>(.*?)</tr>", html, re.S).group(1)
    cells = re.findall(r'<td class="trends-number">([^<]*)</td>', row)
    assert cells == ["40", "45", "\N{MINUS SIGN}5"]


@pytest.mark.parametrize("days", ["", "abc", "5", "-7", "1e3", "9" * 40, "30.0", "٣٠٠"])
def test_trends_page_takes_a_bad_period_for_30_days(editor_client, week, days):
    response = editor_client.get(TRENDS, {"days": days})
    assert response.status_code == 200
    assert '<a href="?days=30" aria-current="page">' in response.content.decode()
    csv_response = editor_client.get(f"{TRENDS}csv/", {"days": days})
    assert csv_response.status_code == 200
    assert "views, last 30 days" in csv_response.content.decode()


@pytest.mark.parametrize("days", [7, 30, 90])
def test_trends_csv_is_the_table(editor_client, week, days):
    response = editor_client.get(f"{TRENDS}csv/", {"days": days})
    assert response["Content-Type"].startswith("text/csv")
    assert f"trends-{days}-days-" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["entry", "address", f"views, last {days} days"]
    by_title = {row[0]: row for row in rows[1:]}
    assert set(by_title) == {"Busy", "'=Rising"}  # never run as a formula
    assert by_title["Busy"][1].endswith("/terms/busy/")


def test_trends_page_without_views_says_so(editor_client, make_entry):
    make_entry()
    html = editor_client.get(TRENDS).content.decode()
    assert "No public entry was viewed in the last 30 days." in html
    assert "Views per day, last 30 days: no views" in html


def test_trends_are_read_only(editor_client, week, admin_client):
    for client in (editor_client, admin_client):
        assert client.get(f"{TRENDS}add/").status_code == 404
        row = DailyViews.objects.first()
        assert client.get(f"{TRENDS}{row.pk}/change/").status_code == 404
        assert client.post(TRENDS, {"action": "delete_selected"}).status_code == 405
    assert DailyViews.objects.count() == 7
    index = editor_client.get("/admin/").content.decode()
    assert f'href="{TRENDS}"' in index and f'href="{TRENDS}add/"' not in index


def test_trends_need_the_view_permission(client, django_user_model):
    staff = django_user_model.objects.create_user("plain-staff", password="x" * 20, is_staff=True)
    client.force_login(staff)
    assert client.get(TRENDS).status_code == 403
    assert client.get(f"{TRENDS}csv/").status_code == 403


# The home page


def test_home_shows_trending_this_week(human, make_entry):
    busy, quiet = make_entry(title="Busy"), make_entry(title="Quiet")
    make_entry(title="Older")
    viewed(busy, (0, 1200))
    viewed(quiet, (5, 3))
    viewed(Entry.objects.get(title="Older"), (7, 5000))  # last week
    html = human.get("/").content.decode()
    trending = html[html.index("Trending this week") : html.index("Most viewed")]
    assert trending.index("Busy") < trending.index("Quiet")
    assert "1,200 views this week" in trending and "3 views this week" in trending
    assert "Older" not in trending


def test_home_has_no_trending_without_views_this_week(human, make_entry):
    viewed(make_entry(), (8, 40))
    assert "Trending this week" not in human.get("/").content.decode()


def a_minute_later():
    """The kept copy of the page and the kept list of trending entries are made again."""
    page_cache.clear()
    cache.clear()


def test_home_changes_its_etag_when_trending_changes(human, make_entry):
    first, second = make_entry(title="First"), make_entry(title="Second")
    etag = human.get("/")["ETag"]
    viewed(first, (0, 2))
    a_minute_later()
    changed = human.get("/", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and "Trending this week" in changed.content.decode()
    assert human.get("/", HTTP_IF_NONE_MATCH=changed["ETag"]).status_code == 304
    viewed(second, (1, 9))  # now first in the list
    a_minute_later()
    assert human.get("/", HTTP_IF_NONE_MATCH=changed["ETag"]).status_code == 200


def test_an_unpublished_entry_leaves_trending_at_once(human, make_entry):
    entry = make_entry(title="Soon a draft")
    viewed(entry, (0, 30))
    assert "Soon a draft" in human.get("/").content.decode()
    entry.status = Entry.Status.DRAFT
    entry.save()
    assert "Trending this week" not in human.get("/").content.decode()


# In a browser


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize(("scheme", "width"), [("light", 1280), ("dark", 1280), ("dark", 375)])
def test_trends_and_the_entry_chart_in_a_browser(live_server, browser, make_entry, scheme, width):
    """axe finds nothing in the charts and the Trends page, light or dark; the page does
    not scroll sideways on a phone; nothing breaks the CSP."""
    entry = make_entry(title="Busy")
    viewed(entry, (0, 30), (3, 12), (9, 4))
    viewed(make_entry(title="Quiet"), (1, 2))
    client = Client()
    client.force_login(User.objects.create_superuser("chief", password="a-long-password-1"))
    context = browser.new_context(viewport={"width": width, "height": 800}, color_scheme=scheme)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
    )
    page = context.new_page()
    refused = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security" in m.text else 0)
    axe = Axe()
    problems = {}
    for name, path, part in (
        ("trends", f"{TRENDS}?days=7", "#content"),
        ("entry form", f"/admin/articles/entry/{entry.pk}/change/", ".field-views_chart"),
    ):
        page.goto(live_server.url + path)
        page.locator(".views-chart__numbers summary").click()  # the numbers shown too
        assert not refused, (name, refused)  # (axe, injected below, sets styles itself)
        found = axe.run(page, context=part).response["violations"]
        if found:
            problems[name] = [(v["id"], [n["target"] for n in v["nodes"]]) for v in found]
        if name == "trends":
            assert page.evaluate("document.scrollingElement.scrollWidth - innerWidth") <= 0
            assert page.locator(".sparkline").count() == 2
        refused.clear()
    context.close()
    assert not problems, problems
