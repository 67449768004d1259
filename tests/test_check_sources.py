"""`manage.py check_sources` against a local web server (never the internet): what each
answer is recorded as, the report, the exit status, the options, and the admin's view of
the results."""

import os
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO

import pytest
from django.conf import settings
from django.contrib import admin
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from articles.content import link_check
from articles.models import Entry, Source
from tests.forms import entry_form_data

TIMEOUT = "1"  # second: /slow answers long after it
ADMIN = "/admin/articles"


class Answers(BaseHTTPRequestHandler):
    """The answers a source's address may give."""

    def do_HEAD(self):
        self._answer(head=True)

    def do_GET(self):
        self._answer(head=False)

    def _answer(self, head):
        server = self.server
        with server.lock:
            server.seen.append((self.command, self.path, self.headers.get("User-Agent")))
            server.now += 1  # requests being answered (until _send: the client may go on)
            server.most = max(server.most, server.now)
        self._reply(head)

    def _reply(self, head):
        path = self.path
        if path == "/old":
            return self._send(301, location="/new")
        if path == "/temporary":
            return self._send(302, location="/ok")
        if path == "/loop":
            return self._send(307, location="/loop")
        if path == "/missing":
            return self._send(404)
        if path == "/broken-server":
            return self._send(500)
        if path == "/forbidden":
            return self._send(403)
        if path == "/no-head" and head:
            return self._send(405)
        if path == "/slow":
            self.server.release.wait(30)  # set when the test ends
        if path.startswith("/pause"):
            time.sleep(0.2)
        return self._send(200, body=b"<!doctype html><title>A page</title>" + b"x" * 5000)

    def _send(self, status, location=None, body=b""):
        with self.server.lock:
            self.server.now -= 1
        self.send_response(status)
        if location:
            self.send_header("Location", location)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command == "GET":
            self.wfile.write(body)

    def log_message(self, format, *args):
        pass  # quiet


@pytest.fixture
def web():
    """A web server on 127.0.0.1: `web.url("/path")`, `web.seen` (method, path, UA)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), Answers)
    server.daemon_threads = True
    server.lock = threading.Lock()
    server.release = threading.Event()
    server.seen, server.now, server.most = [], 0, 0
    server.url = lambda path: f"http://127.0.0.1:{server.server_address[1]}{path}"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server
    server.release.set()
    server.shutdown()
    server.server_close()


@pytest.fixture
def closed_port():
    """An address nothing listens on: connections are refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/page"


def with_sources(make_entry, *urls, **fields):
    article = make_entry(**fields)
    for order, url in enumerate(urls, 1):
        Source.objects.create(article=article, title=f"Source {order}", url=url, order=order)
    article.refresh_from_db()
    return article


def check(*args):
    """(report, exit status) of a run."""
    out = StringIO()
    try:
        call_command("check_sources", "--timeout", TIMEOUT, *args, stdout=out)
    except CommandError as error:
        return out.getvalue(), error.returncode
    return out.getvalue(), 0


def recorded(url):
    return set(Source.objects.filter(url=url).values_list("check_result", "check_detail"))


