"""A few reader pages made in gunicorn's master before it forks the workers (the
application is preloaded: knowledgebase/gunicorn.conf.py), so that each worker starts
with the code imported, the templates compiled and the crawler patterns compiled: a new
worker's first requests then cost what any request does, and a reload (SIGHUP) doesn't
hold readers up while each new worker does that work (about 0.25 s of CPU each).

The requests present themselves as a crawler, so they count no view; they change
nothing in the database. The connections they opened are closed before the fork.
"""

import io
import logging
import sys

from django.conf import settings
from django.core.cache import caches
from django.db import connections

logger = logging.getLogger(__name__)

USER_AGENT = "kb-warm-up-bot/1.0"  # a crawler's name: no view is counted


def warm(application):
    """Run the reader pages' code once through `application` (a WSGI callable); the
    status each page answered, by address."""
    answers = {}
    try:
        paths = ["/", "/terms/", "/search/?q=a"]
        slug = _an_entry()
        if slug:
            paths.append(f"/terms/{slug}/")
        for path in paths:
            answers[path] = _get(application, path)
    except Exception:  # never a reason not to start: the workers warm up by serving
        logger.warning("Warm-up before the workers start failed", exc_info=True)
    else:
        if set(answers.values()) != {200}:
            logger.warning("Warm-up before the workers start: %s", answers)
    finally:
        # Forked workers must not share the master's sockets.
        connections.close_all()
        caches.close_all()
    return answers


def _an_entry():
    from articles.models import Entry

    return Entry.objects.published().values_list("slug", flat=True).first()


def _host():
    # ".example.org" allows example.org and its subdomains.
    hosts = [host for host in settings.ALLOWED_HOSTS if host != "*"]
    return hosts[0].lstrip(".") if hosts else "localhost"


def _get(application, path):
    path_info, _, query = path.partition("?")
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path_info,
        "QUERY_STRING": query,
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "443",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": _host(),
        "HTTP_USER_AGENT": USER_AGENT,
        # As a request through the TLS-terminating proxy: no redirect to HTTPS.
        "HTTP_X_FORWARDED_PROTO": "https",
        "wsgi.url_scheme": "https",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
    }
    statuses = []
    result = application(environ, lambda status, headers, exc_info=None: statuses.append(status))
    try:
        for _ in result:
            pass
    finally:
        if hasattr(result, "close"):
            result.close()
    return int(statuses[0].split()[0])
