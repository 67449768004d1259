"""Whether a source's address still answers: the link check behind `manage.py check_sources`.

One question per address, politely: a User-Agent that names the site, a timeout, at most
PER_HOST requests at a time to one host, HEAD first (GET, reading only READ_BYTES of the
body, when HEAD is refused or answered oddly: many servers mishandle HEAD). Redirects are
not followed blindly, because what they say is the answer:

- 301 and 308 from the address itself: "moved", with the new address (relative Locations
  resolved), so an editor can update the source. Not followed further.
- 302, 303 and 307 (and a permanent redirect met after one of them, e.g. a DOI resolver's
  302 to a publisher that then moved the page): followed, up to MAX_REDIRECTS hops; the last
  answer decides, and the hops are kept in the detail.
- 2xx: "ok". 404 and 410: "broken".
- Every other answer, 4xx and 5xx alike: "error", with the code. 401, 403 and 429 are what
  sites that turn away automated visitors answer, so they are no proof the page is gone;
  400, 451 and the rest are too rare to call either way. "error" asks an editor to look.
- No answer (timeout, host not found, connection refused or reset): "unreachable".
- A certificate or TLS failure: "error" (readers' browsers would refuse the page too).

Only http and https addresses are requested (`checkable`). Proxies set in the environment
(`https_proxy`, `no_proxy`) are used, as by any urllib client.
"""

import http
import http.client
import socket
import ssl
import threading
import urllib.error
import urllib.request
from collections import defaultdict
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import chain, zip_longest
from urllib.parse import urljoin, urlsplit

from django.conf import settings
from django.utils.encoding import iri_to_uri

from ..models import Source

DEFAULT_TIMEOUT = 10  # seconds, for each connection and each read
DEFAULT_WORKERS = 4
PER_HOST = 2  # requests at a time to one host
MAX_REDIRECTS = 5
READ_BYTES = 1024  # of a GET's body: enough to know it is coming
SCHEMES = ("http", "https")
PERMANENT = {301, 308}
TEMPORARY = {302, 303, 307}
GONE = {404, 410}
# A HEAD answered 4xx or 5xx is asked again with GET, but not one answered 429 ("too many
# requests"): asking again at once would be rude.
RATE_LIMITED = 429
DETAIL_LENGTH = Source._meta.get_field("check_detail").max_length
HOPS = "; "  # between the steps of a detail: "302 → https://…; 404 Not Found"
ARROW = " → "
NOTES = {
    401: "the page needs a sign-in",
    403: "the site may turn away automated checks: open it in a browser",
    429: "the site may turn away automated checks: open it in a browser",
}


@dataclass(frozen=True)
class Checked:
    """What one address answered: a Source.Check value and a line for people."""

    url: str
    result: str
    detail: str


def user_agent():
    return f"RecoveryGlossaryLinkCheck/1.0 (+{settings.SITE_URL})"


def checkable(url):
    """Only web addresses are requested: not ftp:, file: or anything else."""
    try:
        parts = urlsplit(url)
        return parts.scheme.lower() in SCHEMES and bool(parts.hostname)
    except ValueError:
        return False


def check_all(
    urls: Iterable[str],
    *,
    timeout: float = DEFAULT_TIMEOUT,
    workers: int = DEFAULT_WORKERS,
    per_host: int = PER_HOST,
) -> Iterator[Checked]:
    """Check each address once, `workers` at a time; results as they come, in this thread.

    Addresses are queued taking hosts in turn, so that workers are not all kept waiting
    for one busy host's turn while other hosts' addresses wait in the queue."""
    checker = LinkChecker(timeout=timeout, per_host=per_host)
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="link-check")
    try:
        futures = [pool.submit(checker.check, url) for url in _hosts_in_turn(urls)]
        for future in as_completed(futures):
            yield future.result()
    finally:
        # Stopped early (Ctrl-C): addresses not yet started are not requested.
        pool.shutdown(wait=True, cancel_futures=True)


def _hosts_in_turn(urls):
    by_host = defaultdict(list)
    for url in dict.fromkeys(urls):
        by_host[_host(url)].append(url)
    return [url for url in chain.from_iterable(zip_longest(*by_host.values())) if url]


def _host(url):
    try:
        parts = urlsplit(url)
        return (parts.hostname or "", parts.port)
    except ValueError:
        return ("", None)