def test_each_answer_is_recorded_and_reported(make_entry, web, closed_port):
    urls = {name: web.url(f"/{name}") for name in (
        "ok", "old", "temporary", "missing", "broken-server", "forbidden", "no-head", "slow",
    )}  # fmt: skip
    naloxone = with_sources(make_entry, *urls.values(), title="Naloxone")
    sponsor = with_sources(make_entry, urls["missing"], closed_port, title="Sponsor")
    started = time.perf_counter()

    report, status = check()

    assert time.perf_counter() - started < 10  # not kept waiting by /slow
    assert recorded(urls["ok"]) == {("ok", "200 OK")}
    assert recorded(urls["old"]) == {("moved", f"301 → {web.url('/new')}")}
    assert recorded(urls["temporary"]) == {("ok", f"302 → {web.url('/ok')}; 200 OK")}
    assert recorded(urls["missing"]) == {("broken", "404 Not Found")}
    assert recorded(urls["broken-server"]) == {("error", "500 Internal Server Error")}
    assert recorded(urls["forbidden"]) == {
        ("error", "403 Forbidden (the site may turn away automated checks: open it in a browser)")
    }
    assert recorded(urls["no-head"]) == {("ok", "200 OK")}
    assert recorded(urls["slow"]) == {("unreachable", "Timed out after 1 s")}
    assert recorded(closed_port) == {("unreachable", "Connection refused")}
    assert not Source.objects.filter(checked_at=None).exists()
    assert Source.objects.filter(checked_at__gte=timezone.now() - timezone.timedelta(minutes=1))

    # Each address once (the one two entries cite too), HEAD first, GET where HEAD failed.
    requests = [(method, path) for method, path, _ in web.seen]
    assert requests.count(("HEAD", "/missing")) == 1
    assert ("HEAD", "/no-head") in requests and ("GET", "/no-head") in requests
    assert ("GET", "/ok") not in requests
    assert {agent for *_, agent in web.seen} == {
        f"RecoveryGlossaryLinkCheck/1.0 (+{settings.SITE_URL})"
    }

    assert status == 1  # broken and moved addresses
    assert "Checked 9 addresses (10 sources)" in report
    for line in ("Works: 3", "Moved permanently: 1", "Broken (not found): 1",
                 "Server error: 2", "Unreachable: 2"):  # fmt: skip
        assert f"  {line}\n" in report
    broken = report.split("Broken (not found):\n", 1)[1]
    assert broken.startswith(f"  {urls['missing']}\n    404 Not Found\n    in: Naloxone, Sponsor\n")
    moved = report.split("Moved permanently:\n", 1)[1]
    assert moved.startswith(f"  {urls['old']}\n    301 → {web.url('/new')}\n    in: Naloxone\n")
    assert f"  {closed_port}\n    Connection refused\n    in: Sponsor\n" in report
    assert "Recorded on 10 sources." in report

    # A check is not an edit: the entries' versions and dates are as they were.
    for article in (naloxone, sponsor):
        before = (article.version, article.updated_at)
        article.refresh_from_db()
        assert (article.version, article.updated_at) == before


def test_only_broken_or_moved_addresses_fail_the_run(make_entry, web):
    with_sources(make_entry, web.url("/ok"), web.url("/broken-server"))
    report, status = check()
    assert status == 0
    assert "Server error:\n" in report


def test_a_redirect_loop_is_an_error(make_entry, web):
    with_sources(make_entry, web.url("/loop"))
    check()
    ((result, detail),) = recorded(web.url("/loop"))
    assert result == "error" and detail.endswith("; more than 5 redirects")


def test_a_dry_run_reports_and_records_nothing(make_entry, web):
    with_sources(make_entry, web.url("/ok"), web.url("/missing"))
    report, status = check("--dry-run")
    assert status == 1
    assert "Broken (not found): 1" in report and "Dry run: nothing recorded." in report
    assert set(Source.objects.values_list("check_result", "checked_at")) == {("", None)}


def test_entry_limits_the_run_to_those_entries(make_entry, web):
    with_sources(make_entry, web.url("/ok"), slug="naloxone")
    with_sources(make_entry, web.url("/missing"), slug="sponsor")
    with_sources(make_entry, web.url("/broken-server"), slug="relapse")
    report, status = check("--entry", "naloxone", "--entry", "relapse")
    assert status == 0
    assert recorded(web.url("/ok")) == {("ok", "200 OK")}
    assert recorded(web.url("/missing")) == {("", "")}
    assert "/missing" not in {path for _, path, _ in web.seen}
    assert "Checked 2 addresses (2 sources)" in report


def test_stale_days_skips_sources_checked_lately(make_entry, web):
    with_sources(make_entry, web.url("/ok"), web.url("/missing"))
    Source.objects.filter(url=web.url("/ok")).update(
        checked_at=timezone.now() - timezone.timedelta(days=2), check_result="ok"
    )
    Source.objects.filter(url=web.url("/missing")).update(
        checked_at=timezone.now() - timezone.timedelta(days=10), check_result="ok"
    )
    check("--stale-days", "7")
    assert {path for _, path, _ in web.seen} == {"/missing"}
    assert recorded(web.url("/missing")) == {("broken", "404 Not Found")}


def test_addresses_other_than_web_ones_are_not_requested(make_entry):
    with_sources(make_entry, "ftp://ftp.example.org/report.pdf", title="Old report")
    report, status = check()
    assert status == 0
    assert "Not checked (not http or https): 1" in report
    assert "  ftp://ftp.example.org/report.pdf\n    in: Old report\n" in report
    assert recorded("ftp://ftp.example.org/report.pdf") == {("", "")}


def test_at_most_two_requests_at_a_time_to_one_host(make_entry, web):
    with_sources(make_entry, *(web.url(f"/pause/{n}") for n in range(6)))
    check("--workers", "4")
    assert web.most == 2
    assert Source.objects.filter(check_result="ok").count() == 6


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--timeout", "0"], "--timeout must be more than 0"),
        (["--timeout", "soon"], "invalid float value: 'soon'"),
        (["--workers", "0"], "--workers must be from 1 to 32"),
        (["--stale-days", "-1"], "--stale-days must be 0 or more"),
        (["--entry", "no-such-entry"], "No entry with the slug 'no-such-entry'"),
    ],
)
def test_bad_options_are_refused_with_a_reason(db, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("check_sources", *args, stdout=StringIO())


def test_bad_options_from_the_command_line_give_one_line_and_status_2():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "KB_"))}
    env["DJANGO_SETTINGS_MODULE"] = "knowledgebase.settings_test"
    result = subprocess.run(
        [sys.executable, "manage.py", "check_sources", "--workers", "0"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == "CommandError: --workers must be from 1 to 32, not 0."


def test_the_checker_never_raises_for_an_odd_address():
    checker = link_check.LinkChecker(timeout=1)
    assert checker.check("http://[::1/").result == "error"
    assert checker.check("mailto:someone@example.org").detail.startswith("Not checked")


# The admin


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


def test_sources_list_shows_what_the_check_found(editor_client, make_entry, web):
    naloxone = with_sources(make_entry, web.url("/old"), web.url("/ok"), title="Naloxone")
    check()
    response = editor_client.get(f"{ADMIN}/source/", {"check": "look"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Moved (301) · " in html and "Works · " not in html
    assert f'href="{web.url("/new")}" rel="noreferrer">new address</a>' in html
    assert f'href="/admin/articles/entry/{naloxone.pk}/change/#sources-group">Naloxone</a>' in html
    assert f'<a href="{web.url("/old")}" rel="noreferrer">' in html

    found = editor_client.get(f"{ADMIN}/source/", {"q": "/ok"}).content.decode()
    assert "Works · " in found and "Moved (301)" not in found


def test_sources_are_changed_in_their_entry_not_on_their_own(editor_client, make_entry):
    article = with_sources(make_entry, "https://example.org/a")
    source = article.sources.get()
    assert editor_client.get(f"{ADMIN}/source/add/").status_code == 403
    page = editor_client.get(f"{ADMIN}/source/{source.pk}/change/")
    assert page.status_code == 200
    assert 'name="title"' not in page.content.decode()  # shown, not a form
    assert editor_client.post(f"{ADMIN}/source/{source.pk}/delete/").status_code == 403


def test_entry_form_shows_the_year_and_the_check_and_saving_keeps_the_check(
    editor_client, make_entry, web
):
    article = with_sources(make_entry, web.url("/missing"))
    check()
    source = article.sources.get()
    page = editor_client.get(f"{ADMIN}/entry/{article.pk}/change/").content.decode()
    assert 'name="sources-0-year"' in page
    assert "Broken (404) · " in page
    assert admin.site._registry[Entry].edit_spec.rows["sources"] == (
        "title", "publisher", "year", "url", "accessed", "order",
    )  # fmt: skip

    article.refresh_from_db()
    row = {
        "sources-TOTAL_FORMS": "1", "sources-INITIAL_FORMS": "1",
        "sources-0-id": str(source.pk), "sources-0-article": str(article.pk),
        "sources-0-title": "Source 1", "sources-0-publisher": "NIDA", "sources-0-year": "2024",
        "sources-0-url": source.url, "sources-0-order": "1",
    }  # fmt: skip
    response = editor_client.post(
        f"{ADMIN}/entry/{article.pk}/change/", entry_form_data(article, **row)
    )
    assert response.status_code == 302
    source.refresh_from_db()
    assert (source.year, source.publisher, source.check_result) == (2024, "NIDA", "broken")


def test_history_keeps_sources_not_what_the_link_check_found(make_entry):
    """A revert must not bring back an old finding: the check's fields stay out of versions."""
    import reversion
    from reversion.models import Version

    entry = make_entry()
    source = Source.objects.create(article=entry, title="Kept", url="https://nida.nih.gov/")
    Source.objects.filter(pk=source.pk).update(check_result="broken", check_detail="404")
    with reversion.create_revision():
        entry.save()
        reversion.add_to_revision(Source.objects.get(pk=source.pk))
    version = Version.objects.get_for_object(source).get()
    assert version.field_dict["title"] == "Kept"
    assert not {"check_result", "check_detail", "checked_at"} & version.field_dict.keys()