class LinkChecker:
    """Checks addresses; safe to share between threads."""

    def __init__(self, *, timeout=DEFAULT_TIMEOUT, per_host=PER_HOST):
        self.timeout = timeout
        self.per_host = per_host
        self._turns = defaultdict(lambda: threading.BoundedSemaphore(self.per_host))
        self._turns_lock = threading.Lock()

    def check(self, url: str) -> Checked:
        """Never raises: whatever goes wrong is the answer."""
        if not checkable(url):
            return Checked(
                url, Source.Check.ERROR, "Not checked: not a valid http or https address"
            )
        steps, current = [], url
        for _hop in range(MAX_REDIRECTS + 1):
            try:
                status, reason, location = self._answer(current)
            except Exception as problem:  # one odd address must not stop a run
                result, said = self._failure(problem)
                return _checked(url, result, [*steps, said])
            if status in PERMANENT | TEMPORARY:
                if not location:
                    return _checked(
                        url, Source.Check.ERROR, [*steps, f"{status} with no new address"]
                    )
                target = urljoin(current, location.strip())
                if status in PERMANENT and not steps:
                    return _checked(url, Source.Check.MOVED, [f"{status}{ARROW}{target}"])
                steps.append(f"{status}{ARROW}{target}")
                if not checkable(target):
                    return _checked(url, Source.Check.ERROR, [*steps, "not a web address"])
                current = target
                continue
            return _checked(url, _result(status), [*steps, _said(status, reason)])
        return _checked(url, Source.Check.ERROR, [*steps, f"more than {MAX_REDIRECTS} redirects"])

    def _answer(self, url):
        """(status, reason, Location) from HEAD, or from GET where HEAD would mislead."""
        try:
            status, reason, location = self._ask(url, "HEAD")
        except (http.client.HTTPException, ConnectionResetError):
            return self._ask(url, "GET")  # a server that drops or garbles HEAD
        if status >= 400 and status != RATE_LIMITED:
            return self._ask(url, "GET")  # 405/501, or a server that answers HEAD wrongly
        return status, reason, location

    def _ask(self, url, method):
        request = urllib.request.Request(
            iri_to_uri(url),  # non-ASCII paths as a browser sends them
            method=method,
            headers={
                "User-Agent": user_agent(),
                "Accept": "text/html,application/xhtml+xml,*/*;q=0.8",
            },
        )
        opener = urllib.request.build_opener(_NoRedirects)
        with self._turn(url):
            try:
                response = opener.open(request, timeout=self.timeout)
            except urllib.error.HTTPError as answer:  # any status but 2xx: still an answer
                response = answer
            with response:
                if method == "GET":
                    try:
                        response.read(READ_BYTES)
                    except (OSError, http.client.HTTPException):
                        pass  # the status has come; a slow or cut body does not change it
                return response.status, response.reason, response.headers.get("Location")

    @contextmanager
    def _turn(self, url):
        with self._turns_lock:
            turn = self._turns[_host(url)]
        with turn:
            yield

    def _failure(self, problem):
        """(result, detail) for a request that got no usable answer."""
        if isinstance(problem, urllib.error.URLError) and isinstance(problem.reason, BaseException):
            problem = problem.reason
        if isinstance(problem, TimeoutError):
            return Source.Check.UNREACHABLE, f"Timed out after {self.timeout:g} s"
        if isinstance(problem, socket.gaierror):
            return Source.Check.UNREACHABLE, "Host not found (DNS)"
        if isinstance(problem, ConnectionRefusedError):
            return Source.Check.UNREACHABLE, "Connection refused"
        if isinstance(problem, ssl.SSLCertVerificationError):
            return Source.Check.ERROR, f"Certificate not trusted: {problem.verify_message}"
        if isinstance(problem, ssl.SSLError):
            return Source.Check.ERROR, f"Secure connection failed: {problem.reason or problem}"
        if isinstance(problem, http.client.HTTPException):  # incl. RemoteDisconnected
            return Source.Check.ERROR, f"No valid answer: {_named(problem)}"
        if isinstance(problem, ConnectionResetError):
            return Source.Check.UNREACHABLE, "Connection reset"
        if isinstance(problem, OSError):
            return Source.Check.UNREACHABLE, problem.strerror or _named(problem)
        if isinstance(problem, ValueError | UnicodeError):
            return Source.Check.ERROR, f"Not a valid address: {_named(problem)}"
        return Source.Check.ERROR, f"Check failed: {_named(problem)}"


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect comes back as the answer (an HTTPError), to be read, not followed."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def _result(status):
    if 200 <= status < 300:
        return Source.Check.OK
    if status in GONE:
        return Source.Check.BROKEN
    return Source.Check.ERROR


def _said(status, reason):
    try:
        phrase = http.HTTPStatus(status).phrase
    except ValueError:
        phrase = (reason or "").strip()
    said = f"{status} {phrase}".strip()
    return f"{said} ({NOTES[status]})" if status in NOTES else said


def _named(problem):
    return str(problem) or type(problem).__name__


def _checked(url, result, steps):
    detail = HOPS.join(steps)
    if len(detail) > DETAIL_LENGTH:
        detail = detail[: DETAIL_LENGTH - 1] + "…"
    return Checked(url, result, detail)


# Reading a stored detail back, for the admin's compact column.


def answer_code(detail):
    """The status code of the last answer in a detail ("302 → …; 404 Not Found": 404)."""
    last = detail.rsplit(HOPS, 1)[-1]
    code = last.split(" ", 1)[0]
    return int(code) if len(code) == 3 and code.isdigit() else None


def moved_to(detail):
    """The new address in a "moved" detail ("301 → https://new.example/page")."""
    _, arrow, target = detail.partition(ARROW)
    return target if arrow and checkable(target) else None
